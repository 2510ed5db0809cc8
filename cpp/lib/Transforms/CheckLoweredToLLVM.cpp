//===- CheckLoweredToLLVM.cpp - mlc-check-lowered-to-llvm -----------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_CHECKLOWEREDTOLLVMPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {
struct CheckLoweredToLLVMPass
    : onnx_mlc::impl::CheckLoweredToLLVMPassBase<CheckLoweredToLLVMPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    WalkResult result = module.walk([&](Operation *op) {
      if (op == module.getOperation() || isa<LLVM::LLVMDialect>(op->getDialect()))
        return WalkResult::advance();
      op->emitError("internal compiler error: '")
          << op->getName() << "' was not lowered to the LLVM dialect";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
