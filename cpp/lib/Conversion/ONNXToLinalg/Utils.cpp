//===- Utils.cpp - Building blocks of the ONNX-to-linalg patterns -----------===//
#include "Utils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace onnx_mlc::onnx_to_linalg {

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

} // namespace onnx_mlc::onnx_to_linalg
