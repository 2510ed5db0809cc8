//===- DataMovement.cpp - Shape, layout and constant ops --------------------===//
#include "Utils.h"
#include "onnx_mlc/Dialect/ONNX/ONNXConstantEval.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

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

} // namespace

void onnx_mlc::onnx_to_linalg::populateDataMovementPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerExpand, LowerTranspose, LowerConcat, LowerGather, LowerConstant,
               LowerReshapeLike<ReshapeOp>, LowerReshapeLike<FlattenOp>,
               LowerReshapeLike<SqueezeOp>, LowerReshapeLike<UnsqueezeOp>,
               LowerPassThrough<IdentityOp>, LowerPassThrough<DropoutOp>,
               LowerToConstant<ShapeOp>, LowerToConstant<ConstantOfShapeOp>>(patterns.getContext());
}
