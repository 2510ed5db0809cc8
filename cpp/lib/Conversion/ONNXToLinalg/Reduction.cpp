//===- Reduction.cpp - Reductions, ArgMax/ArgMin and cumulative ops -------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

enum class ReduceKind { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

/// The three steps of a Reduce*: map each element, combine, finish with the
/// number of elements reduced. Everything in the input's element type.
struct ReduceSteps {
  ReduceKind kind;
  Value init(const Scalar &s) const {
    switch (kind) {
    case ReduceKind::Max: return s.lowest();
    case ReduceKind::Min: return s.highest();
    case ReduceKind::Prod: return s.constant(1);
    default: return s.constant(0);
    }
  }
  Value map(const Scalar &s, Value x) const {
    switch (kind) {
    case ReduceKind::L1: return s.abs(x);
    case ReduceKind::L2:
    case ReduceKind::SumSquare: return s.mul(x, x);
    case ReduceKind::LogSumExp: return math::ExpOp::create(s.builder(), s.location(), x);
    default: return x;
    }
  }
  Value combine(const Scalar &s, Value acc, Value x) const {
    switch (kind) {
    case ReduceKind::Max: return s.max(acc, x);
    case ReduceKind::Min: return s.min(acc, x);
    case ReduceKind::Prod: return s.mul(acc, x);
    default: return s.add(acc, x);
    }
  }
  /// `count` is an index value, the number of elements reduced.
  Value finish(const Scalar &s, Value acc, Value count) const {
    OpBuilder &b = s.builder();
    Location l = s.location();
    switch (kind) {
    case ReduceKind::Mean: {
      Value n = arith::IndexCastOp::create(b, l, b.getI64Type(), count);
      return s.div(acc, convertScalar(b, l, n, b.getI64Type(), s.onnxType()));
    }
    case ReduceKind::L2:
      if (!s.isFloat()) // integer L2 rounds through f64, as numpy's sqrt
        return convertScalar(b, l,
                             math::SqrtOp::create(b, l, convertScalar(b, l, acc, s.onnxType(),
                                                                      b.getF64Type())),
                             b.getF64Type(), s.onnxType());
      return math::SqrtOp::create(b, l, acc);
    case ReduceKind::LogSum:
    case ReduceKind::LogSumExp: return math::LogOp::create(b, l, acc);
    default: return acc;
    }
  }
  bool needsCount() const { return kind == ReduceKind::Mean; }
  bool hasFinish() const {
    return kind == ReduceKind::Mean || kind == ReduceKind::L2 || kind == ReduceKind::LogSum ||
           kind == ReduceKind::LogSumExp;
  }
};

template <typename ReduceOp, ReduceKind Kind>
struct ReduceLowering : ONNXConversion<ReduceOp> {
  using Base = ONNXConversion<ReduceOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(ReduceOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    int64_t rank = typeOf(data).getRank();
    // Half-precision floats are reduced in f32.
    Type dataElem = onnxElementType(op.getData());
    Type onnxElem = accumulatorType(dataElem);
    data = convertTensor(rewriter, loc, data, dataElem, onnxElem);
    Type elem = storageType(onnxElem);
    ReduceSteps steps{Kind};
    bool keep = op.getKeepdims() != 0;

    // Which dims are reduced: constants, or flags computed at run time.
    std::optional<SmallVector<int64_t>> constAxes;
    if (isNone(op.getAxes())) {
      constAxes = SmallVector<int64_t>();
    } else if (std::optional<SmallVector<int64_t>> given = getConstantInts(op.getAxes())) {
      constAxes = normalizeAxes(*given, rank);
      if (!constAxes)
        return this->unsupported(op, rewriter, "axes are out of range or repeated");
    }
    if (constAxes && constAxes->empty() && !op.getNoopWithEmptyAxes())
      constAxes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!constAxes && !keep && !resultType)
      return this->unsupported(op, rewriter,
                               "axes known only at run time need keepdims = 1 or a known count");

    Sizes inSizes = sizesOf(rewriter, loc, data);
    Value mapped = data;
    if (Kind == ReduceKind::L1 || Kind == ReduceKind::L2 || Kind == ReduceKind::SumSquare ||
        Kind == ReduceKind::LogSumExp)
      mapped = buildElementwise(rewriter, loc, inSizes, elem, data,
                                [&](OpBuilder &b, Location l, ValueRange a) {
                                  return steps.map(Scalar(b, l, onnxElem), a[0]);
                                });
    Scalar s(rewriter, loc, onnxElem);
    auto combine = [&](OpBuilder &b, Location l, Value x, Value acc) {
      return steps.combine(Scalar(b, l, onnxElem), acc, x);
    };
    Value reduced;
    Value count = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<Value> flags;
    if (constAxes) {
      reduced = buildReduction(rewriter, loc, mapped, *constAxes, steps.init(s), combine);
      for (int64_t a : *constAxes)
        count = arith::MulIOp::create(rewriter, loc, count, indexValue(rewriter, loc, inSizes[a]));
    } else {
      // One dim at a time, each reduced or kept by a run-time flag.
      flags = reducedFlags(op, adaptor, rewriter, rank);
      reduced = mapped;
      auto dynType = RankedTensorType::get(SmallVector<int64_t>(rank, ShapedType::kDynamic), elem);
      reduced = tensor::CastOp::create(rewriter, loc, dynType, reduced);
      for (int64_t d = 0; d < rank; ++d) {
        Value input = reduced;
        auto branch = scf::IfOp::create(
            rewriter, loc, flags[d],
            [&](OpBuilder &b, Location l) {
              Value r = buildReduction(b, l, input, {d}, steps.init(Scalar(b, l, onnxElem)),
                                       combine);
              scf::YieldOp::create(b, l, ValueRange{tensor::CastOp::create(b, l, dynType, r)});
            },
            [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, ValueRange{input}); });
        reduced = branch.getResult(0);
        Value size = indexValue(rewriter, loc, inSizes[d]);
        Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
        count = arith::MulIOp::create(rewriter, loc, count,
                                      arith::SelectOp::create(rewriter, loc, flags[d], size, one));
      }
    }
    Sizes keptSizes = sizesOf(rewriter, loc, reduced);
    if (steps.hasFinish())
      reduced = buildElementwise(rewriter, loc, keptSizes, elem, reduced,
                                 [&](OpBuilder &b, Location l, ValueRange a) {
                                   return steps.finish(Scalar(b, l, onnxElem), a[0], count);
                                 });
    FailureOr<ShapeList> shapes = this->resultShapes(op, adaptor, rewriter);
    Sizes outSizes;
    if (succeeded(shapes) && llvm::all_of((*shapes)[0], [](OpFoldResult d) { return !d.isNull(); }))
      outSizes = (*shapes)[0];
    else if (!flags.empty() && !keep)
      outSizes = droppedSizes(rewriter, loc, keptSizes, flags, resultType.getRank());
    else
      outSizes = keptSizes;
    reduced = convertTensor(rewriter, loc, reduced, onnxElem, dataElem);
    Value result = reshapeTo(rewriter, loc, reduced, outSizes);
    this->replaceOp(op, rewriter, result);
    return success();
  }

  /// Without keepdims, the sizes of the dims that `flags` do not reduce, in
  /// order: `outRank` of them, which is checked at run time (repeated or
  /// out-of-range axes reduce fewer dims than the axes count).
  static Sizes droppedSizes(OpBuilder &b, Location loc, const Sizes &kept,
                            ArrayRef<Value> flags, int64_t outRank) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    SmallVector<Value> out(outRank, one);
    Value before = zero; // dims kept so far
    for (auto [d, flag] : llvm::enumerate(flags)) {
      Value size = indexValue(b, loc, kept[d]);
      for (int64_t j = 0; j < outRank; ++j) {
        Value here = arith::AndIOp::create(
            b, loc, arith::XOrIOp::create(b, loc, flag, arith::ConstantIntOp::create(b, loc, 1, 1)),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, before,
                                  arith::ConstantIndexOp::create(b, loc, j)));
        out[j] = arith::SelectOp::create(b, loc, here, size, out[j]);
      }
      before = arith::AddIOp::create(b, loc, before,
                                     arith::SelectOp::create(b, loc, flag, zero, one));
    }
    Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, before,
                                     arith::ConstantIndexOp::create(b, loc, outRank));
    cf::AssertOp::create(b, loc, ok, "the axes are out of range or repeated");
    return Sizes(out.begin(), out.end());
  }

  /// i1 per dim: whether the run-time axes name it (or, when there are
  /// none, whether everything is reduced). The axes tensor may have any
  /// length, read in a loop.
  SmallVector<Value> reducedFlags(ReduceOp op, typename Base::Adaptor adaptor,
                                  ConversionPatternRewriter &rewriter, int64_t rank) const {
    Location loc = op.getLoc();
    Value axes = adaptor.getAxes();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value count = tensor::DimOp::create(rewriter, loc, axes, 0);
    Value empty = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, count, zero);
    Value all = op.getNoopWithEmptyAxes() ? (Value)arith::ConstantIntOp::create(rewriter, loc, 0, 1)
                                          : empty;
    // The flags, then whether every axis so far was in range.
    SmallVector<Value> init(rank, all);
    init.push_back(arith::ConstantIntOp::create(rewriter, loc, 1, 1));
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, count, one, init,
        [&](OpBuilder &b, Location l, Value j, ValueRange flags) {
          Value raw = tensor::ExtractOp::create(b, l, axes, j);
          Value v = normalizeAxisAtRunTime(
              b, l, arith::IndexCastOp::create(b, l, b.getIndexType(), raw), rank);
          SmallVector<Value> next;
          for (int64_t d = 0; d < rank; ++d) {
            Value is = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, v,
                                             arith::ConstantIndexOp::create(b, l, d));
            next.push_back(arith::OrIOp::create(b, l, flags[d], is));
          }
          Value inRange = arith::AndIOp::create(
              b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, v, zero),
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, v,
                                    arith::ConstantIndexOp::create(b, l, rank)));
          next.push_back(arith::AndIOp::create(b, l, flags.back(), inRange));
          scf::YieldOp::create(b, l, next);
        });
    cf::AssertOp::create(rewriter, loc, loop.getResults().back(), "the axes are out of range");
    return SmallVector<Value>(loop.getResults().drop_back());
  }
};

/// ArgMax and ArgMin: a reduction carrying (best value, its index). Ties
/// keep the first index, or the last with select_last_index.
template <typename ArgOp, bool IsMax>
struct ArgLowering : ONNXConversion<ArgOp> {
  using Base = ONNXConversion<ArgOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(ArgOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value data = adaptor.getData();
    int64_t rank = typeOf(data).getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    Type onnxElem = onnxElementType(op.getData());
    Scalar s(rewriter, loc, onnxElem);
    bool last = op.getSelectLastIndex() != 0;
    Sizes sizes = sizesOf(rewriter, loc, data);
    sizes[axis] = rewriter.getIndexAttr(1);
    Value best = filledTensor(rewriter, loc, sizes, IsMax ? s.lowest() : s.highest());
    Value index = filledTensor(rewriter, loc, sizes,
                               arith::ConstantIntOp::create(rewriter, loc, 0, 64));
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iters;
    for (int64_t d = 0; d < rank; ++d) {
      outExprs.push_back(d == axis ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(d, ctx));
      iters.push_back(d == axis ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    }
    AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{best.getType(), index.getType()}, data, ValueRange{best, index},
        ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx), outMap, outMap}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Scalar sc(b, l, onnxElem);
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                               linalg::IndexOp::create(b, l, axis));
          CmpKind strict = IsMax ? CmpKind::GT : CmpKind::LT;
          CmpKind loose = IsMax ? CmpKind::GE : CmpKind::LE;
          Value better = sc.cmp(last ? loose : strict, a[0], a[1]);
          // The first element always wins (the init is only a bound).
          Value first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, i,
                                              arith::ConstantIntOp::create(b, l, 0, 64));
          if (sc.isFloat()) // a NaN wins, as numpy's argmax
            better = arith::OrIOp::create(
                b, l, better,
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, a[0], a[0]));
          better = arith::OrIOp::create(b, l, better, first);
          linalg::YieldOp::create(b, l, ValueRange{sc.select(better, a[0], a[1]),
                                                   sc.select(better, i, a[2])});
        });
    Value result = generic.getResult(1);
    if (!op.getKeepdims()) {
      FailureOr<ShapeList> shapes = this->resultShapes(op, adaptor, rewriter);
      if (failed(shapes))
        return this->unsupported(op, rewriter, "the result shape cannot be computed");
      result = reshapeTo(rewriter, loc, result, (*shapes)[0]);
    }
    this->replaceOp(op, rewriter, result);
    return success();
  }
};

/// CumSum and CumProd: out[i] combines in[j] over j <= i (j < i when
/// exclusive; j >= i, j > i when reversed), as one reduction over a second
/// copy of the axis. An axis known only at run time is checked to be in
/// range and switched on: one such reduction per possible axis.
template <typename CumOp, bool IsSum>
struct CumulativeLowering : ONNXConversion<CumOp> {
  using Base = ONNXConversion<CumOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(CumOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t rank = typeOf(x).getRank();
    if (rank == 0)
      return this->unsupported(op, rewriter, "the input must have at least one dimension");
    std::optional<SmallVector<int64_t>> axisValue = getConstantInts(op.getAxis());
    if (axisValue) {
      std::optional<int64_t> axis =
          axisValue->size() == 1 ? normalizeAxis((*axisValue)[0], rank) : std::nullopt;
      if (!axis)
        return this->unsupported(op, rewriter, "the axis is out of range");
      this->replaceOp(op, rewriter, cumulate(rewriter, loc, op, x, *axis));
      return success();
    }
    // The axis at run time: a scalar or a one-element tensor.
    Value axisTensor = adaptor.getAxis();
    if (typeOf(axisTensor).getNumElements() != 1)
      return this->unsupported(op, rewriter, "the axis must be a single integer");
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value rankV = arith::ConstantIndexOp::create(rewriter, loc, rank);
    SmallVector<Value> at(typeOf(axisTensor).getRank(), zero);
    Value raw = tensor::ExtractOp::create(rewriter, loc, axisTensor, at);
    Value axis = normalizeAxisAtRunTime(
        rewriter, loc, arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), raw), rank);
    Value inRange = arith::AndIOp::create(
        rewriter, loc, arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge, axis, zero),
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, axis, rankV));
    cf::AssertOp::create(rewriter, loc, inRange, "the axis is out of range");
    // Cases 1..rank-1; axis 0 is the default (the only value left).
    SmallVector<int64_t> cases = llvm::to_vector(llvm::seq<int64_t>(1, rank));
    auto sw = scf::IndexSwitchOp::create(rewriter, loc, TypeRange{x.getType()}, axis, cases,
                                         cases.size());
    auto fill = [&](Region &region, int64_t d) {
      Block *block = rewriter.createBlock(&region);
      rewriter.setInsertionPointToStart(block);
      scf::YieldOp::create(rewriter, loc, cumulate(rewriter, loc, op, x, d));
    };
    fill(sw.getDefaultRegion(), 0);
    for (auto [i, d] : llvm::enumerate(cases))
      fill(sw.getCaseRegions()[i], d);
    rewriter.setInsertionPointAfter(sw);
    this->replaceOp(op, rewriter, sw.getResult(0));
    return success();
  }

  static Value cumulate(OpBuilder &rewriter, Location loc, CumOp op, Value x, int64_t axis) {
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = typeOf(x).getRank();
    Type onnxElem = onnxElementType(op.getX());
    Scalar s(rewriter, loc, onnxElem);
    Sizes sizes = sizesOf(rewriter, loc, x);
    Value init = filledTensor(rewriter, loc, sizes, s.constant(IsSum ? 0 : 1));
    // Dims 0..rank-1 index the output, dim `rank` runs over the input's axis.
    SmallVector<AffineExpr> inExprs;
    for (int64_t d = 0; d < rank; ++d)
      inExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, inExprs, ctx),
                                AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    bool exclusive = op.getExclusive() != 0, reverse = op.getReverse() != 0;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, init.getType(), x, init, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Scalar sc(b, l, onnxElem);
          Value i = linalg::IndexOp::create(b, l, axis);
          Value j = linalg::IndexOp::create(b, l, rank);
          arith::CmpIPredicate pred = reverse ? (exclusive ? arith::CmpIPredicate::ugt
                                                           : arith::CmpIPredicate::uge)
                                              : (exclusive ? arith::CmpIPredicate::ult
                                                           : arith::CmpIPredicate::ule);
          Value in = arith::CmpIOp::create(b, l, pred, j, i);
          Value combined = IsSum ? sc.add(a[1], a[0]) : sc.mul(a[1], a[0]);
          linalg::YieldOp::create(b, l, sc.select(in, combined, a[1]));
        });
    Value result = generic.getResult(0);
    return result.getType() == x.getType() ? result
                                           : tensor::CastOp::create(rewriter, loc, x.getType(), result)
                                                 .getResult();
  }
};

/// TopK by ranks: each element's rank along the axis is the number of
/// elements that come before it (larger, or smaller with largest = 0; an
/// equal one with a lower index), and output position p takes the element
/// of rank p. Quadratic in the axis' size, which suits the small axes of
/// detection heads; a selection kernel would serve long ones better.
struct TopKLowering : ONNXConversion<TopKOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    Value x = adaptor.getX();
    int64_t rank = typeOf(x).getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    bool largest = op.getLargest() != 0;
    Type onnxElem = onnxElementType(op.getX());
    auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
    // Ranks: dims (..., i at axis, ...) and j = rank (the other element).
    SmallVector<AffineExpr> self, other;
    for (int64_t d = 0; d < rank; ++d) {
      self.push_back(dim(d));
      other.push_back(d == axis ? dim(rank) : dim(d));
    }
    Value zero64 = arith::ConstantIntOp::create(rewriter, loc, 0, 64);
    Value ranks0 = filledTensor(rewriter, loc, sizesOf(rewriter, loc, x), zero64);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value ranks = linalg::GenericOp::create(
                      rewriter, loc, ranks0.getType(), ValueRange{x, x}, ranks0,
                      ArrayRef<AffineMap>{AffineMap::get(rank + 1, 0, self, ctx),
                                          AffineMap::get(rank + 1, 0, other, ctx),
                                          AffineMap::get(rank + 1, 0, self, ctx)},
                      iters,
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        Scalar s(b, l, onnxElem);
                        Value i = linalg::IndexOp::create(b, l, axis);
                        Value j = linalg::IndexOp::create(b, l, rank);
                        Value before = s.cmp(largest ? CmpKind::GT : CmpKind::LT, a[1], a[0]);
                        Value tie = arith::AndIOp::create(
                            b, l, s.cmp(CmpKind::EQ, a[1], a[0]),
                            arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, j, i));
                        Value counts = arith::OrIOp::create(b, l, before, tie);
                        Value one = arith::ExtUIOp::create(b, l, b.getI64Type(), counts);
                        linalg::YieldOp::create(b, l, arith::AddIOp::create(b, l, a[2], one).getResult());
                      })
                      .getResult(0);
    // Outputs: dims (..., p at axis, ...) and i = rank, reduced.
    Sizes out = (*shapes)[0];
    Value values0 = filledTensor(rewriter, loc, out, Scalar(rewriter, loc, onnxElem).constant(0));
    Value indices0 = filledTensor(rewriter, loc, out, zero64);
    SmallVector<AffineExpr> outExprs, byI;
    for (int64_t d = 0; d < rank; ++d) {
      outExprs.push_back(dim(d));
      byI.push_back(d == axis ? dim(rank) : dim(d));
    }
    AffineMap outMap = AffineMap::get(rank + 1, 0, outExprs, ctx);
    AffineMap inMap = AffineMap::get(rank + 1, 0, byI, ctx);
    auto picked = linalg::GenericOp::create(
        rewriter, loc, TypeRange{values0.getType(), indices0.getType()}, ValueRange{x, ranks},
        ValueRange{values0, indices0}, ArrayRef<AffineMap>{inMap, inMap, outMap, outMap}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value p = arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, rank));
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a[1], p);
          linalg::YieldOp::create(b, l, ValueRange{arith::SelectOp::create(b, l, hit, a[0], a[2]),
                                                   arith::SelectOp::create(b, l, hit, i, a[3])});
        });
    replaceOp(op, rewriter, picked.getResults());
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateReductionPatterns(const ONNXTypeConverter &tc,
                                                         RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, ReduceKind::Sum>,
               ReduceLowering<ReduceMeanOp, ReduceKind::Mean>,
               ReduceLowering<ReduceMaxOp, ReduceKind::Max>,
               ReduceLowering<ReduceMinOp, ReduceKind::Min>,
               ReduceLowering<ReduceProdOp, ReduceKind::Prod>,
               ReduceLowering<ReduceL1Op, ReduceKind::L1>,
               ReduceLowering<ReduceL2Op, ReduceKind::L2>,
               ReduceLowering<ReduceSumSquareOp, ReduceKind::SumSquare>,
               ReduceLowering<ReduceLogSumOp, ReduceKind::LogSum>,
               ReduceLowering<ReduceLogSumExpOp, ReduceKind::LogSumExp>,
               ArgLowering<ArgMaxOp, true>, ArgLowering<ArgMinOp, false>,
               CumulativeLowering<CumSumOp, true>, CumulativeLowering<CumProdOp, false>,
               TopKLowering>(
      tc, patterns.getContext());
}
