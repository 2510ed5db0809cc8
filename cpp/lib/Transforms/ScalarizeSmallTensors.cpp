//===- ScalarizeSmallTensors.cpp - mlc-scalarize-small-tensors ------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_SCALARIZESMALLTENSORSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

/// The static shape of `t` if it has at most `limit` elements. Not for i1
/// tensors: their buffers are widened to bytes later, element by element,
/// which a buffer built from scalars would not be. Nor for empty ones: they
/// would fold to a constant, whose type LLVM builds as nested arrays of the
/// (possibly huge) other sizes.
std::optional<ArrayRef<int64_t>> smallShape(Type t, int64_t limit) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor || !tensor.hasStaticShape() || tensor.getNumElements() > limit ||
      tensor.getNumElements() == 0 ||
      tensor.getElementType().isInteger(1))
    return std::nullopt;
  return tensor.getShape();
}

/// The multi-index of element `linear` of a row-major `shape`.
SmallVector<int64_t> delinearize(int64_t linear, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> index(shape.size());
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    index[d] = linear % shape[d];
    linear /= shape[d];
  }
  return index;
}

SmallVector<Value> indexConstants(OpBuilder &b, Location loc, ArrayRef<int64_t> index) {
  return llvm::map_to_vector(index, [&](int64_t i) -> Value {
    return arith::ConstantIndexOp::create(b, loc, i);
  });
}

/// A parallel linalg.generic with one small static result becomes one
/// scalar computation per element, gathered by tensor.from_elements.
struct UnrollSmallGeneric : OpRewritePattern<linalg::GenericOp> {
  UnrollSmallGeneric(MLIRContext *ctx, int64_t limit)
      : OpRewritePattern(ctx), limit(limit) {}

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumParallelLoops() != op.getNumLoops())
      return failure();
    std::optional<ArrayRef<int64_t>> shape = smallShape(op.getResult(0).getType(), limit);
    AffineMap outMap = op.getIndexingMapMatchingResult(op->getResult(0));
    if (!shape || !outMap.isIdentity())
      return failure();
    Block *body = op.getBody();
    for (Operation &inner : body->without_terminator())
      if (inner.getNumRegions() != 0 || !isMemoryEffectFree(&inner))
        return failure();

    Location loc = op.getLoc();
    SmallVector<Value> elements;
    int64_t count = cast<RankedTensorType>(op.getResult(0).getType()).getNumElements();
    for (int64_t e = 0; e < count; ++e) {
      SmallVector<int64_t> iv = delinearize(e, *shape);
      IRMapping mapping;
      for (OpOperand &operand : op->getOpOperands()) {
        SmallVector<int64_t> at = llvm::map_to_vector(
            op.getMatchingIndexingMap(&operand).compose(iv), [](int64_t i) { return i; });
        Value element = tensor::ExtractOp::create(rewriter, loc, operand.get(),
                                                  indexConstants(rewriter, loc, at));
        mapping.map(op.getMatchingBlockArgument(&operand), element);
      }
      for (Operation &inner : body->without_terminator()) {
        if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
          mapping.map(index.getResult(),
                      arith::ConstantIndexOp::create(rewriter, loc, iv[index.getDim()]));
          continue;
        }
        rewriter.clone(inner, mapping);
      }
      elements.push_back(mapping.lookupOrDefault(body->getTerminator()->getOperand(0)));
    }
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getResult(0).getType(),
                                                        elements);
    return success();
  }

  int64_t limit;
};

/// A static insert_slice into a small tensor becomes tensor.from_elements:
/// each element is read from the source or from the destination.
struct ScalarizeSmallInsertSlice : OpRewritePattern<tensor::InsertSliceOp> {
  ScalarizeSmallInsertSlice(MLIRContext *ctx, int64_t limit)
      : OpRewritePattern(ctx), limit(limit) {}

  LogicalResult matchAndRewrite(tensor::InsertSliceOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<ArrayRef<int64_t>> shape = smallShape(op.getType(), limit);
    if (!shape || !op.getSourceType().hasStaticShape() || !op.hasUnitStride() ||
        ShapedType::isDynamicShape(op.getStaticOffsets()) ||
        op.getSourceType().getRank() != op.getType().getRank())
      return failure();
    ArrayRef<int64_t> offsets = op.getStaticOffsets();
    ArrayRef<int64_t> sizes = op.getStaticSizes();
    Location loc = op.getLoc();
    SmallVector<Value> elements;
    for (int64_t e = 0, n = op.getType().getNumElements(); e < n; ++e) {
      SmallVector<int64_t> at = delinearize(e, *shape);
      bool inside = true;
      SmallVector<int64_t> inSource(at.size());
      for (size_t d = 0; d < at.size(); ++d) {
        inSource[d] = at[d] - offsets[d];
        inside &= inSource[d] >= 0 && inSource[d] < sizes[d];
      }
      elements.push_back(tensor::ExtractOp::create(
          rewriter, loc, inside ? op.getSource() : op.getDest(),
          indexConstants(rewriter, loc, inside ? inSource : at)));
    }
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(), elements);
    return success();
  }

  int64_t limit;
};

/// tensor.dim of a tensor.expand_shape is the size it was expanded to, so
/// that sizes stay the values they were computed from.
struct DimOfExpandShape : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::DimOp op, PatternRewriter &rewriter) const override {
    auto expand = op.getSource().getDefiningOp<tensor::ExpandShapeOp>();
    std::optional<int64_t> dim = op.getConstantIndex();
    if (!expand || !dim || *dim < 0 || *dim >= expand.getResultType().getRank())
      return failure();
    OpFoldResult size = expand.getMixedOutputShape()[*dim];
    rewriter.replaceOp(op, getValueOrCreateConstantIndexOp(rewriter, op.getLoc(), size));
    return success();
  }
};

/// tensor.dim of a tensor.collapse_shape is the product of the sizes it
/// collapsed.
struct DimOfCollapseShape : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::DimOp op, PatternRewriter &rewriter) const override {
    auto collapse = op.getSource().getDefiningOp<tensor::CollapseShapeOp>();
    std::optional<int64_t> dim = op.getConstantIndex();
    if (!collapse || !dim || *dim < 0 || *dim >= collapse.getResultType().getRank())
      return failure();
    Location loc = op.getLoc();
    Value size = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
    for (int64_t d : groups[*dim])
      size = arith::MulIOp::create(rewriter, loc, size,
                                   tensor::DimOp::create(rewriter, loc, collapse.getSrc(), d));
    rewriter.replaceOp(op, size);
    return success();
  }
};

/// Size `d` of `v`, yielded inside `ifOp`, as a value computed before
/// `ifOp`, or null where it is only known inside.
Value sizeBefore(PatternRewriter &rewriter, scf::IfOp ifOp, Value v, int64_t d) {
  auto type = cast<RankedTensorType>(v.getType());
  Location loc = ifOp.getLoc();
  if (!type.isDynamicDim(d))
    return arith::ConstantIndexOp::create(rewriter, loc, type.getDimSize(d));
  Operation *def = v.getDefiningOp();
  if (!def || !ifOp->isProperAncestor(def))
    return tensor::DimOp::create(rewriter, loc, v, d);
  auto before = [&](OpFoldResult size) -> Value {
    if (auto value = dyn_cast<Value>(size))
      if (Operation *sizeDef = value.getDefiningOp(); sizeDef && ifOp->isAncestor(sizeDef))
        return nullptr;
    return getValueOrCreateConstantIndexOp(rewriter, loc, size);
  };
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(def))
    return sizeBefore(rewriter, ifOp, dps.getTiedOpOperand(cast<OpResult>(v))->get(), d);
  if (auto cast = dyn_cast<tensor::CastOp>(def))
    return sizeBefore(rewriter, ifOp, cast.getSource(), d);
  if (auto empty = dyn_cast<tensor::EmptyOp>(def))
    return before(empty.getMixedSizes()[d]);
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def))
    return before(expand.getMixedOutputShape()[d]);
  return nullptr;
}

/// tensor.dim of an scf.if result is a select between the sizes the two
/// branches yield, where both are known before the scf.if: a broadcast
/// decided at run time then keeps its sizes in terms of the inputs'.
struct DimOfIf : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::DimOp op, PatternRewriter &rewriter) const override {
    auto result = dyn_cast<OpResult>(op.getSource());
    auto ifOp = result ? dyn_cast<scf::IfOp>(result.getOwner()) : nullptr;
    std::optional<int64_t> dim = op.getConstantIndex();
    if (!ifOp || !dim || ifOp.getElseRegion().empty() || *dim < 0 ||
        *dim >= cast<RankedTensorType>(result.getType()).getRank())
      return failure();
    unsigned i = result.getResultNumber();
    rewriter.setInsertionPoint(ifOp);
    Value thenSize = sizeBefore(rewriter, ifOp, ifOp.thenYield().getOperand(i), *dim);
    Value elseSize = sizeBefore(rewriter, ifOp, ifOp.elseYield().getOperand(i), *dim);
    if (!thenSize || !elseSize)
      return failure();
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, ifOp.getCondition(), thenSize, elseSize);
    return success();
  }
};

/// tensor.extract of a static, unit-rank-preserving tensor.extract_slice
/// reads the sliced tensor directly.
struct ExtractOfExtractSlice : OpRewritePattern<tensor::ExtractOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractOp op, PatternRewriter &rewriter) const override {
    auto slice = op.getTensor().getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice || slice.getSourceType().getRank() != slice.getType().getRank() ||
        ShapedType::isDynamicShape(slice.getStaticOffsets()) ||
        ShapedType::isDynamicShape(slice.getStaticStrides()))
      return failure();
    Location loc = op.getLoc();
    SmallVector<Value> indices;
    for (auto [index, offset, stride] :
         llvm::zip(op.getIndices(), slice.getStaticOffsets(), slice.getStaticStrides())) {
      Value scaled = arith::MulIOp::create(rewriter, loc, index,
                                           arith::ConstantIndexOp::create(rewriter, loc, stride));
      indices.push_back(arith::AddIOp::create(
          rewriter, loc, scaled, arith::ConstantIndexOp::create(rewriter, loc, offset)));
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractOp>(op, slice.getSource(), indices);
    return success();
  }
};

struct ScalarizeSmallTensorsPass
    : onnx_mlc::impl::ScalarizeSmallTensorsPassBase<ScalarizeSmallTensorsPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<UnrollSmallGeneric, ScalarizeSmallInsertSlice>(ctx, maxElements);
    patterns.add<DimOfExpandShape, DimOfCollapseShape, DimOfIf, ExtractOfExtractSlice>(ctx);
    // What makes the chains collapse: extract(from_elements) and reshapes
    // of from_elements fold.
    tensor::ExtractOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::FromElementsOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ReshapeOp::getCanonicalizationPatterns(patterns, ctx);
    // An optimization: whatever is left unscalarized still lowers.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace
