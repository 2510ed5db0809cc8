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
    // Post-order: operands are refined before their users, and the ops of a
    // subgraph (an If branch, a Loop body) before the op that holds it.
    WalkResult result = fn.walk<WalkOrder::PostOrder>([](Operation *op) {
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
