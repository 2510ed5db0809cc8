//===- Elementwise.cpp - Elementwise ONNX ops to linalg.generic -------------===//
#include "Utils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

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

} // namespace

void onnx_mlc::onnx_to_linalg::populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<LowerAdd, LowerSub, LowerMul, LowerDiv, LowerSum, LowerRelu,
               LowerSigmoid, LowerTanh, LowerExp, LowerLog, LowerSqrt, LowerNeg,
               LowerAbs, LowerMax, LowerMin, LowerMean, LowerSign, LowerReciprocal,
               LowerFloor, LowerCeil, LowerRound, LowerSin, LowerCos, LowerTan, LowerAsin,
               LowerAcos, LowerAtan, LowerSinh, LowerCosh, LowerAsinh, LowerAcosh,
               LowerAtanh, LowerErf, LowerSoftsign, LowerSoftplus, LowerLeakyRelu,
               LowerPRelu, LowerThresholdedRelu, LowerElu, LowerSelu, LowerCelu,
               LowerHardSigmoid, LowerHardSwish, LowerPow, LowerMod, LowerCast<CastOp>,
               LowerCast<CastLikeOp>, LowerClip>(patterns.getContext());
}
