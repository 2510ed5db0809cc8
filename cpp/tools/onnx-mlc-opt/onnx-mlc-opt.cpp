//===- onnx-mlc-opt.cpp - mlir-opt with the ONNX dialect and pipelines ----===//
#include "onnx_mlc/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  onnx_mlc::registerAllDialects(registry);
  onnx_mlc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "onnx-mlc optimizer driver\n", registry));
}
