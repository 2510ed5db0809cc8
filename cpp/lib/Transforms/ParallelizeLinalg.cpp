//===- ParallelizeLinalg.cpp - Distribute linalg ops over threads ---------===//
//
// The contraction kernels choose their own parallel loop
// (mlc-vectorize-contractions); every other linalg op large enough to pay
// for the hand-off is tiled here along one parallel dimension into an
// scf.parallel of single slices, which mlc-outline-parallel-loops hands to
// the thread pool. The dimension is the outermost parallel one with at
// least 4 iterations (or a size known only at run time), so that a batch
// of 1 does not leave one thread with everything.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_PARALLELIZELINALGPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

/// Ops of fewer iterations than this run on one thread: handing work to the
/// pool costs about a microsecond, a few thousand simple iterations.
constexpr int64_t kMinParallelIterations = 1 << 15;

std::optional<unsigned> chooseDimension(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t work = 1;
  for (int64_t r : ranges)
    work = ShapedType::isDynamic(r) ? kMinParallelIterations : work * r;
  if (work < kMinParallelIterations)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (auto [d, range] : llvm::enumerate(ranges))
    if (iterators[d] == utils::IteratorType::parallel &&
        (ShapedType::isDynamic(range) || range >= 4))
      return d;
  return std::nullopt;
}

struct ParallelizeLinalgPass : onnx_mlc::impl::ParallelizeLinalgPassBase<ParallelizeLinalgPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && !op->getParentOfType<scf::ParallelOp>())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      std::optional<unsigned> dim = chooseDimension(op);
      if (!dim)
        continue;
      SmallVector<OpFoldResult> tiles(op.getNumLoops(), rewriter.getIndexAttr(0));
      tiles[*dim] = rewriter.getIndexAttr(1);
      scf::SCFTilingOptions options;
      options.setTileSizes(tiles).setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled =
          scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled) || tiled->loops.size() != 1)
        continue;
      rewriter.eraseOp(op);
      if (auto forall = dyn_cast<scf::ForallOp>(tiled->loops.front().getOperation()))
        (void)scf::forallToParallelLoop(rewriter, forall);
    }
  }
};

} // namespace
