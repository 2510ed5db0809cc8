//===- FuseElementwise.cpp - mlc-fuse-elementwise -------------------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_FUSEELEMENTWISEPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {
struct FuseElementwisePass
    : onnx_mlc::impl::FuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Fuse only a producer whose result has no other user: duplicating work
    // into several consumers is a trade-off this pass does not make.
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *use) {
          Operation *producer = use->get().getDefiningOp();
          return producer && producer->hasOneUse();
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
