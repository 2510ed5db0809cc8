//===- Normalization.cpp - Normalizations and softmax -----------------------===//
#include "Utils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

struct LowerBatchNorm : OpRewritePattern<BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    // Inference mode only; checkLowerable rejected training_mode = 1.
    Location loc = op.getLoc();
    RankedTensorType outType = typeOf(op.getY());
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = outType.getRank();
    auto channelMap = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    auto identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    SmallVector<AffineMap> maps{identity, channelMap, channelMap, channelMap,
                                channelMap, identity};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    double eps = op.getEpsilon().convertToDouble();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outType,
        ValueRange{op.getX(), op.getScale(), op.getB(), op.getInputMean(),
                   op.getInputVar()},
        emptyTensor(rewriter, loc, outType), maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Type t = a[0].getType();
          Value denom = math::SqrtOp::create(
              b, l, arith::AddFOp::create(b, l, a[4], scalarConst(b, l, t, eps)));
          Value centered = arith::SubFOp::create(b, l, a[0], a[3]);
          Value norm = arith::DivFOp::create(b, l, centered, denom);
          Value y = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, norm, a[1]), a[2]);
          linalg::YieldOp::create(b, l, y);
        });
    rewriter.replaceAllUsesWith(op.getY(), generic.getResult(0));
    rewriter.eraseOp(op);
    return success();
  }
};

struct LowerLRN : OpRewritePattern<LRNOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LRNOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = typeOf(op.getX());
    Type elem = type.getElementType();
    int64_t size = op.getSize(), rank = type.getRank();
    int64_t before = (size - 1) / 2, after = size - 1 - before;
    Value squares = buildElementwise(rewriter, loc, type, op.getX(),
                                     [](OpBuilder &b, Location l, ValueRange a) {
                                       return mulValues(b, l, a[0], a[0]);
                                     });
    // Pad the channel dim and sum a window of `size` channels.
    SmallVector<int64_t> lo(rank, 0), hi(rank, 0), padShape(type.getShape());
    lo[1] = before;
    hi[1] = after;
    padShape[1] += size - 1;
    Value zero = scalarConst(rewriter, loc, elem, 0);
    Value padded = tensor::PadOp::create(rewriter, loc,
                                         RankedTensorType::get(padShape, elem), squares,
                                         getAsIndexOpFoldResult(ctx, lo),
                                         getAsIndexOpFoldResult(ctx, hi), zero);
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> inExprs, outExprs;
    for (int64_t i = 0; i < rank; ++i) {
      inExprs.push_back(i == 1 ? d(1) + d(rank) : d(i));
      outExprs.push_back(d(i));
    }
    Value window = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{size}, elem);
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, inExprs, ctx),
                                AffineMap::get(rank + 1, 0, d(rank), ctx),
                                AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value sums = linalg::GenericOp::create(
                     rewriter, loc, type, ValueRange{padded, window},
                     filledTensor(rewriter, loc, type, zero), maps, iters,
                     [](OpBuilder &b, Location l, ValueRange a) {
                       linalg::YieldOp::create(b, l, addValues(b, l, a[2], a[0]));
                     })
                     .getResult(0);
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();
    double bias = op.getBias().convertToDouble();
    Value r = buildElementwise(
        rewriter, loc, type, ValueRange{op.getX(), sums},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value scaled = arith::AddFOp::create(
              b, l, scalarConst(b, l, elem, bias),
              arith::MulFOp::create(b, l, a[1], scalarConst(b, l, elem, alpha / size)));
          Value p = math::PowFOp::create(b, l, scaled, scalarConst(b, l, elem, beta));
          return arith::DivFOp::create(b, l, a[0], p);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Softmax and LogSoftmax over one axis, shifted by the maximum for
/// stability: exp(x - m) / s, or (x - m) - log(s), with s = sum exp(x - m).
template <typename SoftmaxLike, bool Log>
struct LowerSoftmax : OpRewritePattern<SoftmaxLike> {
  using OpRewritePattern<SoftmaxLike>::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxLike op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = typeOf(op.getInput());
    Type elem = type.getElementType();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), type.getRank());
    Value x = op.getInput();
    Value max = buildReduction(rewriter, loc, x, axis, lowestConst(rewriter, loc, elem),
                               maxValues);
    Value exps = buildElementwise(rewriter, loc, type, ValueRange{x, max},
                                  [](OpBuilder &b, Location l, ValueRange a) {
                                    return math::ExpOp::create(
                                        b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                                  });
    Value sum = buildReduction(rewriter, loc, exps, axis,
                               scalarConst(rewriter, loc, elem, 0), addValues);
    Value r;
    if (Log)
      r = buildElementwise(rewriter, loc, type, ValueRange{x, max, sum},
                           [](OpBuilder &b, Location l, ValueRange a) {
                             return arith::SubFOp::create(
                                 b, l, arith::SubFOp::create(b, l, a[0], a[1]),
                                 math::LogOp::create(b, l, a[2]));
                           });
    else
      r = buildElementwise(rewriter, loc, type, ValueRange{exps, sum},
                           [](OpBuilder &b, Location l, ValueRange a) {
                             return arith::DivFOp::create(b, l, a[0], a[1]);
                           });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerBatchNorm, LowerLRN, LowerSoftmax<SoftmaxOp, false>, LowerSoftmax<LogSoftmaxOp, true>>(patterns.getContext());
}
