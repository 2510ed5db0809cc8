//===- Elementwise.cpp - Elementwise ONNX ops to linalg.generic -----------===//
//
// Every elementwise op is one ElementwiseLowering with a function computing
// one element through `Scalar`, the arithmetic of the op's element type, so
// signedness, booleans and float kinds are decided in one place.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include <functional>

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

/// An elementwise op: its result shape from its shape rule, its element from
/// `fn`, whose Scalar is that of operand `typeOperand`'s element type.
template <typename OnnxOp>
struct ElementwiseLowering : ONNXConversion<OnnxOp> {
  using Fn = std::function<Value(OnnxOp, const Scalar &, ValueRange)>;
  using Base = ONNXConversion<OnnxOp>;

  ElementwiseLowering(const ONNXTypeConverter &tc, MLIRContext *ctx, Fn fn,
                      unsigned typeOperand)
      : Base(tc, ctx), fn(std::move(fn)), typeOperand(typeOperand) {}

  LogicalResult matchAndRewrite(OnnxOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<ShapeList> shapes = this->resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return this->unsupported(op, rewriter, "the result shape cannot be computed");
    SmallVector<Value> inputs;
    for (Value v : adaptor.getOperands())
      if (!isNone(v))
        inputs.push_back(v);
    Type elem = onnxElementType(op->getOperand(typeOperand));
    Value r = buildElementwise(rewriter, op.getLoc(), (*shapes)[0],
                               this->resultType(op).getElementType(), inputs,
                               [&](OpBuilder &b, Location loc, ValueRange args) {
                                 return fn(op, Scalar(b, loc, elem), args);
                               });
    this->replaceOp(op, rewriter, r);
    return success();
  }

  Fn fn;
  unsigned typeOperand;
};

template <typename OnnxOp>
void elementwise(const ONNXTypeConverter &tc, RewritePatternSet &patterns,
                 typename ElementwiseLowering<OnnxOp>::Fn fn, unsigned typeOperand = 0) {
  patterns.add<ElementwiseLowering<OnnxOp>>(tc, patterns.getContext(), std::move(fn),
                                            typeOperand);
}

/// A float function from the math dialect.
template <typename MathOp>
Value math1(const Scalar &s, Value x) {
  return MathOp::create(s.builder(), s.location(), x);
}

double f(APFloat v) { return v.convertToDouble(); }

/// The base raised to the exponent, as ONNX computes it: in the base's type,
/// integers through f64 (numpy's power, cast back).
Value power(const Scalar &s, Value x, Value y, Type yOnnx) {
  OpBuilder &b = s.builder();
  Location loc = s.location();
  Type work = s.isFloat() ? s.onnxType() : (Type)b.getF64Type();
  Value r = math::PowFOp::create(b, loc, convertScalar(b, loc, x, s.onnxType(), work),
                                 convertScalar(b, loc, y, yOnnx, work));
  return convertScalar(b, loc, r, work, s.onnxType());
}

/// Python's modulo (the divisor's sign) or C's fmod, for any numeric type.
Value modulo(const Scalar &s, Value x, Value y, bool fmod) {
  Value r = s.rem(x, y);
  if (fmod || s.kind() == ElementKind::Unsigned)
    return r;
  OpBuilder &b = s.builder();
  Location loc = s.location();
  Value zero = s.constant(0);
  Value nonzero = s.cmp(CmpKind::NE, r, zero);
  Value differ = arith::XOrIOp::create(b, loc, s.isNegative(r), s.isNegative(y));
  Value moved = s.select(arith::AndIOp::create(b, loc, nonzero, differ), s.add(r, y), r);
  if (!s.isFloat())
    return moved;
  // A zero remainder takes the divisor's sign too, as numpy.mod.
  return s.select(nonzero, moved, math::CopySignOp::create(b, loc, zero, y));
}

/// x shifted by y bits: arithmetic right shifts for signed types. A shift
/// by a negative amount or by the width or more gives 0, or -1 for a
/// negative x shifted right, as ONNX's reference computes it.
Value shift(const Scalar &s, Value x, Value y, bool left) {
  OpBuilder &b = s.builder();
  Location loc = s.location();
  bool isSigned = s.kind() == ElementKind::Signed;
  Value shifted = left       ? (Value)arith::ShLIOp::create(b, loc, x, y)
                  : isSigned ? (Value)arith::ShRSIOp::create(b, loc, x, y)
                             : (Value)arith::ShRUIOp::create(b, loc, x, y);
  Value inRange = s.cmp(CmpKind::LT, y, s.constant(s.type().getIntOrFloatBitWidth()));
  if (isSigned)
    inRange = arith::AndIOp::create(b, loc, inRange, s.cmp(CmpKind::GE, y, s.constant(0)));
  Value outside = s.constant(0);
  if (isSigned && !left)
    outside = s.select(s.isNegative(x), s.constant(-1), s.constant(0));
  return s.select(inRange, shifted, outside);
}

/// The Cast family: from the input's ONNX element type to the result's.
template <typename CastLike>
struct CastLowering : ONNXConversion<CastLike> {
  using Base = ONNXConversion<CastLike>;
  using Base::Base;
  LogicalResult matchAndRewrite(CastLike op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type from = onnxElementType(op->getOperand(0)), to = onnxElementType(op->getResult(0));
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, op.getLoc(), adaptor.getInput());
    Value r = buildElementwise(rewriter, op.getLoc(), sizes, this->resultType(op).getElementType(),
                               adaptor.getInput(), [&](OpBuilder &b, Location l, ValueRange a) {
                                 return convertScalar(b, l, a[0], from, to);
                               });
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

/// BitCast between types of one width: the stored bits, reinterpreted. Types
/// of different widths (which reshape the tensor) are not supported yet.
struct BitCastLowering : ONNXConversion<BitCastOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(BitCastOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type to = resultType(op).getElementType();
    Type from = typeOf(adaptor.getInput()).getElementType();
    if (from.getIntOrFloatBitWidth() != to.getIntOrFloatBitWidth())
      return unsupported(op, rewriter, "types of different widths are not supported yet");
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, op.getLoc(), adaptor.getInput());
    Value r = buildElementwise(rewriter, op.getLoc(), sizes, to, adaptor.getInput(),
                               [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                 if (from == to)
                                   return a[0];
                                 return arith::BitcastOp::create(b, l, to, a[0]);
                               });
    replaceOp(op, rewriter, r);
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateElementwisePatterns(const ONNXTypeConverter &tc,
                                                           RewritePatternSet &p) {
  using A = ValueRange;
  using S = const Scalar &;
  // Arithmetic.
  elementwise<AddOp>(tc, p, [](AddOp, S s, A a) { return s.add(a[0], a[1]); });
  elementwise<SubOp>(tc, p, [](SubOp, S s, A a) { return s.sub(a[0], a[1]); });
  elementwise<MulOp>(tc, p, [](MulOp, S s, A a) { return s.mul(a[0], a[1]); });
  elementwise<DivOp>(tc, p, [](DivOp, S s, A a) { return s.div(a[0], a[1]); });
  elementwise<SumOp>(tc, p, [](SumOp, S s, A a) {
    Value acc = a[0];
    for (Value v : a.drop_front())
      acc = s.add(acc, v);
    return acc;
  });
  elementwise<MaxOp>(tc, p, [](MaxOp, S s, A a) {
    Value acc = a[0];
    for (Value v : a.drop_front())
      acc = s.max(acc, v);
    return acc;
  });
  elementwise<MinOp>(tc, p, [](MinOp, S s, A a) {
    Value acc = a[0];
    for (Value v : a.drop_front())
      acc = s.min(acc, v);
    return acc;
  });
  elementwise<MeanOp>(tc, p, [](MeanOp, S s, A a) {
    Value acc = a[0];
    for (Value v : a.drop_front())
      acc = s.add(acc, v);
    return s.div(acc, s.constant(a.size()));
  });
  elementwise<NegOp>(tc, p, [](NegOp, S s, A a) { return s.neg(a[0]); });
  elementwise<AbsOp>(tc, p, [](AbsOp, S s, A a) { return s.abs(a[0]); });
  elementwise<SignOp>(tc, p, [](SignOp, S s, A a) {
    Value sign = s.select(s.cmp(CmpKind::GT, a[0], s.constant(0)), s.constant(1), s.constant(0));
    if (s.kind() == ElementKind::Unsigned)
      return sign;
    return s.select(s.isNegative(a[0]), s.constant(-1), sign);
  });
  elementwise<ReciprocalOp>(tc, p, [](ReciprocalOp, S s, A a) { return s.div(s.constant(1), a[0]); });
  elementwise<PowOp>(tc, p, [](PowOp op, S s, A a) {
    return power(s, a[0], a[1], onnxElementType(op.getY()));
  });
  elementwise<ModOp>(tc, p, [](ModOp op, S s, A a) { return modulo(s, a[0], a[1], op.getFmod()); });
  elementwise<ClipOp>(tc, p, [](ClipOp op, S s, A a) {
    Value v = a[0];
    size_t next = 1;
    if (!isNone(op.getMin()))
      v = s.max(v, a[next++]);
    if (!isNone(op.getMax()))
      v = s.min(v, a[next]);
    return v;
  });

  // Float functions.
  elementwise<ExpOp>(tc, p, [](ExpOp, S s, A a) { return math1<math::ExpOp>(s, a[0]); });
  elementwise<LogOp>(tc, p, [](LogOp, S s, A a) { return math1<math::LogOp>(s, a[0]); });
  elementwise<SqrtOp>(tc, p, [](SqrtOp, S s, A a) { return math1<math::SqrtOp>(s, a[0]); });
  elementwise<TanhOp>(tc, p, [](TanhOp, S s, A a) { return math1<math::TanhOp>(s, a[0]); });
  elementwise<FloorOp>(tc, p, [](FloorOp, S s, A a) { return math1<math::FloorOp>(s, a[0]); });
  elementwise<CeilOp>(tc, p, [](CeilOp, S s, A a) { return math1<math::CeilOp>(s, a[0]); });
  elementwise<RoundOp>(tc, p, [](RoundOp, S s, A a) { return math1<math::RoundEvenOp>(s, a[0]); });
  elementwise<SinOp>(tc, p, [](SinOp, S s, A a) { return math1<math::SinOp>(s, a[0]); });
  elementwise<CosOp>(tc, p, [](CosOp, S s, A a) { return math1<math::CosOp>(s, a[0]); });
  elementwise<TanOp>(tc, p, [](TanOp, S s, A a) { return math1<math::TanOp>(s, a[0]); });
  elementwise<AsinOp>(tc, p, [](AsinOp, S s, A a) { return math1<math::AsinOp>(s, a[0]); });
  elementwise<AcosOp>(tc, p, [](AcosOp, S s, A a) { return math1<math::AcosOp>(s, a[0]); });
  elementwise<AtanOp>(tc, p, [](AtanOp, S s, A a) { return math1<math::AtanOp>(s, a[0]); });
  elementwise<SinhOp>(tc, p, [](SinhOp, S s, A a) { return math1<math::SinhOp>(s, a[0]); });
  elementwise<CoshOp>(tc, p, [](CoshOp, S s, A a) { return math1<math::CoshOp>(s, a[0]); });
  elementwise<AsinhOp>(tc, p, [](AsinhOp, S s, A a) { return math1<math::AsinhOp>(s, a[0]); });
  elementwise<AcoshOp>(tc, p, [](AcoshOp, S s, A a) { return math1<math::AcoshOp>(s, a[0]); });
  elementwise<AtanhOp>(tc, p, [](AtanhOp, S s, A a) { return math1<math::AtanhOp>(s, a[0]); });
  elementwise<ErfOp>(tc, p, [](ErfOp, S s, A a) { return math1<math::ErfOp>(s, a[0]); });
  elementwise<IsNaNOp>(tc, p, [](IsNaNOp, S s, A a) {
    return s.fromBool(arith::CmpFOp::create(s.builder(), s.location(), arith::CmpFPredicate::UNO,
                                            a[0], a[0]));
  });
  elementwise<IsInfOp>(tc, p, [](IsInfOp op, S s, A a) {
    OpBuilder &b = s.builder();
    Location l = s.location();
    Value inf = s.highest();
    Value pos = s.cmp(CmpKind::EQ, a[0], inf);
    Value neg = s.cmp(CmpKind::EQ, a[0], s.lowest());
    Value no = arith::ConstantIntOp::create(b, l, 0, 1);
    Value r = arith::OrIOp::create(b, l, op.getDetectPositive() ? pos : no,
                                   op.getDetectNegative() ? neg : no);
    return s.fromBool(r);
  });

  // Activations.
  elementwise<ReluOp>(tc, p, [](ReluOp, S s, A a) { return s.max(a[0], s.constant(0)); });
  elementwise<SigmoidOp>(tc, p, [](SigmoidOp, S s, A a) { return applyActivation(s, "Sigmoid", a[0]); });
  elementwise<SoftsignOp>(tc, p, [](SoftsignOp, S s, A a) {
    return s.div(a[0], s.add(s.constant(1), s.abs(a[0])));
  });
  elementwise<SoftplusOp>(tc, p, [](SoftplusOp, S s, A a) {
    return math1<math::LogOp>(s, s.add(math1<math::ExpOp>(s, a[0]), s.constant(1)));
  });
  elementwise<LeakyReluOp>(tc, p, [](LeakyReluOp op, S s, A a) {
    return s.select(s.isNegative(a[0]), s.mul(a[0], s.constant(f(op.getAlpha()))), a[0]);
  });
  elementwise<PReluOp>(tc, p, [](PReluOp, S s, A a) {
    return s.select(s.isNegative(a[0]), s.mul(a[0], a[1]), a[0]);
  });
  elementwise<ThresholdedReluOp>(tc, p, [](ThresholdedReluOp op, S s, A a) {
    return s.select(s.cmp(CmpKind::GT, a[0], s.constant(f(op.getAlpha()))), a[0], s.constant(0));
  });
  elementwise<EluOp>(tc, p, [](EluOp op, S s, A a) {
    Value neg = s.mul(s.constant(f(op.getAlpha())), expMinusOne(s, a[0]));
    return s.select(s.isNegative(a[0]), neg, a[0]);
  });
  elementwise<SeluOp>(tc, p, [](SeluOp op, S s, A a) {
    Value neg = s.mul(s.constant(f(op.getAlpha())), expMinusOne(s, a[0]));
    Value y = s.select(s.cmp(CmpKind::LE, a[0], s.constant(0)), neg, a[0]);
    return s.mul(s.constant(f(op.getGamma())), y);
  });
  elementwise<CeluOp>(tc, p, [](CeluOp op, S s, A a) {
    double alpha = f(op.getAlpha());
    Value e = s.mul(s.constant(alpha), expMinusOne(s, s.div(a[0], s.constant(alpha))));
    return s.add(s.max(a[0], s.constant(0)), s.min(e, s.constant(0)));
  });
  elementwise<HardSigmoidOp>(tc, p, [](HardSigmoidOp op, S s, A a) {
    Value y = s.add(s.mul(a[0], s.constant(f(op.getAlpha()))), s.constant(f(op.getBeta())));
    return s.max(s.constant(0), s.min(s.constant(1), y));
  });
  elementwise<HardSwishOp>(tc, p, [](HardSwishOp, S s, A a) {
    Value y = s.add(s.mul(a[0], s.constant(1.0 / 6.0)), s.constant(0.5));
    return s.mul(a[0], s.max(s.constant(0), s.min(s.constant(1), y)));
  });
  elementwise<GeluOp>(tc, p, [](GeluOp op, S s, A a) {
    Value x = a[0];
    Value inner;
    if (op.getApproximate() == "tanh") {
      Value cube = s.mul(s.mul(x, x), x);
      Value t = s.mul(s.constant(std::sqrt(2.0 / M_PI)), s.add(x, s.mul(s.constant(0.044715), cube)));
      inner = math1<math::TanhOp>(s, t);
    } else {
      inner = math1<math::ErfOp>(s, s.mul(x, s.constant(M_SQRT1_2)));
    }
    return s.mul(s.mul(s.constant(0.5), x), s.add(s.constant(1), inner));
  });
  elementwise<MishOp>(tc, p, [](MishOp, S s, A a) {
    Value sp = math1<math::LogOp>(s, s.add(math1<math::ExpOp>(s, a[0]), s.constant(1)));
    return s.mul(a[0], math1<math::TanhOp>(s, sp));
  });
  elementwise<SwishOp>(tc, p, [](SwishOp op, S s, A a) {
    return s.mul(a[0], applyActivation(s, "Sigmoid", s.mul(s.constant(f(op.getAlpha())), a[0])));
  });
  elementwise<ShrinkOp>(tc, p, [](ShrinkOp op, S s, A a) {
    Value lambd = s.constant(f(op.getLambd())), bias = s.constant(f(op.getBias()));
    Value below = s.cmp(CmpKind::LT, a[0], s.neg(lambd));
    Value above = s.cmp(CmpKind::GT, a[0], lambd);
    return s.select(below, s.add(a[0], bias),
                    s.select(above, s.sub(a[0], bias), s.constant(0)));
  });

  // Comparisons and logic: the Scalar is the operands', the result a bool.
  elementwise<EqualOp>(tc, p, [](EqualOp, S s, A a) { return s.fromBool(s.cmp(CmpKind::EQ, a[0], a[1])); });
  elementwise<LessOp>(tc, p, [](LessOp, S s, A a) { return s.fromBool(s.cmp(CmpKind::LT, a[0], a[1])); });
  elementwise<LessOrEqualOp>(tc, p, [](LessOrEqualOp, S s, A a) {
    return s.fromBool(s.cmp(CmpKind::LE, a[0], a[1]));
  });
  elementwise<GreaterOp>(tc, p, [](GreaterOp, S s, A a) { return s.fromBool(s.cmp(CmpKind::GT, a[0], a[1])); });
  elementwise<GreaterOrEqualOp>(tc, p, [](GreaterOrEqualOp, S s, A a) {
    return s.fromBool(s.cmp(CmpKind::GE, a[0], a[1]));
  });
  elementwise<AndOp>(tc, p, [](AndOp, S s, A a) {
    return (Value)arith::AndIOp::create(s.builder(), s.location(), a[0], a[1]);
  });
  elementwise<OrOp>(tc, p, [](OrOp, S s, A a) {
    return (Value)arith::OrIOp::create(s.builder(), s.location(), a[0], a[1]);
  });
  elementwise<XorOp>(tc, p, [](XorOp, S s, A a) {
    return (Value)arith::XOrIOp::create(s.builder(), s.location(), a[0], a[1]);
  });
  elementwise<NotOp>(tc, p, [](NotOp, S s, A a) {
    return (Value)arith::XOrIOp::create(s.builder(), s.location(), a[0], s.constant(1));
  });
  elementwise<WhereOp>(tc, p, [](WhereOp, S s, A a) {
    Value cond = arith::CmpIOp::create(s.builder(), s.location(), arith::CmpIPredicate::ne, a[0],
                                       arith::ConstantIntOp::create(s.builder(), s.location(), 0, 8));
    return s.select(cond, a[1], a[2]);
  }, /*typeOperand=*/1);

  // Bitwise ops, on the stored bits.
  elementwise<BitwiseAndOp>(tc, p, [](BitwiseAndOp, S s, A a) {
    return (Value)arith::AndIOp::create(s.builder(), s.location(), a[0], a[1]);
  });
  elementwise<BitwiseOrOp>(tc, p, [](BitwiseOrOp, S s, A a) {
    return (Value)arith::OrIOp::create(s.builder(), s.location(), a[0], a[1]);
  });
  elementwise<BitwiseXorOp>(tc, p, [](BitwiseXorOp, S s, A a) {
    return (Value)arith::XOrIOp::create(s.builder(), s.location(), a[0], a[1]);
  });
  elementwise<BitwiseNotOp>(tc, p, [](BitwiseNotOp, S s, A a) {
    return (Value)arith::XOrIOp::create(s.builder(), s.location(), a[0], s.constant(-1));
  });
  elementwise<BitShiftOp>(tc, p, [](BitShiftOp op, S s, A a) {
    return shift(s, a[0], a[1], op.getDirection() == "LEFT");
  });

  p.add<CastLowering<CastOp>, CastLowering<CastLikeOp>, BitCastLowering>(tc, p.getContext());
}
