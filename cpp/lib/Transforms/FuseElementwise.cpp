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

/// Fuses an elementwise producer into an all-parallel consumer.
///
/// Only a producer whose result has no other user is fused: duplicating work
/// into several consumers is a trade-off this pass does not make. Nothing is
/// fused into a reduction, and (unlike upstream's pattern set) splat
/// constants are not folded into bodies either: a contraction must keep
/// plain operands to become a vectorized kernel (mlc-vectorize-contractions).
struct FuseIntoParallelConsumer : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    if (consumer.getNumReductionLoops() != 0)
      return failure();
    for (OpOperand &use : consumer->getOpOperands()) {
      Operation *producer = use.get().getDefiningOp();
      if (!producer || !producer->hasOneUse() || !linalg::areElementwiseOpsFusable(&use))
        continue;
      Location loc = rewriter.getFusedLoc({producer->getLoc(), consumer->getLoc()});
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, &use);
      if (failed(fused))
        continue;
      // The fused op answers for the nodes of both (reports, profiles).
      rewriter.modifyOpInPlace(fused->fusedOp, [&] { fused->fusedOp->setLoc(loc); });
      for (auto [original, replacement] : fused->replacements)
        rewriter.replaceAllUsesExcept(original, replacement, fused->fusedOp);
      rewriter.eraseOp(consumer);
      return success();
    }
    return failure();
  }
};

struct FuseElementwisePass
    : onnx_mlc::impl::FuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseIntoParallelConsumer>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
