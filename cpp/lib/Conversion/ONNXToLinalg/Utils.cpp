//===- Utils.cpp - Building blocks of the ONNX-to-linalg patterns ---------===//
#include "Utils.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace onnx_mlc::onnx_to_linalg {

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

ElementKind elementKind(Type t) {
  if (isa<FloatType>(t))
    return ElementKind::Float;
  if (t.isInteger(1))
    return ElementKind::Bool;
  if (t.isUnsignedInteger())
    return ElementKind::Unsigned;
  return ElementKind::Signed;
}

Type storageType(Type t) {
  MLIRContext *ctx = t.getContext();
  if (t.isF16() || t.isBF16() || t.isF32() || t.isF64())
    return t;
  auto it = dyn_cast<IntegerType>(t);
  if (!it)
    return {};
  unsigned width = it.getWidth();
  if (width == 1)
    return IntegerType::get(ctx, 8);
  if (width != 8 && width != 16 && width != 32 && width != 64)
    return {};
  return IntegerType::get(ctx, width);
}

Type onnxElementType(Value v) {
  if (auto t = dyn_cast<ShapedType>(v.getType()))
    return t.getElementType();
  return {};
}

ONNXTypeConverter::ONNXTypeConverter() {
  addConversion([](Type t) -> std::optional<Type> {
    if (isa<TensorType>(t))
      return std::nullopt; // handled below, or unsupported
    return t;
  });
  addConversion([](RankedTensorType t) -> std::optional<Type> {
    Type elem = storageType(t.getElementType());
    if (!elem)
      return std::nullopt;
    return RankedTensorType::get(t.getShape(), elem);
  });
  auto cast = [](OpBuilder &b, Type type, ValueRange inputs, Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
}

TypedAttr toStorageAttr(ElementsAttr value, RankedTensorType storage) {
  if (value.getType() == storage)
    return cast<TypedAttr>(value);
  Type from = value.getElementType(), to = storage.getElementType();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (from.isInteger(1))
      return dense.mapValues(to, [&](const APInt &v) { return v.zext(to.getIntOrFloatBitWidth()); });
    return dense.bitcast(to);
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    if (from.getIntOrFloatBitWidth() == to.getIntOrFloatBitWidth())
      return DenseResourceElementsAttr::get(storage, resource.getRawHandle());
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

Scalar::Scalar(OpBuilder &b, Location loc, Type onnxElem)
    : b(b), loc(loc), onnx(onnxElem), storage(storageType(onnxElem)), elemKind(elementKind(onnxElem)) {}

Value Scalar::constant(double v) const {
  if (isFloat())
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(storage, v));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(storage, (int64_t)v));
}

Value Scalar::lowest() const {
  if (auto ft = dyn_cast<FloatType>(storage))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), true)));
  unsigned w = storage.getIntOrFloatBitWidth();
  APInt v = elemKind == ElementKind::Signed ? APInt::getSignedMinValue(w) : APInt::getZero(w);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(storage, v));
}

Value Scalar::highest() const {
  if (auto ft = dyn_cast<FloatType>(storage))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), false)));
  unsigned w = storage.getIntOrFloatBitWidth();
  APInt v = elemKind == ElementKind::Signed   ? APInt::getSignedMaxValue(w)
            : elemKind == ElementKind::Bool   ? APInt(w, 1)
                                              : APInt::getMaxValue(w);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(storage, v));
}

Value Scalar::add(Value x, Value y) const {
  if (isFloat())
    return arith::AddFOp::create(b, loc, x, y);
  if (elemKind == ElementKind::Bool)
    return arith::OrIOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value Scalar::sub(Value x, Value y) const {
  if (isFloat())
    return arith::SubFOp::create(b, loc, x, y);
  return arith::SubIOp::create(b, loc, x, y);
}

Value Scalar::mul(Value x, Value y) const {
  if (isFloat())
    return arith::MulFOp::create(b, loc, x, y);
  if (elemKind == ElementKind::Bool)
    return arith::AndIOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

/// `y`, with the divisors that trap in hardware (0, and -1 when signed, for
/// MIN / -1) replaced by 1. Integer division by them is undefined in ONNX;
/// the model's data must not crash the process, so they give numpy's
/// results instead: x / 0 = 0, x / -1 = -x (wrapping), x % 0 = x % -1 = 0.
static Value safeDivisor(const Scalar &s, Value y, Value &isZero, Value &isMinusOne) {
  isZero = s.cmp(CmpKind::EQ, y, s.constant(0));
  Value trap = isZero;
  if (s.kind() == ElementKind::Signed) {
    isMinusOne = s.cmp(CmpKind::EQ, y, s.constant(-1));
    trap = arith::OrIOp::create(s.builder(), s.location(), isZero, isMinusOne);
  }
  return arith::SelectOp::create(s.builder(), s.location(), trap, s.constant(1), y);
}

Value Scalar::div(Value x, Value y) const {
  if (isFloat())
    return arith::DivFOp::create(b, loc, x, y);
  Value isZero, isMinusOne;
  Value safe = safeDivisor(*this, y, isZero, isMinusOne);
  Value q;
  if (elemKind == ElementKind::Signed) {
    q = arith::DivSIOp::create(b, loc, x, safe);
    q = arith::SelectOp::create(b, loc, isMinusOne, neg(x), q);
  } else {
    q = arith::DivUIOp::create(b, loc, x, safe);
  }
  return arith::SelectOp::create(b, loc, isZero, constant(0), q);
}

Value Scalar::rem(Value x, Value y) const {
  if (isFloat())
    return arith::RemFOp::create(b, loc, x, y);
  Value isZero, isMinusOne;
  Value safe = safeDivisor(*this, y, isZero, isMinusOne);
  if (elemKind == ElementKind::Signed)
    return arith::RemSIOp::create(b, loc, x, safe);
  return arith::RemUIOp::create(b, loc, x, safe);
}

Value Scalar::min(Value x, Value y) const {
  if (isFloat())
    return arith::MinimumFOp::create(b, loc, x, y);
  if (elemKind == ElementKind::Signed)
    return arith::MinSIOp::create(b, loc, x, y);
  return arith::MinUIOp::create(b, loc, x, y);
}

Value Scalar::max(Value x, Value y) const {
  if (isFloat())
    return arith::MaximumFOp::create(b, loc, x, y);
  if (elemKind == ElementKind::Signed)
    return arith::MaxSIOp::create(b, loc, x, y);
  return arith::MaxUIOp::create(b, loc, x, y);
}

Value Scalar::neg(Value x) const {
  if (isFloat())
    return arith::NegFOp::create(b, loc, x);
  return arith::SubIOp::create(b, loc, constant(0), x);
}

Value Scalar::abs(Value x) const {
  if (isFloat())
    return math::AbsFOp::create(b, loc, x);
  if (elemKind == ElementKind::Signed)
    return math::AbsIOp::create(b, loc, x);
  return x;
}

Value Scalar::cmp(CmpKind kind, Value x, Value y) const {
  if (isFloat()) {
    // Ordered predicates, except "not equal" (true for NaN), as in numpy.
    arith::CmpFPredicate p;
    switch (kind) {
    case CmpKind::EQ: p = arith::CmpFPredicate::OEQ; break;
    case CmpKind::NE: p = arith::CmpFPredicate::UNE; break;
    case CmpKind::LT: p = arith::CmpFPredicate::OLT; break;
    case CmpKind::LE: p = arith::CmpFPredicate::OLE; break;
    case CmpKind::GT: p = arith::CmpFPredicate::OGT; break;
    case CmpKind::GE: p = arith::CmpFPredicate::OGE; break;
    }
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  bool s = elemKind == ElementKind::Signed;
  arith::CmpIPredicate p;
  switch (kind) {
  case CmpKind::EQ: p = arith::CmpIPredicate::eq; break;
  case CmpKind::NE: p = arith::CmpIPredicate::ne; break;
  case CmpKind::LT: p = s ? arith::CmpIPredicate::slt : arith::CmpIPredicate::ult; break;
  case CmpKind::LE: p = s ? arith::CmpIPredicate::sle : arith::CmpIPredicate::ule; break;
  case CmpKind::GT: p = s ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::ugt; break;
  case CmpKind::GE: p = s ? arith::CmpIPredicate::sge : arith::CmpIPredicate::uge; break;
  }
  return arith::CmpIOp::create(b, loc, p, x, y);
}

Value Scalar::select(Value cond, Value x, Value y) const {
  return arith::SelectOp::create(b, loc, cond, x, y);
}

Value Scalar::isNegative(Value x) const {
  if (elemKind == ElementKind::Unsigned || elemKind == ElementKind::Bool)
    return arith::ConstantIntOp::create(b, loc, 0, 1);
  return cmp(CmpKind::LT, x, constant(0));
}

Value Scalar::fromBool(Value cond) const {
  return arith::ExtUIOp::create(b, loc, b.getI8Type(), cond);
}

Value Scalar::truth(Value x) const { return cmp(CmpKind::NE, x, constant(0)); }

Value convertScalar(OpBuilder &b, Location loc, Value v, Type fromOnnx, Type toOnnx) {
  Type from = storageType(fromOnnx), to = storageType(toOnnx);
  ElementKind fk = elementKind(fromOnnx), tk = elementKind(toOnnx);
  if (fromOnnx == toOnnx)
    return v;
  if (tk == ElementKind::Bool) {
    Scalar s(b, loc, fromOnnx);
    return s.fromBool(s.truth(v));
  }
  if (fk == ElementKind::Float && tk == ElementKind::Float) {
    auto ff = cast<FloatType>(from), tf = cast<FloatType>(to);
    if (ff.getWidth() == tf.getWidth()) // f16 <-> bf16: through f32
      v = arith::ExtFOp::create(b, loc, b.getF32Type(), v), ff = b.getF32Type();
    if (ff.getWidth() < tf.getWidth())
      return arith::ExtFOp::create(b, loc, to, v);
    return arith::TruncFOp::create(b, loc, to, v);
  }
  if (fk == ElementKind::Float)
    return tk == ElementKind::Signed ? (Value)arith::FPToSIOp::create(b, loc, to, v)
                                     : (Value)arith::FPToUIOp::create(b, loc, to, v);
  if (tk == ElementKind::Float)
    return fk == ElementKind::Signed ? (Value)arith::SIToFPOp::create(b, loc, to, v)
                                     : (Value)arith::UIToFPOp::create(b, loc, to, v);
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (fw == tw)
    return v;
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, to, v);
  return fk == ElementKind::Signed ? (Value)arith::ExtSIOp::create(b, loc, to, v)
                                   : (Value)arith::ExtUIOp::create(b, loc, to, v);
}

Type accumulatorType(Type elem) {
  if (elem.isF16() || elem.isBF16())
    return Float32Type::get(elem.getContext());
  return elem;
}

Value expMinusOne(const Scalar &s, Value x) {
  return s.sub(math::ExpOp::create(s.builder(), s.location(), x), s.constant(1.0));
}

Value applyActivation(const Scalar &s, StringRef act, Value x, ArrayRef<float> params) {
  OpBuilder &b = s.builder();
  Location loc = s.location();
  if (act == "Relu")
    return s.max(x, s.constant(0.0));
  if (act == "Clip")
    return s.min(s.max(x, s.constant(params[0])), s.constant(params[1]));
  if (act == "Tanh")
    return math::TanhOp::create(b, loc, x);
  if (act == "Sigmoid") {
    Value e = math::ExpOp::create(b, loc, s.neg(x));
    return s.div(s.constant(1.0), s.add(s.constant(1.0), e));
  }
  return x;
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

bool isNone(Value v) { return !v || isa<NoneType>(v.getType()); }

SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value indexValue(OpBuilder &b, Location loc, OpFoldResult size) {
  return getValueOrCreateConstantIndexOp(b, loc, size);
}

Value normalizeAxisAtRunTime(OpBuilder &b, Location loc, Value axis, int64_t rank) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, axis, zero);
  Value shifted = arith::AddIOp::create(b, loc, axis, arith::ConstantIndexOp::create(b, loc, rank));
  return arith::SelectOp::create(b, loc, negative, shifted, axis);
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type elem) {
  return tensor::EmptyOp::create(b, loc, sizes, elem);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Value scalar) {
  return linalg::FillOp::create(b, loc, scalar, emptyTensor(b, loc, sizes, scalar.getType()))
      .getResult(0);
}

/// Indexing map reading an operand of `operandShape` broadcast into an
/// iteration space of `outSizes`: a static 1 meeting a size that is not a
/// static 1 reads index 0.
static AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                              ArrayRef<OpFoldResult> outSizes) {
  int64_t offset = outSizes.size() - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < operandShape.size(); ++i) {
    bool broadcast = operandShape[i] == 1 && getConstantIntValue(outSizes[i + offset]) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(i + offset, ctx));
  }
  return AffineMap::get(outSizes.size(), 0, exprs, ctx);
}

Value broadcastAtRunTime(OpBuilder &b, Location loc, Value in, ArrayRef<OpFoldResult> outSizes) {
  RankedTensorType type = typeOf(in);
  int64_t offset = outSizes.size() - type.getRank();
  SmallVector<int64_t> open;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    OpFoldResult out = outSizes[d + offset];
    if (type.isDynamicDim(d) && getConstantIntValue(out) != 1 &&
        !onnx::DimBuilder::isSizeOf(out, in, d))
      open.push_back(d);
  }
  if (open.empty())
    return in;
  // The shapes were checked to broadcast: each open dim is 1 or the result's.
  // Only if one is 1 (and the result's is not) does `in` need a copy.
  Value same = arith::ConstantIntOp::create(b, loc, 1, 1);
  SmallVector<Value> isOne;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d : open) {
    Value size = tensor::DimOp::create(b, loc, in, d);
    same = arith::AndIOp::create(
        b, loc, same,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size,
                              indexValue(b, loc, outSizes[d + offset])));
    isOne.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size, one));
  }
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{type}, same, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, in);
  b.setInsertionPointToStart(ifOp.elseBlock());
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, in);
  for (int64_t d : open)
    sizes[d] = outSizes[d + offset];
  Value copy = buildIndexed(b, loc, sizes, type.getElementType(),
                            [&](OpBuilder &nb, Location l, ValueRange idx) {
                              SmallVector<Value> src(idx);
                              Value zero = arith::ConstantIndexOp::create(nb, l, 0);
                              for (auto [d, one] : llvm::zip(open, isOne))
                                src[d] = arith::SelectOp::create(nb, l, one, zero, idx[d]);
                              return tensor::ExtractOp::create(nb, l, in, src).getResult();
                            });
  if (copy.getType() != type)
    copy = tensor::CastOp::create(b, loc, type, copy);
  scf::YieldOp::create(b, loc, copy);
  return ifOp.getResult(0);
}

Value buildElementwise(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> outSizes,
                       Type outElem, ValueRange inputs, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  SmallVector<Value> operands;
  for (Value in : inputs) {
    operands.push_back(broadcastAtRunTime(b, loc, in, outSizes));
    maps.push_back(broadcastMap(ctx, typeOf(in).getShape(), outSizes));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(outSizes.size(), ctx));
  SmallVector<utils::IteratorType> iters(outSizes.size(), utils::IteratorType::parallel);
  Value init = emptyTensor(b, loc, outSizes, outElem);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), operands, init, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args.drop_back()));
      });
  return generic.getResult(0);
}

Value buildIndexed(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> outSizes, Type elem,
                   function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = outSizes.size();
  Value init = emptyTensor(b, loc, outSizes, elem);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{}, init,
             AffineMap::getMultiDimIdentityMap(rank, b.getContext()),
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange) {
               SmallVector<Value> idx;
               for (int64_t d = 0; d < rank; ++d)
                 idx.push_back(linalg::IndexOp::create(nb, l, d));
               linalg::YieldOp::create(nb, l, body(nb, l, idx));
             })
      .getResult(0);
}

Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                     Value init,
                     function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType inType = typeOf(input);
  SmallVector<OpFoldResult> outSizes = sizesOf(b, loc, input);
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (reduced)
      outSizes[d] = b.getIndexAttr(1);
    outExprs.push_back(reduced ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(d, ctx));
    iters.push_back(reduced ? utils::IteratorType::reduction : utils::IteratorType::parallel);
  }
  Value acc = filledTensor(b, loc, outSizes, init);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(inType.getRank(), ctx),
                              AffineMap::get(inType.getRank(), 0, outExprs, ctx)};
  auto generic = linalg::GenericOp::create(
      b, loc, acc.getType(), input, acc, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args[0], args[1]));
      });
  return generic.getResult(0);
}

Value reshapeTo(OpBuilder &b, Location loc, Value src, ArrayRef<OpFoldResult> sizes) {
  RankedTensorType srcType = typeOf(src);
  Type elem = srcType.getElementType();
  SmallVector<int64_t> staticShape;
  for (OpFoldResult s : sizes)
    staticShape.push_back(getConstantIntValue(s).value_or(ShapedType::kDynamic));
  auto dst = RankedTensorType::get(staticShape, elem);
  if (srcType == dst && srcType.hasStaticShape())
    return src;
  // Through a 1-D view: collapsing and expanding contiguous data are both
  // views after bufferization.
  auto allDims = [](int64_t rank) {
    SmallVector<ReassociationIndices> r(1);
    for (int64_t d = 0; d < rank; ++d)
      r[0].push_back(d);
    return r;
  };
  int64_t n = srcType.hasStaticShape() ? srcType.getNumElements() : ShapedType::kDynamic;
  Value flat = src;
  if (srcType.getRank() == 0)
    flat = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get({1}, elem), src,
                                         SmallVector<ReassociationIndices>{},
                                         ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  else if (srcType.getRank() > 1)
    flat = tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get({n}, elem), src,
                                           allDims(srcType.getRank()));
  auto castTo = [&](Value v, RankedTensorType t) -> Value {
    return v.getType() == t ? v : (Value)tensor::CastOp::create(b, loc, t, v);
  };
  if (dst.getRank() == 0)
    return tensor::CollapseShapeOp::create(
        b, loc, dst, castTo(flat, RankedTensorType::get({1}, elem)),
        SmallVector<ReassociationIndices>{});
  if (dst.getRank() == 1)
    return castTo(flat, dst);
  int64_t dynamic = llvm::count_if(staticShape, ShapedType::isDynamic);
  if (dynamic <= 1) {
    int64_t m = dynamic ? ShapedType::kDynamic : dst.getNumElements();
    return tensor::ExpandShapeOp::create(b, loc, dst, castTo(flat, RankedTensorType::get({m}, elem)),
                                         allDims(dst.getRank()), sizes);
  }
  // Several sizes known only at run time: expand_shape cannot say how they
  // split, tensor.reshape takes them as a tensor.
  SmallVector<Value> dims;
  for (OpFoldResult s : sizes)
    dims.push_back(arith::IndexCastOp::create(b, loc, b.getI64Type(), indexValue(b, loc, s)));
  Value shape = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({(int64_t)dims.size()}, b.getI64Type()), dims);
  return tensor::ReshapeOp::create(b, loc, dst, flat, shape);
}

Value padTensor(OpBuilder &b, Location loc, Value input, ArrayRef<OpFoldResult> low,
                ArrayRef<OpFoldResult> high, Value padValue) {
  auto isZero = [](OpFoldResult p) { return getConstantIntValue(p) == 0; };
  if (llvm::all_of(low, isZero) && llvm::all_of(high, isZero))
    return input;
  RankedTensorType t = typeOf(input);
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    std::optional<int64_t> lo = getConstantIntValue(low[d]), hi = getConstantIntValue(high[d]);
    shape.push_back(t.isDynamicDim(d) || !lo || !hi ? ShapedType::kDynamic
                                                    : t.getDimSize(d) + *lo + *hi);
  }
  auto padType = RankedTensorType::get(shape, t.getElementType());
  return tensor::PadOp::create(b, loc, padType, input, low, high, padValue);
}

Value convertTensor(OpBuilder &b, Location loc, Value t, Type from, Type to) {
  if (from == to)
    return t;
  return buildElementwise(b, loc, sizesOf(b, loc, t), storageType(to), t,
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            return convertScalar(nb, l, a[0], from, to);
                          });
}

Value castToType(OpBuilder &b, Location loc, Value value, RankedTensorType type) {
  RankedTensorType have = typeOf(value);
  if (have == type)
    return value;
  bool fixesSizes = false;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!have.isDynamicDim(d)) {
      sizes.push_back(b.getIndexAttr(have.getDimSize(d)));
      continue;
    }
    if (type.isDynamicDim(d)) {
      sizes.push_back(tensor::DimOp::create(b, loc, value, d).getResult());
      continue;
    }
    fixesSizes = true;
    Value size = tensor::DimOp::create(b, loc, value, d);
    Value declared = arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
    Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size, declared);
    cf::AssertOp::create(b, loc, ok, "a size differs from the model's declared shape");
    sizes.push_back(arith::MinSIOp::create(b, loc, size, declared).getResult());
  }
  // (Where either type has a static 0 size, nothing is read or written.)
  if (!fixesSizes || llvm::is_contained(have.getShape(), 0) ||
      llvm::is_contained(type.getShape(), 0))
    return tensor::CastOp::create(b, loc, type, value);
  // A cast would let canonicalization fold the declared sizes into the
  // producer, which would then compute at those sizes before the check ran,
  // reading out of bounds when they are wrong. Copying at most the declared
  // sizes keeps every access in bounds; the check reports the mismatch.
  SmallVector<OpFoldResult> zeros(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(type.getRank(), b.getIndexAttr(1));
  Value part = tensor::ExtractSliceOp::create(b, loc, value, zeros, sizes, ones);
  SmallVector<OpFoldResult> destSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    destSizes.push_back(type.isDynamicDim(d) ? sizes[d] : b.getIndexAttr(type.getDimSize(d)));
  Value dest = tensor::EmptyOp::create(b, loc, destSizes, type.getElementType());
  return tensor::InsertSliceOp::create(b, loc, part, dest, zeros, sizes, ones);
}

Value activateInPlace(OpBuilder &b, Location loc, StringRef act, ArrayRef<float> params,
                      Value acc) {
  if (act.empty())
    return acc;
  RankedTensorType type = typeOf(acc);
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{}, acc,
             AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext()),
             SmallVector<utils::IteratorType>(type.getRank(), utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Scalar s(nb, l, type.getElementType());
               linalg::YieldOp::create(nb, l, applyActivation(s, act, args[0], params));
             })
      .getResult(0);
}

} // namespace onnx_mlc::onnx_to_linalg
