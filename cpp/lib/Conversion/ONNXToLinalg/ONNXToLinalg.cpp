//===- ONNXToLinalg.cpp - Lower ONNX ops to linalg on tensors -------------===//
//
// Every pattern here may assume what `checkLowerable` verified before any
// rewrite: ranked, static tensor types of a supported element type. Dynamic
// dimensions are rejected up front with a clear message until the lowering
// learns them.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Conversion/Passes.h"
#include "onnx_mlc/Dialect/ONNX/ONNXConstantEval.h"
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_CONVERTONNXTOLINALGPASS
#include "onnx_mlc/Conversion/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;
using namespace onnx_mlc;
using namespace onnx_mlc::onnx;

namespace {

//===----------------------------------------------------------------------===//
// Building blocks.
//===----------------------------------------------------------------------===//

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

bool isNone(Value v) { return !v || isa<NoneType>(v.getType()); }

Value scalarConst(OpBuilder &b, Location loc, Type type, double value) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, (int64_t)value));
}

/// The lowest (or highest) value of `type`: the identity of max (or min).
Value extremeConst(OpBuilder &b, Location loc, Type type, bool highest) {
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), !highest)));
  unsigned width = type.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(
      b, loc,
      b.getIntegerAttr(type, highest ? APInt::getSignedMaxValue(width)
                                     : APInt::getSignedMinValue(width)));
}
Value lowestConst(OpBuilder &b, Location loc, Type type) {
  return extremeConst(b, loc, type, false);
}
Value highestConst(OpBuilder &b, Location loc, Type type) {
  return extremeConst(b, loc, type, true);
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type, Value scalar) {
  return linalg::FillOp::create(b, loc, scalar, emptyTensor(b, loc, type)).getResult(0);
}

/// Indexing map reading an operand of `operandShape` broadcast (numpy
/// rules, trailing alignment) into an iteration space of `outShape`.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> outShape) {
  int64_t offset = outShape.size() - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < operandShape.size(); ++i) {
    bool broadcast = operandShape[i] == 1 && outShape[i + offset] != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(i + offset, ctx));
  }
  return AffineMap::get(outShape.size(), 0, exprs, ctx);
}

/// A parallel linalg.generic over `outType` whose inputs broadcast into it.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType outType,
                       ValueRange inputs, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(ctx, typeOf(in).getShape(), outType.getShape()));
  maps.push_back(AffineMap::getMultiDimIdentityMap(outType.getRank(), ctx));
  SmallVector<utils::IteratorType> iters(outType.getRank(),
                                         utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, outType, inputs, emptyTensor(b, loc, outType), maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

/// Reduces `input` over `axes` (kept as size-1 dims) with `combine`,
/// starting from `init`.
Value buildReduction(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> axes, Value init,
                     function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType inType = typeOf(input);
  SmallVector<int64_t> outShape(inType.getShape());
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (reduced)
      outShape[d] = 1;
    outExprs.push_back(reduced ? getAffineConstantExpr(0, ctx)
                               : getAffineDimExpr(d, ctx));
    iters.push_back(reduced ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
  }
  auto outType = RankedTensorType::get(outShape, inType.getElementType());
  SmallVector<AffineMap> maps{
      AffineMap::getMultiDimIdentityMap(inType.getRank(), ctx),
      AffineMap::get(inType.getRank(), 0, outExprs, ctx)};
  auto generic = linalg::GenericOp::create(
      b, loc, outType, input, filledTensor(b, loc, outType, init), maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args[0], args[1]));
      });
  return generic.getResult(0);
}

/// Reshapes a static tensor to another static shape with the same number of
/// elements, through a 1-D view (both steps are views after bufferization).
Value reshapeTo(OpBuilder &b, Location loc, Value src, RankedTensorType dst) {
  RankedTensorType srcType = typeOf(src);
  if (srcType == dst)
    return src;
  Type elem = srcType.getElementType();
  auto flatType = RankedTensorType::get({srcType.getNumElements()}, elem);
  auto allDims = [](int64_t rank) {
    SmallVector<ReassociationIndices> r(1);
    for (int64_t d = 0; d < rank; ++d)
      r[0].push_back(d);
    return r;
  };
  Value flat = src;
  if (srcType.getRank() == 0)
    flat = tensor::ExpandShapeOp::create(b, loc, flatType, src,
                                         SmallVector<ReassociationIndices>{});
  else if (srcType.getRank() > 1)
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, src,
                                           allDims(srcType.getRank()));
  if (dst.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, dst, flat,
                                           SmallVector<ReassociationIndices>{});
  if (dst.getRank() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(b, loc, dst, flat, allDims(dst.getRank()));
}

/// Pads the spatial dims (2..) of an N,C,spatial tensor.
Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> low,
                 ArrayRef<int64_t> high, Value padValue) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return input;
  RankedTensorType t = typeOf(input);
  SmallVector<int64_t> lo{0, 0}, hi{0, 0}, shape(t.getShape());
  lo.append(low.begin(), low.end());
  hi.append(high.begin(), high.end());
  for (int64_t d = 0; d < t.getRank(); ++d)
    shape[d] += lo[d] + hi[d];
  auto padType = RankedTensorType::get(shape, t.getElementType());
  return tensor::PadOp::create(b, loc, padType, input,
                               getAsIndexOpFoldResult(b.getContext(), lo),
                               getAsIndexOpFoldResult(b.getContext(), hi), padValue);
}

/// Arith for the common binary ops, by element type.
Value addValues(OpBuilder &b, Location loc, Value x, Value y) {
  return isa<FloatType>(x.getType()) ? (Value)arith::AddFOp::create(b, loc, x, y)
                                     : (Value)arith::AddIOp::create(b, loc, x, y);
}
Value mulValues(OpBuilder &b, Location loc, Value x, Value y) {
  return isa<FloatType>(x.getType()) ? (Value)arith::MulFOp::create(b, loc, x, y)
                                     : (Value)arith::MulIOp::create(b, loc, x, y);
}
Value maxValues(OpBuilder &b, Location loc, Value x, Value y) {
  return isa<FloatType>(x.getType()) ? (Value)arith::MaximumFOp::create(b, loc, x, y)
                                     : (Value)arith::MaxSIOp::create(b, loc, x, y);
}
Value minValues(OpBuilder &b, Location loc, Value x, Value y) {
  return isa<FloatType>(x.getType()) ? (Value)arith::MinimumFOp::create(b, loc, x, y)
                                     : (Value)arith::MinSIOp::create(b, loc, x, y);
}
/// x < 0 for floats and signed integers.
Value isNegative(OpBuilder &b, Location loc, Value x) {
  Value zero = scalarConst(b, loc, x.getType(), 0);
  return isa<FloatType>(x.getType())
             ? (Value)arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero)
             : (Value)arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
}
/// exp(x) - 1, as ONNX's reference computes it for Elu, Selu and Celu.
Value expMinusOne(OpBuilder &b, Location loc, Value x) {
  return arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x),
                               scalarConst(b, loc, x.getType(), 1.0));
}

/// Applies a fused activation ("" for none) to a scalar.
Value applyActivation(OpBuilder &b, Location loc, StringRef act, Value x) {
  if (act == "Relu")
    return maxValues(b, loc, x, scalarConst(b, loc, x.getType(), 0.0));
  if (act == "Tanh")
    return math::TanhOp::create(b, loc, x);
  if (act == "Sigmoid") {
    Value one = scalarConst(b, loc, x.getType(), 1.0);
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
  }
  return x;
}

/// Applies `act` to `acc` in place: a generic with `acc` as its only
/// operand, its init. After bufferization it updates the very buffer the
/// producing contraction wrote, which is how mlc-vectorize-contractions
/// recognizes it and applies it in registers instead.
Value activateInPlace(OpBuilder &b, Location loc, StringRef act, Value acc) {
  if (act.empty())
    return acc;
  RankedTensorType type = typeOf(acc);
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{}, acc,
             AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext()),
             SmallVector<utils::IteratorType>(type.getRank(), utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, applyActivation(nb, l, act, args[0]));
             })
      .getResult(0);
}

//===----------------------------------------------------------------------===//
// Elementwise ops.
//===----------------------------------------------------------------------===//

template <typename OnnxOp>
struct ElementwisePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  /// Computes one element from the scalar operands (attributes from `op`).
  virtual Value compute(OnnxOp op, OpBuilder &b, Location loc, ValueRange args) const = 0;

  LogicalResult matchAndRewrite(OnnxOp op, PatternRewriter &rewriter) const override {
    Value r = buildElementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op->getResult(0).getType()),
        op->getOperands(), [&](OpBuilder &b, Location loc, ValueRange args) {
          return compute(op, b, loc, args);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

#define ELEMENTWISE(NAME, OP, BODY)                                            \
  struct NAME : ElementwisePattern<OP> {                                       \
    using ElementwisePattern::ElementwisePattern;                              \
    Value compute(OP op, OpBuilder &b, Location loc, ValueRange args)          \
        const override {                                                       \
      Value x = args[0];                                                       \
      Type t = x.getType();                                                    \
      bool isFloat = isa<FloatType>(t);                                        \
      (void)op, (void)isFloat;                                                 \
      auto c = [&](double v) { return scalarConst(b, loc, t, v); };            \
      (void)c;                                                                 \
      BODY                                                                     \
    }                                                                          \
  };

ELEMENTWISE(LowerAdd, AddOp, { return addValues(b, loc, x, args[1]); })
ELEMENTWISE(LowerMul, MulOp, { return mulValues(b, loc, x, args[1]); })
ELEMENTWISE(LowerSub, SubOp, {
  return isFloat ? (Value)arith::SubFOp::create(b, loc, x, args[1])
                 : (Value)arith::SubIOp::create(b, loc, x, args[1]);
})
ELEMENTWISE(LowerDiv, DivOp, {
  return isFloat ? (Value)arith::DivFOp::create(b, loc, x, args[1])
                 : (Value)arith::DivSIOp::create(b, loc, x, args[1]);
})
ELEMENTWISE(LowerSum, SumOp, {
  Value acc = x;
  for (Value v : args.drop_front())
    acc = addValues(b, loc, acc, v);
  return acc;
})
ELEMENTWISE(LowerRelu, ReluOp, { return applyActivation(b, loc, "Relu", x); })
ELEMENTWISE(LowerSigmoid, SigmoidOp, { return applyActivation(b, loc, "Sigmoid", x); })
ELEMENTWISE(LowerTanh, TanhOp, { return math::TanhOp::create(b, loc, x); })
ELEMENTWISE(LowerExp, ExpOp, { return math::ExpOp::create(b, loc, x); })
ELEMENTWISE(LowerLog, LogOp, { return math::LogOp::create(b, loc, x); })
ELEMENTWISE(LowerSqrt, SqrtOp, { return math::SqrtOp::create(b, loc, x); })
ELEMENTWISE(LowerNeg, NegOp, {
  return isFloat ? (Value)arith::NegFOp::create(b, loc, x)
                 : (Value)arith::SubIOp::create(
                       b, loc, scalarConst(b, loc, x.getType(), 0), x);
})
ELEMENTWISE(LowerAbs, AbsOp, {
  return isFloat ? (Value)math::AbsFOp::create(b, loc, x)
                 : (Value)math::AbsIOp::create(b, loc, x);
})
ELEMENTWISE(LowerMax, MaxOp, {
  for (Value v : args.drop_front())
    x = maxValues(b, loc, x, v);
  return x;
})
ELEMENTWISE(LowerMin, MinOp, {
  for (Value v : args.drop_front())
    x = minValues(b, loc, x, v);
  return x;
})
ELEMENTWISE(LowerMean, MeanOp, {
  for (Value v : args.drop_front())
    x = addValues(b, loc, x, v);
  return arith::DivFOp::create(b, loc, x, c(args.size()));
})
ELEMENTWISE(LowerSign, SignOp, {
  Value gt = isFloat ? (Value)arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0))
                     : (Value)arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, x, c(0));
  Value lt = isNegative(b, loc, x);
  Value sign = arith::SelectOp::create(b, loc, gt, c(1), c(0));
  return arith::SelectOp::create(b, loc, lt, c(-1), sign);
})
ELEMENTWISE(LowerReciprocal, ReciprocalOp, { return arith::DivFOp::create(b, loc, c(1), x); })
ELEMENTWISE(LowerFloor, FloorOp, { return math::FloorOp::create(b, loc, x); })
ELEMENTWISE(LowerCeil, CeilOp, { return math::CeilOp::create(b, loc, x); })
ELEMENTWISE(LowerRound, RoundOp, { return math::RoundEvenOp::create(b, loc, x); })
ELEMENTWISE(LowerSin, SinOp, { return math::SinOp::create(b, loc, x); })
ELEMENTWISE(LowerCos, CosOp, { return math::CosOp::create(b, loc, x); })
ELEMENTWISE(LowerTan, TanOp, { return math::TanOp::create(b, loc, x); })
ELEMENTWISE(LowerAsin, AsinOp, { return math::AsinOp::create(b, loc, x); })
ELEMENTWISE(LowerAcos, AcosOp, { return math::AcosOp::create(b, loc, x); })
ELEMENTWISE(LowerAtan, AtanOp, { return math::AtanOp::create(b, loc, x); })
ELEMENTWISE(LowerSinh, SinhOp, { return math::SinhOp::create(b, loc, x); })
ELEMENTWISE(LowerCosh, CoshOp, { return math::CoshOp::create(b, loc, x); })
ELEMENTWISE(LowerAsinh, AsinhOp, { return math::AsinhOp::create(b, loc, x); })
ELEMENTWISE(LowerAcosh, AcoshOp, { return math::AcoshOp::create(b, loc, x); })
ELEMENTWISE(LowerAtanh, AtanhOp, { return math::AtanhOp::create(b, loc, x); })
ELEMENTWISE(LowerErf, ErfOp, { return math::ErfOp::create(b, loc, x); })
ELEMENTWISE(LowerSoftsign, SoftsignOp, {
  return arith::DivFOp::create(b, loc, x,
                               arith::AddFOp::create(b, loc, c(1), math::AbsFOp::create(b, loc, x)));
})
ELEMENTWISE(LowerSoftplus, SoftplusOp, {
  return math::LogOp::create(b, loc, arith::AddFOp::create(b, loc, math::ExpOp::create(b, loc, x), c(1)));
})
ELEMENTWISE(LowerLeakyRelu, LeakyReluOp, {
  Value scaled = arith::MulFOp::create(b, loc, x, c(op.getAlpha().convertToDouble()));
  return arith::SelectOp::create(b, loc, isNegative(b, loc, x), scaled, x);
})
ELEMENTWISE(LowerPRelu, PReluOp, {
  return arith::SelectOp::create(b, loc, isNegative(b, loc, x), mulValues(b, loc, x, args[1]), x);
})
ELEMENTWISE(LowerThresholdedRelu, ThresholdedReluOp, {
  Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                      c(op.getAlpha().convertToDouble()));
  return arith::SelectOp::create(b, loc, above, x, c(0));
})
ELEMENTWISE(LowerElu, EluOp, {
  Value neg = arith::MulFOp::create(b, loc, c(op.getAlpha().convertToDouble()), expMinusOne(b, loc, x));
  return arith::SelectOp::create(b, loc, isNegative(b, loc, x), neg, x);
})
ELEMENTWISE(LowerSelu, SeluOp, {
  Value neg = arith::MulFOp::create(b, loc, c(op.getAlpha().convertToDouble()), expMinusOne(b, loc, x));
  Value y = arith::SelectOp::create(b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, x, c(0)),
                                    neg, x);
  return arith::MulFOp::create(b, loc, c(op.getGamma().convertToDouble()), y);
})
ELEMENTWISE(LowerCelu, CeluOp, {
  double alpha = op.getAlpha().convertToDouble();
  Value e = arith::MulFOp::create(b, loc, c(alpha),
                                  expMinusOne(b, loc, arith::DivFOp::create(b, loc, x, c(alpha))));
  return arith::AddFOp::create(b, loc, maxValues(b, loc, x, c(0)), minValues(b, loc, e, c(0)));
})
ELEMENTWISE(LowerHardSigmoid, HardSigmoidOp, {
  Value y = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, x, c(op.getAlpha().convertToDouble())),
                                  c(op.getBeta().convertToDouble()));
  return maxValues(b, loc, c(0), minValues(b, loc, c(1), y));
})
ELEMENTWISE(LowerHardSwish, HardSwishOp, {
  Value y = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, x, c(1.0 / 6.0)), c(0.5));
  return arith::MulFOp::create(b, loc, x, maxValues(b, loc, c(0), minValues(b, loc, c(1), y)));
})
ELEMENTWISE(LowerPow, PowOp, {
  // ONNX computes in the base's type: ints through float (numpy's power,
  // cast back), float bases with the exponent converted to their type.
  Value y = args[1];
  Type f = isFloat ? t : (Type)b.getF64Type();
  auto toFloat = [&](Value v) -> Value {
    if (v.getType() == f)
      return v;
    if (isa<FloatType>(v.getType()))
      return arith::ExtFOp::create(b, loc, f, v).getResult();
    return arith::SIToFPOp::create(b, loc, f, v);
  };
  if (isFloat && isa<FloatType>(y.getType()) && y.getType() != t)
    y = cast<FloatType>(y.getType()).getWidth() > cast<FloatType>(t).getWidth()
            ? (Value)arith::TruncFOp::create(b, loc, t, y)
            : (Value)arith::ExtFOp::create(b, loc, t, y);
  Value r = math::PowFOp::create(b, loc, toFloat(x), toFloat(y));
  return isFloat ? r : (Value)arith::FPToSIOp::create(b, loc, t, r);
})
ELEMENTWISE(LowerMod, ModOp, {
  Value y = args[1];
  if (isFloat) {
    Value r = arith::RemFOp::create(b, loc, x, y); // fmod: the dividend's sign
    if (op.getFmod())
      return r;
    // numpy.mod: move a nonzero remainder to the divisor's sign, and give a
    // zero one the divisor's sign too.
    Value zero = c(0);
    Value nonzero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, r, zero);
    Value differ = arith::XOrIOp::create(b, loc, isNegative(b, loc, r), isNegative(b, loc, y));
    Value moved = arith::SelectOp::create(b, loc, differ, arith::AddFOp::create(b, loc, r, y), r);
    return arith::SelectOp::create(b, loc, nonzero, moved,
                                   math::CopySignOp::create(b, loc, zero, y));
  }
  Value r = arith::RemSIOp::create(b, loc, x, y);
  if (op.getFmod())
    return r;
  // The sign of the divisor, as Python's %: add y when r and y differ in sign.
  Value zero = c(0);
  Value nonzero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
  Value differ = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, isNegative(b, loc, r),
                                       isNegative(b, loc, y));
  Value fix = arith::AndIOp::create(b, loc, nonzero, differ);
  return arith::SelectOp::create(b, loc, fix, arith::AddIOp::create(b, loc, r, y), r);
})
#undef ELEMENTWISE

/// Converts a scalar between the supported element types (f32, i32, i64)
/// as a numpy astype does: float to int truncates toward zero.
Value convertScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  if (fromFloat && toFloat)
    return cast<FloatType>(from).getWidth() < cast<FloatType>(to).getWidth()
               ? (Value)arith::ExtFOp::create(b, loc, to, v)
               : (Value)arith::TruncFOp::create(b, loc, to, v);
  if (fromFloat)
    return arith::FPToSIOp::create(b, loc, to, v);
  if (toFloat)
    return arith::SIToFPOp::create(b, loc, to, v);
  return from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
             ? (Value)arith::ExtSIOp::create(b, loc, to, v)
             : (Value)arith::TruncIOp::create(b, loc, to, v);
}

/// Cast and CastLike: convert the first operand to the result's type.
template <typename OnnxOp>
struct LowerCast : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op, PatternRewriter &rewriter) const override {
    RankedTensorType outType = typeOf(op->getResult(0));
    rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(), outType, op->getOperand(0),
                                            [&](OpBuilder &b, Location l, ValueRange a) {
                                              return convertScalar(b, l, a[0],
                                                                   outType.getElementType());
                                            }));
    return success();
  }
};

/// Clip: min(max(x, lo), hi) with either bound optional, as numpy.clip.
struct LowerClip : OpRewritePattern<ClipOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ClipOp op, PatternRewriter &rewriter) const override {
    SmallVector<Value> inputs{op.getInput()};
    bool hasMin = !isNone(op.getMin()), hasMax = !isNone(op.getMax());
    if (hasMin)
      inputs.push_back(op.getMin());
    if (hasMax)
      inputs.push_back(op.getMax());
    rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(), typeOf(op.getOutput()), inputs,
                                            [&](OpBuilder &b, Location l, ValueRange a) {
                                              Value v = a[0];
                                              if (hasMin)
                                                v = maxValues(b, l, v, a[1]);
                                              if (hasMax)
                                                v = minValues(b, l, v, a.back());
                                              return v;
                                            }));
    return success();
  }
};

/// Expand: the input broadcast to the (static) result shape.
struct LowerExpand : OpRewritePattern<ExpandOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ExpandOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(), typeOf(op.getOutput()),
                                            op.getInput(),
                                            [](OpBuilder &, Location, ValueRange a) {
                                              return a[0];
                                            }));
    return success();
  }
};

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

//===----------------------------------------------------------------------===//
// Contractions: MatMul, Gemm, Conv.
//===----------------------------------------------------------------------===//

Value contractionBody(OpBuilder &b, Location loc, ValueRange args) {
  return addValues(b, loc, args[2], mulValues(b, loc, args[0], args[1]));
}

struct LowerMatMul : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatMulOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value a = op.getA(), bv = op.getB();
    RankedTensorType outType = typeOf(op.getY());
    Type elem = outType.getElementType();
    // Promote 1-D operands as numpy does: A to 1xK, B to Kx1.
    SmallVector<int64_t> aShape(typeOf(a).getShape()), bShape(typeOf(bv).getShape());
    if (aShape.size() == 1) {
      aShape.insert(aShape.begin(), 1);
      a = reshapeTo(rewriter, loc, a, RankedTensorType::get(aShape, elem));
    }
    if (bShape.size() == 1) {
      bShape.push_back(1);
      bv = reshapeTo(rewriter, loc, bv, RankedTensorType::get(bShape, elem));
    }
    int64_t batchRank = std::max(aShape.size(), bShape.size()) - 2;
    SmallVector<int64_t> fullOut(
        *broadcastShapes(ArrayRef<int64_t>(aShape).drop_back(2),
                         ArrayRef<int64_t>(bShape).drop_back(2)));
    int64_t m = aShape[aShape.size() - 2], k = aShape.back(), n = bShape.back();
    fullOut.push_back(m);
    fullOut.push_back(n);
    // Iteration space: batch..., m, n, k.
    int64_t numDims = batchRank + 3;
    auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
    auto batchExprs = [&](ArrayRef<int64_t> shape) {
      SmallVector<AffineExpr> e;
      int64_t own = shape.size() - 2, offset = batchRank - own;
      for (int64_t d = 0; d < own; ++d)
        e.push_back(shape[d] == 1 && fullOut[d + offset] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : dim(d + offset));
      return e;
    };
    SmallVector<AffineExpr> aExprs = batchExprs(aShape), bExprs = batchExprs(bShape),
                            oExprs;
    aExprs.append({dim(batchRank), dim(batchRank + 2)});
    bExprs.append({dim(batchRank + 2), dim(batchRank + 1)});
    for (int64_t d = 0; d < batchRank + 2; ++d)
      oExprs.push_back(dim(d));
    SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, aExprs, ctx),
                                AffineMap::get(numDims, 0, bExprs, ctx),
                                AffineMap::get(numDims, 0, oExprs, ctx)};
    SmallVector<utils::IteratorType> iters(numDims - 1, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    auto accType = RankedTensorType::get(fullOut, elem);
    (void)k;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, accType, ValueRange{a, bv},
        filledTensor(rewriter, loc, accType, scalarConst(rewriter, loc, elem, 0)),
        maps, iters, [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, contractionBody(b, l, args));
        });
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, generic.getResult(0), outType));
    return success();
  }
};

/// Gemm and FusedGemm: acc = A' B' into an init of beta*C (or 0), then
/// alpha and the activation in one elementwise epilogue if needed.
template <typename GemmLike>
LogicalResult lowerGemm(GemmLike op, StringRef activation, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  RankedTensorType outType = typeOf(op.getY());
  Type elem = outType.getElementType();
  double alpha = op.getAlpha().convertToDouble();
  double beta = op.getBeta().convertToDouble();
  bool hasC = !isNone(op.getC()) && beta != 0.0;

  Value init;
  if (hasC && alpha == 1.0) {
    init = buildElementwise(rewriter, loc, outType, op.getC(),
                            [&](OpBuilder &b, Location l, ValueRange a) {
                              return beta == 1.0 ? a[0]
                                                 : mulValues(b, l, a[0],
                                                             scalarConst(b, l, elem, beta));
                            });
  } else {
    init = filledTensor(rewriter, loc, outType, scalarConst(rewriter, loc, elem, 0));
  }
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineMap aMap = AffineMap::get(3, 0, op.getTransA() ? SmallVector<AffineExpr>{d(2), d(0)}
                                                       : SmallVector<AffineExpr>{d(0), d(2)}, ctx);
  AffineMap bMap = AffineMap::get(3, 0, op.getTransB() ? SmallVector<AffineExpr>{d(1), d(2)}
                                                       : SmallVector<AffineExpr>{d(2), d(1)}, ctx);
  AffineMap oMap = AffineMap::get(3, 0, {d(0), d(1)}, ctx);
  SmallVector<utils::IteratorType> iters{utils::IteratorType::parallel,
                                         utils::IteratorType::parallel,
                                         utils::IteratorType::reduction};
  Value acc = linalg::GenericOp::create(
                  rewriter, loc, outType, ValueRange{op.getA(), op.getB()}, init,
                  ArrayRef<AffineMap>{aMap, bMap, oMap}, iters,
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    linalg::YieldOp::create(b, l, contractionBody(b, l, args));
                  })
                  .getResult(0);
  bool needsC = hasC && alpha != 1.0;
  if (alpha == 1.0) {
    acc = activateInPlace(rewriter, loc, activation, acc);
  } else {
    SmallVector<Value> inputs{acc};
    if (needsC)
      inputs.push_back(op.getC());
    acc = buildElementwise(rewriter, loc, outType, inputs,
                           [&](OpBuilder &b, Location l, ValueRange a) {
                             Value v = a[0];
                             if (alpha != 1.0)
                               v = mulValues(b, l, v, scalarConst(b, l, elem, alpha));
                             if (needsC)
                               v = addValues(b, l, v,
                                             mulValues(b, l, a[1],
                                                       scalarConst(b, l, elem, beta)));
                             return applyActivation(b, l, activation, v);
                           });
  }
  rewriter.replaceOp(op, acc);
  return success();
}

struct LowerGemm : OpRewritePattern<GemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GemmOp op, PatternRewriter &rewriter) const override {
    return lowerGemm(op, "", rewriter);
  }
};
struct LowerFusedGemm : OpRewritePattern<FusedGemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FusedGemmOp op, PatternRewriter &rewriter) const override {
    return lowerGemm(op, op.getActivation(), rewriter);
  }
};

/// Conv and FusedConv of any spatial rank and group count, as an im2col
/// copy and a batched contraction accumulating into the bias.
template <typename ConvLike>
LogicalResult lowerConv(ConvLike op, StringRef activation, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  RankedTensorType xType = typeOf(op.getX()), wType = typeOf(op.getW());
  RankedTensorType outType = typeOf(op.getY());
  Type elem = outType.getElementType();
  int64_t spatial = xType.getRank() - 2;
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  std::string error;
  std::optional<WindowGeometry> g = computeWindowGeometry(
      xType.getShape().drop_front(2), kernel, op.getStrides(), op.getDilations(),
      op.getPads(), op.getAutoPad(), false, error);
  if (!g)
    return failure();
  Value zero = scalarConst(rewriter, loc, elem, 0);
  Value x = padSpatial(rewriter, loc, op.getX(), ArrayRef(g->pads).take_front(spatial),
                       ArrayRef(g->pads).drop_front(spatial), zero);

  // The accumulator starts as the bias broadcast over (n, f, out...).
  Value init;
  if (!isNone(op.getB())) {
    int64_t rank = outType.getRank();
    SmallVector<AffineMap> maps{AffineMap::get(rank, 0, getAffineDimExpr(1, ctx)),
                                AffineMap::getMultiDimIdentityMap(rank, ctx)};
    init = linalg::GenericOp::create(
               rewriter, loc, outType, op.getB(), emptyTensor(rewriter, loc, outType),
               maps, SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
               [](OpBuilder &b, Location l, ValueRange a) {
                 linalg::YieldOp::create(b, l, a[0]);
               })
               .getResult(0);
  } else {
    init = filledTensor(rewriter, loc, outType, zero);
  }

  // As a matrix product per image and group (im2col): out[n, g, f, p] =
  // sum over k of w[g, f, k] * col[n, g, k, p], where p runs over output
  // positions and k over (input channel, kernel offset). The contraction is
  // then what mlc-vectorize-contractions turns into register-tiled kernels.
  int64_t group = op.getGroup();
  int64_t batch = xType.getDimSize(0);
  int64_t filters = wType.getDimSize(0), cPerGroup = wType.getDimSize(1);
  int64_t fPerGroup = filters / group;
  SmallVector<int64_t> outSpatial(outType.getShape().drop_front(2));
  int64_t kernelSize = ShapedType::getNumElements(kernel);
  int64_t positions = ShapedType::getNumElements(outSpatial);
  int64_t reduced = cPerGroup * kernelSize;
  auto colType = RankedTensorType::get({batch, group, reduced, positions}, elem);
  bool pointwise = kernelSize == 1 && llvm::all_of(g->strides, [](int64_t s) { return s == 1; }) &&
                   typeOf(x).getShape().drop_front(2) == ArrayRef<int64_t>(outSpatial);
  Value col;
  if (pointwise) {
    col = reshapeTo(rewriter, loc, x, colType);
  } else {
    // Iteration space (n, g, c, kernel..., out...), the layout of col.
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    int64_t numDims = 3 + 2 * spatial;
    SmallVector<AffineExpr> xExprs{d(0), d(1) * cPerGroup + d(2)};
    SmallVector<int64_t> colShape{batch, group, cPerGroup};
    colShape.append(kernel.begin(), kernel.end());
    colShape.append(outSpatial.begin(), outSpatial.end());
    for (int64_t i = 0; i < spatial; ++i)
      xExprs.push_back(d(3 + spatial + i) * g->strides[i] + d(3 + i) * g->dilations[i]);
    auto fullType = RankedTensorType::get(colShape, elem);
    SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, xExprs, ctx),
                                AffineMap::getMultiDimIdentityMap(numDims, ctx)};
    Value full = linalg::GenericOp::create(
                     rewriter, loc, fullType, x, emptyTensor(rewriter, loc, fullType), maps,
                     SmallVector<utils::IteratorType>(numDims, utils::IteratorType::parallel),
                     [](OpBuilder &b, Location l, ValueRange a) {
                       linalg::YieldOp::create(b, l, a[0]);
                     })
                     .getResult(0);
    col = reshapeTo(rewriter, loc, full, colType);
  }
  Value w = reshapeTo(rewriter, loc, op.getW(),
                      RankedTensorType::get({group, fPerGroup, reduced}, elem));
  auto accType = RankedTensorType::get({batch, group, fPerGroup, positions}, elem);
  // dims: n=0, g=1, f=2, p=3, k=4
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(5, 0, {d(1), d(2), d(4)}, ctx),
                              AffineMap::get(5, 0, {d(0), d(1), d(4), d(3)}, ctx),
                              AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)};
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);
  Value product = linalg::GenericOp::create(
                      rewriter, loc, accType, ValueRange{w, col},
                      reshapeTo(rewriter, loc, init, accType), maps, iters,
                      [&](OpBuilder &b, Location l, ValueRange args) {
                        linalg::YieldOp::create(b, l, contractionBody(b, l, args));
                      })
                      .getResult(0);
  product = activateInPlace(rewriter, loc, activation, product);
  rewriter.replaceOp(op, reshapeTo(rewriter, loc, product, outType));
  return success();
}

struct LowerConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    return lowerConv(op, "", rewriter);
  }
};
struct LowerFusedConv : OpRewritePattern<FusedConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FusedConvOp op, PatternRewriter &rewriter) const override {
    return lowerConv(op, op.getActivation(), rewriter);
  }
};

//===----------------------------------------------------------------------===//
// Reductions.
//===----------------------------------------------------------------------===//

enum class ReduceKind { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

/// Reduce* over constant axes: acc = combine(acc, pre(x)) from the identity
/// of combine, then post(acc). With no axes, everything is reduced unless
/// noop_with_empty_axes, when pre and post still apply (as in ONNX's
/// reference: a reduction over an empty axis set).
template <typename OnnxOp, ReduceKind Kind>
struct LowerReduce : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = op.getData();
    RankedTensorType inType = typeOf(data), outType = typeOf(op.getReduced());
    Type elem = inType.getElementType();
    bool isFloat = isa<FloatType>(elem);
    SmallVector<int64_t> axes;
    if (!isNone(op.getAxes())) {
      std::optional<SmallVector<int64_t>> given = getConstantInts(op.getAxes());
      if (!given)
        return failure();
      for (int64_t a : *given) {
        std::optional<int64_t> axis = normalizeAxis(a, inType.getRank());
        if (!axis)
          return failure();
        axes.push_back(*axis);
      }
    }
    if (axes.empty() && !op.getNoopWithEmptyAxes())
      for (int64_t d = 0; d < inType.getRank(); ++d)
        axes.push_back(d);
    Value init;
    switch (Kind) {
    case ReduceKind::Max:
      init = lowestConst(rewriter, loc, elem);
      break;
    case ReduceKind::Min:
      init = highestConst(rewriter, loc, elem);
      break;
    case ReduceKind::Prod:
      init = scalarConst(rewriter, loc, elem, 1);
      break;
    default:
      init = scalarConst(rewriter, loc, elem, 0);
    }
    Value reduced = buildReduction(
        rewriter, loc, data, axes, init, [&](OpBuilder &b, Location l, Value x, Value acc) {
          switch (Kind) {
          case ReduceKind::Max:
            return maxValues(b, l, acc, x);
          case ReduceKind::Min:
            return minValues(b, l, acc, x);
          case ReduceKind::Prod:
            return mulValues(b, l, acc, x);
          case ReduceKind::L1:
            return addValues(b, l, acc,
                             isFloat ? (Value)math::AbsFOp::create(b, l, x)
                                     : (Value)math::AbsIOp::create(b, l, x));
          case ReduceKind::L2:
          case ReduceKind::SumSquare:
            return addValues(b, l, acc, mulValues(b, l, x, x));
          case ReduceKind::LogSumExp:
            return addValues(b, l, acc, math::ExpOp::create(b, l, x));
          default:
            return addValues(b, l, acc, x);
          }
        });
    int64_t count = 1;
    for (int64_t a : axes)
      count *= inType.getDimSize(a);
    RankedTensorType keptType = typeOf(reduced);
    switch (Kind) {
    case ReduceKind::Mean:
    case ReduceKind::L2:
    case ReduceKind::LogSum:
    case ReduceKind::LogSumExp:
      if (!isFloat)
        return failure();
      reduced = buildElementwise(
          rewriter, loc, keptType, reduced, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
            if (Kind == ReduceKind::Mean)
              return arith::DivFOp::create(b, l, a[0], scalarConst(b, l, elem, count));
            if (Kind == ReduceKind::L2)
              return math::SqrtOp::create(b, l, a[0]);
            return math::LogOp::create(b, l, a[0]);
          });
      break;
    default:
      break;
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, reduced, outType));
    return success();
  }
};

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

//===----------------------------------------------------------------------===//
// Data movement.
//===----------------------------------------------------------------------===//

/// Ops that only change the shape: Reshape, Flatten, Squeeze, Unsqueeze.
template <typename OnnxOp>
struct LowerReshapeLike : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), op->getOperand(0),
                                     cast<RankedTensorType>(op->getResult(0).getType())));
    return success();
  }
};

/// Ops that pass their first operand through: Identity, inference Dropout.
template <typename OnnxOp>
struct LowerPassThrough : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op, PatternRewriter &rewriter) const override {
    for (Value extra : op->getResults().drop_front())
      if (!extra.use_empty())
        return failure();
    rewriter.replaceAllUsesWith(op->getResult(0), op->getOperand(0));
    rewriter.eraseOp(op);
    return success();
  }
};

struct LowerTranspose : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    int64_t rank = typeOf(op.getData()).getRank();
    SmallVector<int64_t> perm;
    if (auto p = op.getPerm())
      perm.assign(p->begin(), p->end());
    else
      for (int64_t d = rank - 1; d >= 0; --d)
        perm.push_back(d);
    Value init = emptyTensor(rewriter, op.getLoc(), typeOf(op.getTransposed()));
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       op.getData(), init, perm)
                               .getResult()[0]);
    return success();
  }
};

struct LowerConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType outType = typeOf(op.getConcatResult());
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), outType.getRank());
    Value result = emptyTensor(rewriter, loc, outType);
    int64_t offset = 0;
    for (Value in : op.getInputs()) {
      RankedTensorType t = typeOf(in);
      SmallVector<int64_t> offsets(t.getRank(), 0), strides(t.getRank(), 1);
      offsets[axis] = offset;
      result = tensor::InsertSliceOp::create(rewriter, loc, in, result, ValueRange{},
                                             ValueRange{}, ValueRange{}, offsets,
                                             t.getShape(), strides);
      offset += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerGather : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType dataType = typeOf(op.getData()), idxType = typeOf(op.getIndices());
    RankedTensorType outType = typeOf(op.getOutput());
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), dataType.getRank());
    int64_t q = idxType.getRank(), outRank = outType.getRank();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < q; ++i)
      idxExprs.push_back(getAffineDimExpr(axis + i, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(outRank, 0, idxExprs, ctx),
                                AffineMap::getMultiDimIdentityMap(outRank, ctx)};
    int64_t axisSize = dataType.getDimSize(axis);
    Value data = op.getData();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outType, op.getIndices(), emptyTensor(rewriter, loc, outType),
        maps, SmallVector<utils::IteratorType>(outRank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          // Negative indices count from the end; out-of-range ones are
          // clamped so a bad index never reads outside the tensor.
          Value idx = arith::IndexCastOp::create(b, l, b.getIndexType(), a[0]);
          Value size = arith::ConstantIndexOp::create(b, l, axisSize);
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx, zero);
          idx = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, idx, size), idx);
          idx = arith::MaxSIOp::create(b, l, idx, zero);
          idx = arith::MinSIOp::create(
              b, l, idx, arith::ConstantIndexOp::create(b, l, axisSize - 1));
          SmallVector<Value> coords;
          for (int64_t d = 0; d < dataType.getRank(); ++d) {
            if (d < axis)
              coords.push_back(linalg::IndexOp::create(b, l, d));
            else if (d == axis)
              coords.push_back(idx);
            else
              coords.push_back(linalg::IndexOp::create(b, l, d + q - 1));
          }
          linalg::YieldOp::create(b, l, tensor::ExtractOp::create(b, l, data, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct LowerConstant : OpRewritePattern<ConstantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConstantOp op, PatternRewriter &rewriter) const override {
    auto value = dyn_cast_or_null<TypedAttr>(op.getValueAttr());
    if (!value)
      return failure();
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

/// Ops that lower to a constant once their inputs' shapes are known.
template <typename OnnxOp>
struct LowerToConstant : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op, PatternRewriter &rewriter) const override {
    SmallVector<Attribute> operands;
    for (Value v : op->getOperands())
      operands.push_back(getConstantValue(v));
    SmallVector<Attribute> values =
        evaluateConstant(op, operands, std::numeric_limits<int64_t>::max());
    if (values.empty())
      return failure();
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, cast<TypedAttr>(values[0]));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// The pass.
//===----------------------------------------------------------------------===//

/// "node 'conv1' (Conv, domain ai.onnx, opset 9)" for diagnostics.
std::string describeNode(Operation *op) {
  std::string node = "<unnamed>";
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    node = name.getName().str();
  std::string opType, domain = "ai.onnx";
  int64_t opset = -1;
  if (auto opaque = dyn_cast<OpaqueOp>(op)) {
    opType = opaque.getOpType().str();
    domain = opaque.getDomain().empty() ? "ai.onnx" : opaque.getDomain().str();
    opset = opaque.getOpset();
  } else {
    opType = op->getName().stripDialect().str();
    if (auto module = op->getParentOfType<ModuleOp>())
      if (auto attr = module->getAttrOfType<IntegerAttr>("onnx.opset"))
        opset = attr.getInt();
  }
  return "node '" + node + "' (" + opType + ", domain " + domain + ", opset " +
         (opset < 0 ? std::string("?") : std::to_string(opset)) + ")";
}

bool isSupportedElementType(Type t) {
  // Booleans wait for a byte-sized storage type: memrefs of i1 do not lower.
  return t.isF32() || t.isSignlessInteger(64) || t.isSignlessInteger(32);
}

/// Returns why `op` cannot be lowered yet, or an empty string.
std::string whyNotLowerable(Operation *op, const llvm::StringSet<> &lowered) {
  if (isa<OpaqueOp>(op))
    return "operator is not supported";
  if (!lowered.contains(op->getName().getStringRef()))
    return "operator is not supported by the compiler yet";
  for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults())) {
    // An unused result (Dropout's mask at inference) is never materialized.
    if (isa<NoneType>(v.getType()) || (isa<OpResult>(v) && v.use_empty()))
      continue;
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t)
      return "a value of unknown rank remains after shape inference";
    if (!t.hasStaticShape())
      return "dynamic dimensions are not supported yet (type " +
             llvm::formatv("{0}", t).str() + ")";
    if (!isSupportedElementType(t.getElementType()))
      return "element type " + llvm::formatv("{0}", t.getElementType()).str() +
             " is not supported yet";
  }
  if (auto bn = dyn_cast<BatchNormalizationOp>(op); bn && bn.getTrainingMode())
    return "training mode is not supported";
  if (auto pool = dyn_cast<MaxPoolOp>(op); pool && !pool.getIndices().use_empty())
    return "the Indices output is not supported yet";
  if (auto pool = dyn_cast<MaxPoolOp>(op); pool && pool.getStorageOrder())
    return "storage_order = 1 is not supported yet";
  if (auto d = dyn_cast<DropoutOp>(op)) {
    Value training = d.getTrainingMode();
    DenseElementsAttr mode = isNone(training) ? nullptr : getConstantValue(training);
    if (!isNone(training) && (!mode || mode.getSplatValue<bool>()))
      return "training mode is not supported";
    if (!d.getMask().use_empty())
      return "the mask output is not supported yet";
  }
  if (auto bn = dyn_cast<BatchNormalizationOp>(op);
      bn && (!bn.getRunningMean().use_empty() || !bn.getRunningVar().use_empty()))
    return "the running_mean and running_var outputs are not supported";
  if (op->getName().getStringRef().starts_with("onnx.Reduce") && op->getNumOperands() == 2 &&
      !isNone(op->getOperand(1)) && !getConstantInts(op->getOperand(1)))
    return "axes that are not a compile-time constant are not supported yet";
  if (isa<ConstantOfShapeOp>(op) && !getConstantValue(op->getOperand(0)))
    return "a shape that is not a compile-time constant is not supported yet";
  return "";
}

struct ConvertONNXToLinalgPass
    : onnx_mlc::impl::ConvertONNXToLinalgPassBase<ConvertONNXToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    RewritePatternSet patterns(&getContext());
    populateONNXToLinalgPatterns(patterns);

    llvm::StringSet<> lowered;
    for (const auto &pattern : patterns.getNativePatterns())
      if (std::optional<OperationName> root = pattern->getRootKind())
        lowered.insert(root->getStringRef());
    bool ok = true;
    module.walk([&](Operation *op) {
      if (!isa<ONNXDialect>(op->getDialect()) || isa<NoneOp>(op))
        return;
      std::string why = whyNotLowerable(op, lowered);
      if (!why.empty()) {
        op->emitError() << describeNode(op) << ": " << why;
        ok = false;
      }
    });
    if (!ok)
      return signalPassFailure();

    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(module, std::move(patterns), config)))
      return signalPassFailure();
    WalkResult left = module.walk([&](Operation *op) {
      if (isa<NoneOp>(op) && op->use_empty()) {
        op->erase();
        return WalkResult::skip();
      }
      if (isa<ONNXDialect>(op->getDialect())) {
        op->emitError() << describeNode(op) << ": could not be lowered";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void onnx_mlc::populateONNXToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<LowerAdd, LowerSub, LowerMul, LowerDiv, LowerSum, LowerRelu,
               LowerSigmoid, LowerTanh, LowerExp, LowerLog, LowerSqrt, LowerNeg,
               LowerAbs, LowerMax, LowerMin, LowerMean, LowerSign, LowerReciprocal,
               LowerFloor, LowerCeil, LowerRound, LowerSin, LowerCos, LowerTan, LowerAsin,
               LowerAcos, LowerAtan, LowerSinh, LowerCosh, LowerAsinh, LowerAcosh,
               LowerAtanh, LowerErf, LowerSoftsign, LowerSoftplus, LowerLeakyRelu,
               LowerPRelu, LowerThresholdedRelu, LowerElu, LowerSelu, LowerCelu,
               LowerHardSigmoid, LowerHardSwish,
               LowerReduce<ReduceSumOp, ReduceKind::Sum>,
               LowerReduce<ReduceMeanOp, ReduceKind::Mean>,
               LowerReduce<ReduceMaxOp, ReduceKind::Max>,
               LowerReduce<ReduceMinOp, ReduceKind::Min>,
               LowerReduce<ReduceProdOp, ReduceKind::Prod>,
               LowerReduce<ReduceL1Op, ReduceKind::L1>,
               LowerReduce<ReduceL2Op, ReduceKind::L2>,
               LowerReduce<ReduceSumSquareOp, ReduceKind::SumSquare>,
               LowerReduce<ReduceLogSumOp, ReduceKind::LogSum>,
               LowerReduce<ReduceLogSumExpOp, ReduceKind::LogSumExp>, LowerBatchNorm, LowerMatMul, LowerGemm, LowerFusedGemm,
               LowerConv, LowerFusedConv, LowerMaxPool, LowerAveragePool,
               LowerGlobalPool<GlobalAveragePoolOp, true>, LowerGlobalPool<GlobalMaxPoolOp, false>,
               LowerLRN, LowerSoftmax<SoftmaxOp, false>, LowerSoftmax<LogSoftmaxOp, true>,
               LowerPow, LowerMod, LowerCast<CastOp>, LowerCast<CastLikeOp>, LowerClip, LowerExpand,
               LowerTranspose,
               LowerConcat, LowerGather, LowerConstant>(ctx);
  patterns.add<LowerReshapeLike<ReshapeOp>, LowerReshapeLike<FlattenOp>,
               LowerReshapeLike<SqueezeOp>, LowerReshapeLike<UnsqueezeOp>,
               LowerPassThrough<IdentityOp>, LowerPassThrough<DropoutOp>,
               LowerToConstant<ShapeOp>, LowerToConstant<ConstantOfShapeOp>>(ctx);
}
