//===- OnnxMlc.cpp - C API of the onnx-mlc compiler library ---------------===//
#include "onnx_mlc-c/OnnxMlc.h"
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
