//===- Pooling.cpp - Pooling ops to window reductions ---------------------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

/// A window reduction over the spatial dims of a padded N,C,spatial input:
/// out[n,c,o] = combine over k of in[n,c,o*s+k*d].
Value windowReduce(OpBuilder &b, Location loc, Value padded, ArrayRef<OpFoldResult> outSizes,
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
  Value window = tensor::EmptyOp::create(b, loc, g.kernel, init.getType());
  SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, inExprs, ctx),
                              AffineMap::get(numDims, 0, winExprs, ctx),
                              AffineMap::get(numDims, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iters(2 + spatial, utils::IteratorType::parallel);
  iters.append(spatial, utils::IteratorType::reduction);
  Value acc = filledTensor(b, loc, outSizes, init);
  return linalg::GenericOp::create(b, loc, acc.getType(), ValueRange{padded, window}, acc, maps,
                                   iters,
                                   [&](OpBuilder &nb, Location l, ValueRange a) {
                                     linalg::YieldOp::create(nb, l, combine(nb, l, a[2], a[0]));
                                   })
      .getResult(0);
}

/// The geometry of a pooling op over its (converted) input, and the input
/// padded so that every window, including those ceil_mode lets run past the
/// end, reads inside it.
template <typename PoolOp>
LogicalResult padForWindows(PoolOp op, Value x, OpBuilder &b, Value padValue,
                            WindowGeometry &g, Value &padded, std::string &error) {
  Location loc = op.getLoc();
  Sizes in = sizesOf(b, loc, x);
  DimBuilder dims(b, loc);
  FailureOr<WindowGeometry> geometry = computeWindowGeometry(
      dims, ArrayRef(in).drop_front(2), op.getKernelShape(), op.getStrides(), op.getDilations(),
      op.getPads(), op.getAutoPad(), op.getCeilMode() != 0, error);
  if (failed(geometry))
    return failure();
  g = *geometry;
  int64_t n = g.kernel.size();
  Sizes lo{b.getIndexAttr(0), b.getIndexAttr(0)}, hi(lo);
  for (int64_t i = 0; i < n; ++i) {
    OpFoldResult span = dims.constant((g.kernel[i] - 1) * g.dilations[i] + 1);
    OpFoldResult needed = dims.sub(
        dims.add(dims.mul(dims.sub(g.outSizes[i], dims.constant(1)), dims.constant(g.strides[i])),
                 span),
        dims.add(g.pads[i], in[i + 2]));
    lo.push_back(g.pads[i]);
    hi.push_back(dims.max(g.pads[n + i], needed));
  }
  padded = padTensor(b, loc, x, lo, hi, padValue);
  return success();
}

struct MaxPoolLowering : ONNXConversion<MaxPoolOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(MaxPoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!op.getIndices().use_empty())
      return unsupported(op, rewriter, "the Indices output is not supported yet");
    if (op.getStorageOrder())
      return unsupported(op, rewriter, "storage_order = 1 is not supported yet");
    Location loc = op.getLoc();
    Type onnxElem = onnxElementType(op.getX());
    Scalar s(rewriter, loc, onnxElem);
    WindowGeometry g;
    Value padded;
    std::string error;
    if (failed(padForWindows(op, adaptor.getX(), rewriter, s.lowest(), g, padded, error)))
      return unsupported(op, rewriter, error);
    Sizes out{tensor::getMixedSize(rewriter, loc, adaptor.getX(), 0),
              tensor::getMixedSize(rewriter, loc, adaptor.getX(), 1)};
    out.append(g.outSizes);
    Value r = windowReduce(rewriter, loc, padded, out, g, s.lowest(),
                           [&](OpBuilder &b, Location l, Value acc, Value x) {
                             return Scalar(b, l, onnxElem).max(acc, x);
                           });
    this->replaceOp(op, rewriter, {r, Value()});
    return success();
  }
};

/// AveragePool and LpPool: a sum of (powers of) the window, then divided by
/// the count of positions (inside the input, or the explicitly padded input
/// with count_include_pad), or raised to 1/p.
template <typename PoolOp>
struct SumPoolLowering : ONNXConversion<PoolOp> {
  using Base = ONNXConversion<PoolOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(PoolOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type onnxElem = onnxElementType(op.getX());
    Type elem = this->resultType(op).getElementType();
    Scalar s(rewriter, loc, onnxElem);
    constexpr bool isLp = std::is_same_v<PoolOp, LpPoolOp>;
    double p = 1.0;
    if constexpr (isLp)
      p = (double)op.getP();
    Value x = adaptor.getX();
    Sizes inSizes = sizesOf(rewriter, loc, x);
    if (isLp)
      x = buildElementwise(rewriter, loc, inSizes, elem, x, [&](OpBuilder &b, Location l, ValueRange a) {
        Scalar sc(b, l, onnxElem);
        return (Value)math::PowFOp::create(b, l, sc.abs(a[0]), sc.constant(p));
      });
    WindowGeometry g;
    Value padded;
    std::string error;
    if (failed(padForWindows(op, x, rewriter, s.constant(0), g, padded, error)))
      return this->unsupported(op, rewriter, error);
    Sizes out{inSizes[0], inSizes[1]};
    out.append(g.outSizes);
    Value sum = windowReduce(rewriter, loc, padded, out, g, s.constant(0),
                             [&](OpBuilder &b, Location l, Value acc, Value v) {
                               return Scalar(b, l, onnxElem).add(acc, v);
                             });
    Value r;
    if (isLp) {
      r = buildElementwise(rewriter, loc, out, elem, sum, [&](OpBuilder &b, Location l, ValueRange a) {
        Scalar sc(b, l, onnxElem);
        return (Value)math::PowFOp::create(b, l, a[0], sc.constant(1.0 / p));
      });
    } else {
      bool includePad = false;
      if constexpr (!isLp)
        includePad = op.getCountIncludePad() != 0;
      int64_t n = g.kernel.size();
      SmallVector<Value> pads, sizes;
      for (OpFoldResult v : g.pads)
        pads.push_back(indexValue(rewriter, loc, v));
      for (int64_t i = 0; i < n; ++i)
        sizes.push_back(indexValue(rewriter, loc, inSizes[i + 2]));
      r = buildElementwise(rewriter, loc, out, elem, sum, [&](OpBuilder &b, Location l, ValueRange a) {
        // Per spatial dim, the number of window taps k in [0, K) whose
        // position o*s - pad + k*d falls inside [lo, hi).
        Value count = arith::ConstantIndexOp::create(b, l, 1);
        auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
        for (int64_t i = 0; i < n; ++i) {
          Value o = linalg::IndexOp::create(b, l, 2 + i);
          Value start = arith::SubIOp::create(b, l, arith::MulIOp::create(b, l, o, c(g.strides[i])),
                                              pads[i]);
          Value lo = includePad ? (Value)arith::SubIOp::create(b, l, c(0), pads[i]) : (Value)c(0);
          Value hi = includePad ? (Value)arith::AddIOp::create(b, l, sizes[i], pads[n + i]) : sizes[i];
          Value dil = c(g.dilations[i]);
          // k >= ceil((lo - start) / d) and k <= floor((hi - 1 - start) / d).
          Value kMin = arith::MaxSIOp::create(
              b, l, c(0), arith::CeilDivSIOp::create(b, l, arith::SubIOp::create(b, l, lo, start), dil));
          Value kMax = arith::MinSIOp::create(
              b, l, c(g.kernel[i] - 1),
              arith::FloorDivSIOp::create(
                  b, l, arith::SubIOp::create(b, l, arith::SubIOp::create(b, l, hi, c(1)), start), dil));
          Value taps = arith::MaxSIOp::create(
              b, l, c(1), arith::AddIOp::create(b, l, arith::SubIOp::create(b, l, kMax, kMin), c(1)));
          count = arith::MulIOp::create(b, l, count, taps);
        }
        Scalar sc(b, l, onnxElem);
        Value n64 = arith::IndexCastOp::create(b, l, b.getI64Type(), count);
        return sc.div(a[0], convertScalar(b, l, n64, b.getI64Type(), onnxElem));
      });
    }
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

/// GlobalAveragePool, GlobalMaxPool and GlobalLpPool: a reduction over the
/// spatial dims.
template <typename PoolOp>
struct GlobalPoolLowering : ONNXConversion<PoolOp> {
  using Base = ONNXConversion<PoolOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(PoolOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    Type onnxElem = onnxElementType(op.getX());
    Type elem = this->resultType(op).getElementType();
    Scalar s(rewriter, loc, onnxElem);
    int64_t rank = typeOf(x).getRank();
    Sizes inSizes = sizesOf(rewriter, loc, x);
    SmallVector<int64_t> axes;
    Value count = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t d = 2; d < rank; ++d) {
      axes.push_back(d);
      count = arith::MulIOp::create(rewriter, loc, count, indexValue(rewriter, loc, inSizes[d]));
    }
    constexpr bool isMax = std::is_same_v<PoolOp, GlobalMaxPoolOp>;
    constexpr bool isLp = std::is_same_v<PoolOp, GlobalLpPoolOp>;
    double p = 2.0;
    if constexpr (isLp)
      p = (double)op.getP();
    if (isLp)
      x = buildElementwise(rewriter, loc, inSizes, elem, x, [&](OpBuilder &b, Location l, ValueRange a) {
        Scalar sc(b, l, onnxElem);
        return (Value)math::PowFOp::create(b, l, sc.abs(a[0]), sc.constant(p));
      });
    Value r = buildReduction(rewriter, loc, x, axes, isMax ? s.lowest() : s.constant(0),
                             [&](OpBuilder &b, Location l, Value v, Value acc) {
                               Scalar sc(b, l, onnxElem);
                               return isMax ? sc.max(acc, v) : sc.add(acc, v);
                             });
    if (!isMax)
      r = buildElementwise(rewriter, loc, sizesOf(rewriter, loc, r), elem, r,
                           [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                             Scalar sc(b, l, onnxElem);
                             if (isLp)
                               return math::PowFOp::create(b, l, a[0], sc.constant(1.0 / p));
                             Value n64 = arith::IndexCastOp::create(b, l, b.getI64Type(), count);
                             return sc.div(a[0], convertScalar(b, l, n64, b.getI64Type(), onnxElem));
                           });
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populatePoolingPatterns(const ONNXTypeConverter &tc,
                                                       RewritePatternSet &patterns) {
  patterns.add<MaxPoolLowering, SumPoolLowering<AveragePoolOp>, SumPoolLowering<LpPoolOp>,
               GlobalPoolLowering<GlobalAveragePoolOp>, GlobalPoolLowering<GlobalMaxPoolOp>,
               GlobalPoolLowering<GlobalLpPoolOp>>(tc, patterns.getContext());
}
