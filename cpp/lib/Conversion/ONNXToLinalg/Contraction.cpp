//===- Contraction.cpp - MatMul, Gemm and Conv to contractions --------------===//
#include "Utils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

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

} // namespace

void onnx_mlc::onnx_to_linalg::populateContractionPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerMatMul, LowerGemm, LowerFusedGemm, LowerConv, LowerFusedConv>(patterns.getContext());
}
