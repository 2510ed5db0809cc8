//===- InitAll.cpp - Everything a tool or the Python package registers ----===//
#include "onnx_mlc/InitAll.h"
#include "onnx_mlc/Conversion/Passes.h"
#include "onnx_mlc/Dialect/ONNX/ONNXDialect.h"
#include "onnx_mlc/Pipelines/Pipelines.h"
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void onnx_mlc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<onnx::ONNXDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
}

void onnx_mlc::registerAllPasses() {
  mlir::registerAllPasses();
  registerOnnxMlcTransformsPasses();
  registerOnnxMlcConversionPasses();
  registerPipelines();
}
