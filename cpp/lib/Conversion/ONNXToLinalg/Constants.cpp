//===- Constants.cpp - Constants and tensors made from shapes -------------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

struct ConstantLowering : ONNXConversion<ConstantOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast_or_null<ElementsAttr>(op.getValueAttr());
    if (!value)
      return unsupported(op, rewriter, "only tensor constants are supported");
    // An empty constant needs no data; as a global, LLVM would still build
    // its (possibly huge) nested array type.
    if (value.getNumElements() == 0) {
      RankedTensorType type = resultType(op);
      rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, type.getShape(), type.getElementType());
      return success();
    }
    TypedAttr stored = toStorageAttr(value, resultType(op));
    if (!stored)
      return unsupported(op, rewriter, "this constant's encoding is not supported");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, stored);
    return success();
  }
};

/// Shape: the (sliced) sizes of the input, as int64.
struct ShapeLowering : ONNXConversion<ShapeOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(ShapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    int64_t rank = typeOf(data).getRank();
    auto clampAxis = [&](int64_t a) { return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank); };
    int64_t start = clampAxis((int64_t)op.getStart());
    int64_t end = op.getEnd() ? clampAxis((int64_t)*op.getEnd()) : rank;
    SmallVector<Value> dims;
    for (int64_t d = start; d < end; ++d)
      dims.push_back(arith::IndexCastOp::create(
          rewriter, loc, rewriter.getI64Type(),
          indexValue(rewriter, loc, tensor::getMixedSize(rewriter, loc, data, d))));
    if (dims.empty()) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, DenseElementsAttr::get(resultType(op), ArrayRef<int64_t>{}));
      return success();
    }
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, resultType(op), dims);
    return success();
  }
};

/// Size: the number of elements, as an int64 scalar.
struct SizeLowering : ONNXConversion<SizeOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(SizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    DimBuilder dims(rewriter, loc);
    Value n = indexValue(rewriter, loc, dims.product(sizesOf(rewriter, loc, adaptor.getData())));
    Value v = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), n);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, resultType(op), v);
    return success();
  }
};

struct ConstantOfShapeLowering : ONNXConversion<ConstantOfShapeOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(ConstantOfShapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the shape must have a static length");
    Type elem = resultType(op).getElementType();
    TypedAttr fill = rewriter.getZeroAttr(elem);
    if (auto value = dyn_cast_or_null<ElementsAttr>(op.getValueAttr())) {
      auto one = RankedTensorType::get({}, elem);
      auto dense = dyn_cast<DenseElementsAttr>(value);
      if (!dense || dense.getNumElements() != 1)
        return unsupported(op, rewriter, "value must hold exactly one element");
      TypedAttr stored = toStorageAttr(dense.reshape(RankedTensorType::get({}, dense.getElementType())), one);
      if (!stored)
        return unsupported(op, rewriter, "this value's type is not supported");
      fill = cast<DenseElementsAttr>(stored).getSplatValue<TypedAttr>();
    }
    Value scalar = arith::ConstantOp::create(rewriter, loc, fill);
    Value r = filledTensor(rewriter, loc, (*shapes)[0], scalar);
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

/// Range: max(ceil((limit - start) / delta), 0) elements start + i * delta,
/// the count computed at run time unless folding already did.
struct RangeLowering : ONNXConversion<RangeOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type onnxElem = onnxElementType(op.getStart());
    auto scalarOf = [&](Value t) -> Value {
      return tensor::ExtractOp::create(rewriter, loc, t, ValueRange{});
    };
    Value start = scalarOf(adaptor.getStart()), limit = scalarOf(adaptor.getLimit()),
          delta = scalarOf(adaptor.getDelta());
    Scalar s(rewriter, loc, onnxElem);
    // Counted at run time even where the model declares the size: the
    // declaration is checked against it (replaceOp), not trusted.
    // In f64, as the reference computes ceil((limit - start) / delta).
    Type f64 = rewriter.getF64Type();
    Value span = arith::SubFOp::create(rewriter, loc, convertScalar(rewriter, loc, limit, onnxElem, f64),
                                       convertScalar(rewriter, loc, start, onnxElem, f64));
    Value n = math::CeilOp::create(
        rewriter, loc, arith::DivFOp::create(rewriter, loc, span,
                                             convertScalar(rewriter, loc, delta, onnxElem, f64)));
    // Clamped before the conversion, which is undefined for NaN and
    // infinities (delta 0); a count too large to allocate is then refused
    // at run time as out of memory.
    n = arith::MinNumFOp::create(rewriter, loc, n, arith::ConstantFloatOp::create(
                                                       rewriter, loc, cast<FloatType>(f64), APFloat(0x1p62)));
    n = arith::MaxNumFOp::create(rewriter, loc, n, arith::ConstantFloatOp::create(
                                                       rewriter, loc, cast<FloatType>(f64), APFloat(0.0)));
    Value n64 = arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(), n);
    Value count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), n64);
    Value r = buildElementwise(
        rewriter, loc, {count}, s.type(), ValueRange{}, [&](OpBuilder &b, Location l, ValueRange) {
          Scalar sc(b, l, onnxElem);
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, 0));
          return sc.add(start, sc.mul(convertScalar(b, l, i, b.getI64Type(), onnxElem), delta));
        });
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

/// EyeLike: ones on the k-th diagonal.
struct EyeLikeLowering : ONNXConversion<EyeLikeOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(EyeLikeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    if (typeOf(in).getRank() != 2)
      return unsupported(op, rewriter, "expects a 2-D input");
    Type onnxElem = onnxElementType(op.getOutput());
    int64_t k = op.getK();
    Value r = buildElementwise(rewriter, loc, sizesOf(rewriter, loc, in), resultType(op).getElementType(),
                               ValueRange{}, [&](OpBuilder &b, Location l, ValueRange) {
                                 Scalar s(b, l, onnxElem);
                                 Value i = linalg::IndexOp::create(b, l, 0);
                                 Value j = linalg::IndexOp::create(b, l, 1);
                                 Value on = arith::CmpIOp::create(
                                     b, l, arith::CmpIPredicate::eq, arith::SubIOp::create(b, l, j, i),
                                     arith::ConstantIndexOp::create(b, l, k));
                                 return s.select(on, s.constant(1), s.constant(0));
                               });
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateConstantPatterns(const ONNXTypeConverter &tc,
                                                        RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, ShapeLowering, SizeLowering, ConstantOfShapeLowering,
               RangeLowering, EyeLikeLowering>(tc, patterns.getContext());
}
