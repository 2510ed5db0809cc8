//===- OnnxMlc.cpp - C API of the onnx-mlc compiler library ---------------===//
#include "onnx_mlc-c/OnnxMlc.h"
#include "onnx_mlc/InitAll.h"

#include "mlir/CAPI/IR.h"
#include <mutex>

void onnxMlcRegisterAllDialects(MlirDialectRegistry registry) {
  onnx_mlc::registerAllDialects(*unwrap(registry));
}

void onnxMlcRegisterAllPasses(void) {
  static std::once_flag once;
  std::call_once(once, [] { onnx_mlc::registerAllPasses(); });
}
