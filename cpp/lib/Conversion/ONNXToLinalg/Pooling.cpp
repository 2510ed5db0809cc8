//===- Pooling.cpp - Pooling ops to window reductions -----------------------===//
#include "Utils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

//===----------------------------------------------------------------------===//
// Pooling and normalization.
//===----------------------------------------------------------------------===//

/// A window reduction over the spatial dims of a padded N,C,spatial input:
/// out[n,c,o] = combine over k of in[n,c,o*s+k*d].
Value windowReduce(OpBuilder &b, Location loc, Value padded, RankedTensorType outType,
                   const WindowGeometry &g, Value init,
                   function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  MLIRContext *ctx = b.getContext();
  int64_t spatial = g.kernel.size();
  int64_t numDims = 2 + 2 * spatial;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> inExprs{d(0), d(1)}, winExprs, outExprs{d(0), d(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    inExprs.push_back(d(2 + i) * g.strides[i] + d(2 + spatial + i) * g.dilations[i]);
    winExprs.push_back(d(2 + spatial + i));
    outExprs.push_back(d(2 + i));
  }
  // The window operand only gives the reduction loops their extent.
  Value window = tensor::EmptyOp::create(b, loc, g.kernel, outType.getElementType());
  SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, inExprs, ctx),
                              AffineMap::get(numDims, 0, winExprs, ctx),
                              AffineMap::get(numDims, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iters(2 + spatial, utils::IteratorType::parallel);
  iters.append(spatial, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, outType, ValueRange{padded, window},
             filledTensor(b, loc, outType, init), maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               linalg::YieldOp::create(nb, l, combine(nb, l, a[2], a[0]));
             })
      .getResult(0);
}

/// End padding that also covers windows which ceil_mode lets run past the
/// padded input.
SmallVector<int64_t> endPadding(ArrayRef<int64_t> inSizes, const WindowGeometry &g) {
  int64_t n = inSizes.size();
  SmallVector<int64_t> high;
  for (int64_t i = 0; i < n; ++i) {
    int64_t needed = (g.outSizes[i] - 1) * g.strides[i] +
                     (g.kernel[i] - 1) * g.dilations[i] + 1 - g.pads[i] - inSizes[i];
    high.push_back(std::max(g.pads[n + i], needed));
  }
  return high;
}

template <typename PoolOp>
std::optional<WindowGeometry> poolGeometry(PoolOp op) {
  std::string error;
  return computeWindowGeometry(typeOf(op.getX()).getShape().drop_front(2),
                               op.getKernelShape(), op.getStrides(), op.getDilations(),
                               op.getPads(), op.getAutoPad(), op.getCeilMode() != 0, error);
}

struct LowerMaxPool : OpRewritePattern<MaxPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaxPoolOp op, PatternRewriter &rewriter) const override {
    if (!op.getIndices().use_empty())
      return failure();
    std::optional<WindowGeometry> g = poolGeometry(op);
    if (!g)
      return failure();
    Location loc = op.getLoc();
    RankedTensorType outType = typeOf(op.getY());
    ArrayRef<int64_t> inSizes = typeOf(op.getX()).getShape().drop_front(2);
    Value lowest = lowestConst(rewriter, loc, outType.getElementType());
    Value padded = padSpatial(rewriter, loc, op.getX(),
                              ArrayRef(g->pads).take_front(inSizes.size()),
                              endPadding(inSizes, *g), lowest);
    Value r = windowReduce(rewriter, loc, padded, outType, *g, lowest, maxValues);
    rewriter.replaceAllUsesWith(op.getY(), r);
    rewriter.eraseOp(op);
    return success();
  }
};

struct LowerAveragePool : OpRewritePattern<AveragePoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AveragePoolOp op, PatternRewriter &rewriter) const override {
    std::optional<WindowGeometry> g = poolGeometry(op);
    if (!g)
      return failure();
    Location loc = op.getLoc();
    RankedTensorType outType = typeOf(op.getY());
    Type elem = outType.getElementType();
    ArrayRef<int64_t> inSizes = typeOf(op.getX()).getShape().drop_front(2);
    int64_t n = inSizes.size();
    Value zero = scalarConst(rewriter, loc, elem, 0);
    Value padded = padSpatial(rewriter, loc, op.getX(), ArrayRef(g->pads).take_front(n),
                              endPadding(inSizes, *g), zero);
    Value sum = windowReduce(rewriter, loc, padded, outType, *g, zero, addValues);

    // Divisors per output position: the window positions inside the input
    // (or inside the explicitly padded input, with count_include_pad).
    bool includePad = op.getCountIncludePad() != 0;
    SmallVector<int64_t> spatialOut(g->outSizes);
    SmallVector<float> divisors(ShapedType::getNumElements(spatialOut), 1.0f);
    for (int64_t flat = 0; flat < (int64_t)divisors.size(); ++flat) {
      int64_t rest = flat, count = 1;
      for (int64_t i = n - 1; i >= 0; --i) {
        int64_t o = rest % spatialOut[i];
        rest /= spatialOut[i];
        int64_t lo = includePad ? -g->pads[i] : 0;
        int64_t hi = includePad ? inSizes[i] + g->pads[n + i] : inSizes[i];
        int64_t c = 0;
        for (int64_t k = 0; k < g->kernel[i]; ++k) {
          int64_t p = o * g->strides[i] - g->pads[i] + k * g->dilations[i];
          c += p >= lo && p < hi;
        }
        count *= std::max<int64_t>(c, 1);
      }
      divisors[flat] = (float)count;
    }
    auto divType = RankedTensorType::get(spatialOut, elem);
    Value div = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(divType, ArrayRef<float>(divisors)));
    Value r = buildElementwise(rewriter, loc, outType, ValueRange{sum, div},
                               [](OpBuilder &b, Location l, ValueRange a) {
                                 return arith::DivFOp::create(b, l, a[0], a[1]);
                               });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// GlobalAveragePool and GlobalMaxPool: a reduction over the spatial dims.
template <typename PoolOp, bool Average>
struct LowerGlobalPool : OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(PoolOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType inType = typeOf(op.getX());
    Type elem = inType.getElementType();
    SmallVector<int64_t> axes;
    int64_t count = 1;
    for (int64_t d = 2; d < inType.getRank(); ++d) {
      axes.push_back(d);
      count *= inType.getDimSize(d);
    }
    Value r = Average ? buildReduction(rewriter, loc, op.getX(), axes,
                                       scalarConst(rewriter, loc, elem, 0), addValues)
                      : buildReduction(rewriter, loc, op.getX(), axes,
                                       lowestConst(rewriter, loc, elem), maxValues);
    if (Average)
      r = buildElementwise(rewriter, loc, typeOf(op.getY()), r,
                           [&](OpBuilder &b, Location l, ValueRange a) {
                             return arith::DivFOp::create(
                                 b, l, a[0], scalarConst(b, l, elem, (double)count));
                           });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populatePoolingPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerMaxPool, LowerAveragePool, LowerGlobalPool<GlobalAveragePoolOp, true>,
               LowerGlobalPool<GlobalMaxPoolOp, false>>(patterns.getContext());
}
