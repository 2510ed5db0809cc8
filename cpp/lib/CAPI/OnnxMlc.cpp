//===- OnnxMlc.cpp - C API of the onnx-mlc compiler library ---------------===//
#include "onnx_mlc-c/OnnxMlc.h"
#include "onnx_mlc/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "onnx_mlc/InitAll.h"
#include "onnx_mlc/Target/ExternalConstants.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include <mutex>

void onnxMlcRegisterAllDialects(MlirDialectRegistry registry) {
  onnx_mlc::registerAllDialects(*unwrap(registry));
}

void onnxMlcRegisterAllPasses(void) {
  static std::once_flag once;
  std::call_once(once, [] { onnx_mlc::registerAllPasses(); });
}

MlirLogicalResult onnxMlcExternalizeConstants(MlirModule module, MlirStringRef prefix,
                                              uint64_t minBytes,
                                              OnnxMlcConstantCallback callback,
                                              void *userData) {
  return wrap(onnx_mlc::externalizeConstants(
      unwrap(module), unwrap(prefix), minBytes,
      [&](llvm::StringRef symbol, uint64_t alignment, llvm::ArrayRef<char> data) {
        callback(wrap(symbol), alignment, data.data(), data.size(), userData);
      }));
}

void onnxMlcForEachLoweredOp(MlirContext context, void (*callback)(MlirStringRef, void *),
                             void *userData) {
  mlir::RewritePatternSet patterns(unwrap(context));
  onnx_mlc::onnx_to_linalg::ONNXTypeConverter converter;
  onnx_mlc::populateONNXToLinalgPatterns(converter, patterns);
  for (const auto &pattern : patterns.getNativePatterns())
    if (std::optional<mlir::OperationName> root = pattern->getRootKind())
      if (root->getDialectNamespace() == "onnx")
        callback(wrap(root->stripDialect()), userData);
}
