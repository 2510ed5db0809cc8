//===- ShapeInference.cpp - mlc-shape-inference ---------------------------===//
#include "onnx_mlc/Transforms/Passes.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_SHAPEINFERENCEPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;
using namespace onnx_mlc::onnx;

namespace {
struct ShapeInferencePass
    : onnx_mlc::impl::ShapeInferencePassBase<ShapeInferencePass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    // Pre-order: operands are always refined before their users.
    WalkResult result = fn.walk<WalkOrder::PreOrder>([](Operation *op) {
      if (auto shaped = dyn_cast<ShapeInferenceOpInterface>(op))
        if (failed(shaped.inferShapes()))
          return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    if (fn.isExternal())
      return;
    Operation *terminator = fn.getBody().back().getTerminator();
    fn.setType(FunctionType::get(&getContext(), fn.getArgumentTypes(),
                                 terminator->getOperandTypes()));
  }
};
} // namespace
