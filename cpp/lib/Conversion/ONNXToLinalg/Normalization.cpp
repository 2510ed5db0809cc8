//===- Normalization.cpp - Normalizations and the softmax family ----------===//
//
// All normalizations are built from the same pieces: a mean over some axes
// (kept as size-1 dims, so it broadcasts back), and elementwise steps.
// Half-precision inputs are normalized in f32, as ONNX's stash_type asks.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

/// Builds normalization arithmetic in one element type.
struct Normalizer {
  OpBuilder &b;
  Location loc;
  Type elem; // the ONNX (and storage) float type computed in

  Sizes sizes(Value v) const { return sizesOf(b, loc, v); }
  Value map(ValueRange inputs, function_ref<Value(const Scalar &, ValueRange)> fn,
            std::optional<Sizes> outSizes = std::nullopt) const {
    Sizes out = outSizes ? *outSizes : sizes(inputs[0]);
    return buildElementwise(b, loc, out, elem, inputs,
                            [&](OpBuilder &nb, Location l, ValueRange a) {
                              return fn(Scalar(nb, l, elem), a);
                            });
  }
  Value sum(Value x, ArrayRef<int64_t> axes) const {
    return buildReduction(b, loc, x, axes, Scalar(b, loc, elem).constant(0),
                          [&](OpBuilder &nb, Location l, Value v, Value acc) {
                            return Scalar(nb, l, elem).add(acc, v);
                          });
  }
  /// The number of elements over `axes`, as a scalar of `elem`.
  Value count(Value x, ArrayRef<int64_t> axes) const {
    Value n = arith::ConstantIndexOp::create(b, loc, 1);
    Sizes s = sizes(x);
    for (int64_t a : axes)
      n = arith::MulIOp::create(b, loc, n, indexValue(b, loc, s[a]));
    Value n64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), n);
    return convertScalar(b, loc, n64, b.getI64Type(), elem);
  }
  Value mean(Value x, ArrayRef<int64_t> axes) const {
    Value n = count(x, axes);
    return map(sum(x, axes), [&](const Scalar &s, ValueRange a) { return s.div(a[0], n); });
  }
  /// x - mean(x) and the mean of its square, both over `axes`.
  std::pair<Value, Value> centered(Value x, ArrayRef<int64_t> axes) const {
    Value m = mean(x, axes);
    Value c = map({x, m}, [](const Scalar &s, ValueRange a) { return s.sub(a[0], a[1]); });
    Value sq = map(c, [](const Scalar &s, ValueRange a) { return s.mul(a[0], a[0]); });
    return {c, mean(sq, axes)};
  }
  Value convert(Value v, Type fromOnnx, Type toOnnx) const {
    return convertTensor(b, loc, v, fromOnnx, toOnnx);
  }
};

struct BatchNormLowering : ONNXConversion<BatchNormalizationOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(BatchNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getTrainingMode())
      return unsupported(op, rewriter, "training mode is not supported");
    if (!op.getRunningMean().use_empty() || !op.getRunningVar().use_empty())
      return unsupported(op, rewriter, "the running_mean and running_var outputs are not supported");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getX();
    int64_t rank = typeOf(x).getRank();
    Type elem = onnxElementType(op.getX());
    auto channelMap = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    auto identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    SmallVector<AffineMap> maps{identity, channelMap, channelMap, channelMap, channelMap, identity};
    double eps = op.getEpsilon().convertToDouble();
    Value init = emptyTensor(rewriter, loc, sizesOf(rewriter, loc, x), storageType(elem));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, init.getType(),
        ValueRange{x, adaptor.getScale(), adaptor.getB(), adaptor.getInputMean(),
                   adaptor.getInputVar()},
        init, maps, SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Scalar s(b, l, elem);
          Value denom = math::SqrtOp::create(b, l, s.add(a[4], s.constant(eps)));
          Value y = s.add(s.mul(s.div(s.sub(a[0], a[3]), denom), a[1]), a[2]);
          linalg::YieldOp::create(b, l, y);
        });
    this->replaceOp(op, rewriter, {generic.getResult(0), Value(), Value()});
    return success();
  }
};

/// LayerNormalization and RMSNormalization over the dims from `axis` on;
/// Scale and B broadcast to X.
template <typename NormOp, bool IsRMS>
struct LayerNormLowering : ONNXConversion<NormOp> {
  using Base = ONNXConversion<NormOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(NormOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t rank = typeOf(x).getRank();
    std::optional<int64_t> axis = normalizeAxis((int64_t)op.getAxis(), rank);
    if (!axis)
      return this->unsupported(op, rewriter, "axis is out of range");
    Type xElem = onnxElementType(op.getX());
    Type work = accumulatorType(xElem);
    Normalizer n{rewriter, loc, work};
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(*axis, rank));
    double eps = op.getEpsilon().convertToDouble();
    Value xw = n.convert(x, xElem, work);
    Value centered, meanSq, mean;
    if (IsRMS) {
      centered = xw;
      meanSq = n.mean(n.map(xw, [](const Scalar &s, ValueRange a) { return s.mul(a[0], a[0]); }), axes);
    } else {
      std::tie(centered, meanSq) = n.centered(xw, axes);
    }
    Value invStd = n.map(meanSq, [&](const Scalar &s, ValueRange a) {
      return s.div(s.constant(1), math1Sqrt(s, s.add(a[0], s.constant(eps))));
    });
    SmallVector<Value> inputs{centered, invStd, n.convert(getScale(adaptor), onnxElementType(getScaleOnnx(op)), work)};
    Value bias = getBias(adaptor);
    if (!isNone(bias))
      inputs.push_back(n.convert(bias, onnxElementType(getBiasOnnx(op)), work));
    Value y = n.map(inputs, [&](const Scalar &s, ValueRange a) {
      Value v = s.mul(s.mul(a[0], a[1]), a[2]);
      return a.size() > 3 ? s.add(v, a[3]) : v;
    }, n.sizes(xw));
    SmallVector<Value> results{n.convert(y, work, xElem)};
    if constexpr (!IsRMS) {
      // Mean and InvStdDev, in their declared types.
      Value stats[2][2] = {{op.getMean(), Value()}, {op.getInvStdDev(), invStd}};
      for (auto &[result, value] : stats) {
        if (isa<NoneType>(result.getType()) || result.use_empty()) {
          results.push_back(Value());
          continue;
        }
        if (!value)
          value = n.mean(xw, axes);
        results.push_back(n.convert(value, work, onnxElementType(result)));
      }
    }
    this->replaceOp(op, rewriter, results);
    return success();
  }
  static Value math1Sqrt(const Scalar &s, Value v) {
    return math::SqrtOp::create(s.builder(), s.location(), v);
  }
  static Value getScale(typename Base::Adaptor a) { return a.getScale(); }
  static Value getScaleOnnx(NormOp op) { return op.getScale(); }
  static Value getBias(typename Base::Adaptor a) {
    if constexpr (IsRMS) return Value(); else return a.getB();
  }
  static Value getBiasOnnx(NormOp op) {
    if constexpr (IsRMS) return Value(); else return op.getB();
  }
};

/// InstanceNormalization (per image and channel) and GroupNormalization
/// (per image and group of channels): statistics over the channels of a
/// group and the spatial dims, then scale and bias per channel.
template <typename NormOp, bool IsGroup>
struct ChannelNormLowering : ONNXConversion<NormOp> {
  using Base = ONNXConversion<NormOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(NormOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getOperands()[0];
    Value scale = adaptor.getOperands()[1], bias = adaptor.getOperands()[2];
    int64_t rank = typeOf(x).getRank();
    if (rank < 2)
      return this->unsupported(op, rewriter, "expects an input of rank >= 2");
    Type xElem = onnxElementType(op->getOperand(0));
    Type work = accumulatorType(xElem);
    Normalizer n{rewriter, loc, work};
    double eps = op.getEpsilon().convertToDouble();
    int64_t groups = 0;
    Sizes xSizes = n.sizes(x);
    std::optional<int64_t> channels = getConstantIntValue(xSizes[1]);
    if constexpr (IsGroup) {
      groups = op.getNumGroups();
      if (!channels || groups <= 0 || *channels % groups != 0)
        return this->unsupported(op, rewriter, "the channels must be static and divide into num_groups");
    }
    Value xw = n.convert(x, xElem, work);
    // (N, G, C/G * spatial...) for groups, (N, C, spatial...) otherwise.
    Value grouped = xw;
    SmallVector<int64_t> axes;
    if (IsGroup) {
      DimBuilder dims(rewriter, loc);
      Sizes gs{xSizes[0], rewriter.getIndexAttr(groups),
               dims.mul(rewriter.getIndexAttr(*channels / groups),
                        dims.product(ArrayRef(xSizes).drop_front(2)))};
      grouped = reshapeTo(rewriter, loc, xw, gs);
      axes = {2};
    } else {
      axes = llvm::to_vector(llvm::seq<int64_t>(2, rank));
    }
    auto [centered, variance] = n.centered(grouped, axes);
    Value normed = n.map({centered, variance}, [&](const Scalar &s, ValueRange a) {
      return s.div(a[0], math::SqrtOp::create(s.builder(), s.location(), s.add(a[1], s.constant(eps))));
    });
    normed = reshapeTo(rewriter, loc, normed, xSizes);
    // y = normed * scale[c] + bias[c].
    auto channelMap = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    auto identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value init = emptyTensor(rewriter, loc, xSizes, work);
    Type scaleElem = onnxElementType(op->getOperand(1)), biasElem = onnxElementType(op->getOperand(2));
    Value y = linalg::GenericOp::create(
                  rewriter, loc, init.getType(), ValueRange{normed, scale, bias}, init,
                  ArrayRef<AffineMap>{identity, channelMap, channelMap, identity},
                  SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    Scalar s(b, l, work);
                    Value sc = convertScalar(b, l, a[1], scaleElem, work);
                    Value bi = convertScalar(b, l, a[2], biasElem, work);
                    linalg::YieldOp::create(b, l, s.add(s.mul(a[0], sc), bi));
                  })
                  .getResult(0);
    this->replaceOp(op, rewriter, n.convert(y, work, xElem));
    return success();
  }
};

/// MeanVarianceNormalization: (x - mean) / (sqrt(var) + 1e-9) over axes.
struct MVNLowering : ONNXConversion<MeanVarianceNormalizationOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(MeanVarianceNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    int64_t rank = typeOf(x).getRank();
    SmallVector<int64_t> given{0, 2, 3};
    if (auto a = op.getAxes())
      given.assign(a->begin(), a->end());
    std::optional<SmallVector<int64_t>> axes = normalizeAxes(given, rank);
    if (!axes)
      return unsupported(op, rewriter, "axes are out of range or repeated");
    Type elem = onnxElementType(op.getX());
    Normalizer n{rewriter, op.getLoc(), elem};
    // ONNX's definition: E[x^2] - E[x]^2 for the variance.
    Value m = n.mean(x, *axes);
    Value meanSq = n.mean(n.map(x, [](const Scalar &s, ValueRange a) { return s.mul(a[0], a[0]); }), *axes);
    Value y = n.map({x, m, meanSq}, [](const Scalar &s, ValueRange a) {
      Value var = s.sub(a[2], s.mul(a[1], a[1]));
      Value std = math::SqrtOp::create(s.builder(), s.location(), var);
      return s.div(s.sub(a[0], a[1]), s.add(std, s.constant(1e-9)));
    }, n.sizes(x));
    this->replaceOp(op, rewriter, y);
    return success();
  }
};

/// LpNormalization: x / ||x||_p along one axis (p = 1 or 2).
struct LpNormalizationLowering : ONNXConversion<LpNormalizationOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(LpNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    int64_t rank = typeOf(x).getRank();
    std::optional<int64_t> axis = normalizeAxis((int64_t)op.getAxis(), rank);
    int64_t p = op.getP();
    if (!axis || (p != 1 && p != 2))
      return unsupported(op, rewriter, "axis out of range or p not 1 or 2");
    Normalizer n{rewriter, op.getLoc(), onnxElementType(op.getInput())};
    Value mapped = n.map(x, [&](const Scalar &s, ValueRange a) {
      return p == 1 ? s.abs(a[0]) : s.mul(a[0], a[0]);
    });
    Value norm = n.sum(mapped, {*axis});
    Value y = n.map({x, norm}, [&](const Scalar &s, ValueRange a) {
      Value d = p == 1 ? a[1] : (Value)math::SqrtOp::create(s.builder(), s.location(), a[1]);
      // A zero norm gives 0, not NaN.
      return s.select(s.cmp(CmpKind::EQ, d, s.constant(0)), s.constant(0), s.div(a[0], d));
    }, n.sizes(x));
    this->replaceOp(op, rewriter, y);
    return success();
  }
};

struct LRNLowering : ONNXConversion<LRNOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(LRNOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getX();
    Type elem = onnxElementType(op.getX());
    int64_t size = op.getSize(), rank = typeOf(x).getRank();
    if (size < 1)
      return unsupported(op, rewriter, "size must be positive");
    int64_t before = (size - 1) / 2, after = size - 1 - before;
    Normalizer n{rewriter, loc, elem};
    Value squares = n.map(x, [](const Scalar &s, ValueRange a) { return s.mul(a[0], a[0]); });
    // Pad the channel dim and sum a window of `size` channels.
    Sizes lo(rank, rewriter.getIndexAttr(0)), hi(lo);
    lo[1] = rewriter.getIndexAttr(before);
    hi[1] = rewriter.getIndexAttr(after);
    Scalar s(rewriter, loc, elem);
    Value padded = padTensor(rewriter, loc, squares, lo, hi, s.constant(0));
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> inExprs, outExprs;
    for (int64_t i = 0; i < rank; ++i) {
      inExprs.push_back(i == 1 ? d(1) + d(rank) : d(i));
      outExprs.push_back(d(i));
    }
    Value window = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{size}, storageType(elem));
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, inExprs, ctx),
                                AffineMap::get(rank + 1, 0, d(rank), ctx),
                                AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value acc = filledTensor(rewriter, loc, n.sizes(x), s.constant(0));
    Value sums = linalg::GenericOp::create(
                     rewriter, loc, acc.getType(), ValueRange{padded, window}, acc, maps, iters,
                     [&](OpBuilder &b, Location l, ValueRange a) {
                       linalg::YieldOp::create(b, l, Scalar(b, l, elem).add(a[2], a[0]));
                     })
                     .getResult(0);
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();
    double bias = op.getBias().convertToDouble();
    Value r = n.map({x, sums}, [&](const Scalar &sc, ValueRange a) {
      Value scaled = sc.add(sc.constant(bias), sc.mul(a[1], sc.constant(alpha / size)));
      Value p = math::PowFOp::create(sc.builder(), sc.location(), scaled, sc.constant(beta));
      return sc.div(a[0], p);
    });
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

/// Softmax and LogSoftmax over one axis, shifted by the maximum for
/// stability: exp(x - m) / s, or (x - m) - log(s), with s = sum exp(x - m).
template <typename SoftmaxLike, bool Log>
struct SoftmaxLowering : ONNXConversion<SoftmaxLike> {
  using Base = ONNXConversion<SoftmaxLike>;
  using Base::Base;
  LogicalResult matchAndRewrite(SoftmaxLike op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    std::optional<int64_t> axis = normalizeAxis((int64_t)op.getAxis(), typeOf(x).getRank());
    if (!axis)
      return this->unsupported(op, rewriter, "axis is out of range");
    // Half-precision floats are normalized in f32.
    Type inElem = onnxElementType(op.getInput());
    Type elem = accumulatorType(inElem);
    x = convertTensor(rewriter, loc, x, inElem, elem);
    Normalizer n{rewriter, loc, elem};
    Value max = buildReduction(rewriter, loc, x, *axis, Scalar(rewriter, loc, elem).lowest(),
                               [&](OpBuilder &b, Location l, Value v, Value acc) {
                                 return Scalar(b, l, elem).max(acc, v);
                               });
    Value exps = n.map({x, max}, [](const Scalar &s, ValueRange a) {
      return (Value)math::ExpOp::create(s.builder(), s.location(), s.sub(a[0], a[1]));
    }, n.sizes(x));
    Value sum = n.sum(exps, {*axis});
    Value r;
    if (Log)
      r = n.map({x, max, sum}, [](const Scalar &s, ValueRange a) {
        return s.sub(s.sub(a[0], a[1]), math::LogOp::create(s.builder(), s.location(), a[2]));
      }, n.sizes(x));
    else
      r = n.map({exps, sum}, [](const Scalar &s, ValueRange a) { return s.div(a[0], a[1]); },
                n.sizes(x));
    this->replaceOp(op, rewriter, convertTensor(rewriter, loc, r, elem, inElem));
    return success();
  }
};

/// Hardmax: 1 at the first maximum along the axis, 0 elsewhere.
struct HardmaxLowering : ONNXConversion<HardmaxOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(HardmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    int64_t rank = typeOf(x).getRank();
    std::optional<int64_t> axis = normalizeAxis((int64_t)op.getAxis(), rank);
    if (!axis)
      return unsupported(op, rewriter, "axis is out of range");
    Type elem = onnxElementType(op.getInput());
    Scalar s(rewriter, loc, elem);
    // The index of the first maximum: (max, index) reduction.
    Sizes kept = sizesOf(rewriter, loc, x);
    kept[*axis] = rewriter.getIndexAttr(1);
    Value best = filledTensor(rewriter, loc, kept, s.lowest());
    Value index = filledTensor(rewriter, loc, kept, arith::ConstantIndexOp::create(rewriter, loc, 0));
    SmallVector<AffineExpr> keptExprs;
    SmallVector<utils::IteratorType> iters;
    for (int64_t d = 0; d < rank; ++d) {
      keptExprs.push_back(d == *axis ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(d, ctx));
      iters.push_back(d == *axis ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    }
    AffineMap keptMap = AffineMap::get(rank, 0, keptExprs, ctx);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    auto argmax = linalg::GenericOp::create(
        rewriter, loc, TypeRange{best.getType(), index.getType()}, x, ValueRange{best, index},
        ArrayRef<AffineMap>{identity, keptMap, keptMap}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Scalar sc(b, l, elem);
          Value i = linalg::IndexOp::create(b, l, *axis);
          Value first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, i,
                                              arith::ConstantIndexOp::create(b, l, 0));
          Value better = arith::OrIOp::create(b, l, sc.cmp(CmpKind::GT, a[0], a[1]), first);
          linalg::YieldOp::create(b, l, ValueRange{sc.select(better, a[0], a[1]),
                                                   sc.select(better, i, a[2])});
        });
    Value init = emptyTensor(rewriter, loc, sizesOf(rewriter, loc, x), s.type());
    Value r = linalg::GenericOp::create(
                  rewriter, loc, init.getType(), argmax.getResult(1), init,
                  ArrayRef<AffineMap>{keptMap, identity},
                  SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    Scalar sc(b, l, elem);
                    Value i = linalg::IndexOp::create(b, l, *axis);
                    Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, i, a[0]);
                    linalg::YieldOp::create(b, l, sc.select(hit, sc.constant(1), sc.constant(0)));
                  })
                  .getResult(0);
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateNormalizationPatterns(const ONNXTypeConverter &tc,
                                                             RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, LayerNormLowering<LayerNormalizationOp, false>,
               LayerNormLowering<RMSNormalizationOp, true>,
               ChannelNormLowering<InstanceNormalizationOp, false>,
               ChannelNormLowering<GroupNormalizationOp, true>, MVNLowering,
               LpNormalizationLowering, LRNLowering, SoftmaxLowering<SoftmaxOp, false>,
               SoftmaxLowering<LogSoftmaxOp, true>, HardmaxLowering>(tc, patterns.getContext());
}
