//===- Contraction.cpp - MatMul, Gemm and Conv to contractions ------------===//
//
// Every contraction becomes one linalg.generic computing
// C[..., m, n] += A[..., m, k] * B[..., k, n] (with the operands' own
// indexing), which mlc-vectorize-contractions turns into register-tiled
// kernels after bufferization. Convolutions get there through im2col.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

/// acc + a * b, with a and b of `elem` and acc of accumulatorType(elem).
Value multiplyAdd(OpBuilder &b, Location loc, Type elem, ValueRange args) {
  Type acc = accumulatorType(elem);
  Scalar s(b, loc, acc);
  return s.add(args[2], s.mul(convertScalar(b, loc, args[0], elem, acc),
                              convertScalar(b, loc, args[1], elem, acc)));
}

struct MatMulLowering : ONNXConversion<MatMulOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    Value a = adaptor.getA(), bv = adaptor.getB();
    Type onnxElem = onnxElementType(op.getA());
    Type elem = resultType(op).getElementType();
    // Promote 1-D operands as numpy does: A to 1xK, B to Kx1.
    Sizes aSizes = sizesOf(rewriter, loc, a), bSizes = sizesOf(rewriter, loc, bv);
    if (aSizes.size() == 1) {
      aSizes.insert(aSizes.begin(), rewriter.getIndexAttr(1));
      a = reshapeTo(rewriter, loc, a, aSizes);
    }
    if (bSizes.size() == 1) {
      bSizes.push_back(rewriter.getIndexAttr(1));
      bv = reshapeTo(rewriter, loc, bv, bSizes);
    }
    SmallVector<int64_t> aShape(typeOf(a).getShape()), bShape(typeOf(bv).getShape());
    int64_t batchRank = std::max(aShape.size(), bShape.size()) - 2;
    // The accumulator: the result's batch dims, then m and n (1 where an
    // operand was promoted).
    Sizes acc((*shapes)[0].begin(), (*shapes)[0].begin() + batchRank);
    acc.push_back(aSizes[aSizes.size() - 2]);
    acc.push_back(bSizes.back());
    // Iteration space: batch..., m, n, k.
    int64_t numDims = batchRank + 3;
    auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
    auto batchExprs = [&](ArrayRef<int64_t> shape) {
      SmallVector<AffineExpr> e;
      int64_t own = shape.size() - 2, offset = batchRank - own;
      for (int64_t d = 0; d < own; ++d)
        e.push_back(shape[d] == 1 && getConstantIntValue(acc[d + offset]) != 1
                        ? getAffineConstantExpr(0, ctx)
                        : dim(d + offset));
      return e;
    };
    SmallVector<AffineExpr> aExprs = batchExprs(aShape), bExprs = batchExprs(bShape), oExprs;
    aExprs.append({dim(batchRank), dim(batchRank + 2)});
    bExprs.append({dim(batchRank + 2), dim(batchRank + 1)});
    for (int64_t d = 0; d < batchRank + 2; ++d)
      oExprs.push_back(dim(d));
    SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, aExprs, ctx),
                                AffineMap::get(numDims, 0, bExprs, ctx),
                                AffineMap::get(numDims, 0, oExprs, ctx)};
    SmallVector<utils::IteratorType> iters(numDims - 1, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value init = filledTensor(rewriter, loc, acc,
                              Scalar(rewriter, loc, accumulatorType(onnxElem)).constant(0));
    (void)elem;
    Value product = linalg::GenericOp::create(
                        rewriter, loc, init.getType(), ValueRange{a, bv}, init, maps, iters,
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          linalg::YieldOp::create(b, l, multiplyAdd(b, l, onnxElem, args));
                        })
                        .getResult(0);
    product = convertTensor(rewriter, loc, product, accumulatorType(onnxElem), onnxElem);
    this->replaceOp(op, rewriter, reshapeTo(rewriter, loc, product, (*shapes)[0]));
    return success();
  }
};

/// Gemm and FusedGemm: acc = A' B' into an init of beta*C (or 0), then
/// alpha and the activation in one elementwise epilogue if needed.
template <typename GemmLike>
struct GemmLowering : ONNXConversion<GemmLike> {
  using Base = ONNXConversion<GemmLike>;
  using Base::Base;
  LogicalResult matchAndRewrite(GemmLike op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    FailureOr<ShapeList> shapes = this->resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return this->unsupported(op, rewriter, "the result shape cannot be computed");
    Sizes out = (*shapes)[0];
    Type onnxElem = onnxElementType(op.getA());
    Type accElem = accumulatorType(onnxElem);
    Type elem = accElem;
    Scalar s(rewriter, loc, accElem);
    StringRef activation = getActivation(op);
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    bool hasC = !isNone(op.getC()) && beta != 0.0;

    Value init;
    if (hasC && alpha == 1.0) {
      init = buildElementwise(rewriter, loc, out, elem, adaptor.getC(),
                              [&](OpBuilder &b, Location l, ValueRange a) {
                                Scalar sc(b, l, accElem);
                                Value c = convertScalar(b, l, a[0], onnxElem, accElem);
                                return beta == 1.0 ? c : sc.mul(c, sc.constant(beta));
                              });
    } else {
      init = filledTensor(rewriter, loc, out, s.constant(0));
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
                    rewriter, loc, init.getType(), ValueRange{adaptor.getA(), adaptor.getB()},
                    init, ArrayRef<AffineMap>{aMap, bMap, oMap}, iters,
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      linalg::YieldOp::create(b, l, multiplyAdd(b, l, onnxElem, args));
                    })
                    .getResult(0);
    bool needsC = hasC && alpha != 1.0;
    if (alpha == 1.0) {
      acc = activateInPlace(rewriter, loc, activation, acc);
    } else {
      SmallVector<Value> inputs{acc};
      if (needsC)
        inputs.push_back(adaptor.getC());
      acc = buildElementwise(rewriter, loc, out, elem, inputs,
                             [&](OpBuilder &b, Location l, ValueRange a) {
                               Scalar sc(b, l, accElem);
                               Value v = sc.mul(a[0], sc.constant(alpha));
                               if (needsC)
                                 v = sc.add(v, sc.mul(convertScalar(b, l, a[1], onnxElem, accElem),
                                                      sc.constant(beta)));
                               return applyActivation(sc, activation, v);
                             });
    }
    this->replaceOp(op, rewriter, convertTensor(rewriter, loc, acc, accElem, onnxElem));
    return success();
  }
  static StringRef getActivation(GemmOp) { return ""; }
  static StringRef getActivation(FusedGemmOp op) { return op.getActivation(); }
};

/// Conv and FusedConv of any spatial rank and group count, as an im2col
/// copy and a batched contraction accumulating into the bias.
template <typename ConvLike>
struct ConvLowering : ONNXConversion<ConvLike> {
  using Base = ONNXConversion<ConvLike>;
  using Base::Base;
  LogicalResult matchAndRewrite(ConvLike op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType wType = typeOf(adaptor.getW());
    if (!wType.hasStaticShape())
      return this->unsupported(op, rewriter, "weights of dynamic shape are not supported");
    FailureOr<ShapeList> shapes = this->resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return this->unsupported(op, rewriter, "the result shape cannot be computed");
    Sizes out = (*shapes)[0];
    Type onnxElem = onnxElementType(op.getX());
    Type elem = accumulatorType(onnxElem);
    Scalar s(rewriter, loc, elem);
    Value xIn = adaptor.getX();
    int64_t spatial = typeOf(xIn).getRank() - 2;
    SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
    DimBuilder dims(rewriter, loc, op->getOperands(), adaptor.getOperands());
    Sizes xSizes = sizesOf(rewriter, loc, xIn);
    std::string error;
    FailureOr<WindowGeometry> g = computeWindowGeometry(
        dims, ArrayRef(xSizes).drop_front(2), kernel, op.getStrides(), op.getDilations(),
        op.getPads(), op.getAutoPad(), false, error);
    if (failed(g))
      return this->unsupported(op, rewriter, error);
    Value zero = s.constant(0);
    Sizes lo{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)}, hi(lo);
    lo.append(g->pads.begin(), g->pads.begin() + spatial);
    hi.append(g->pads.begin() + spatial, g->pads.end());
    Value x = padTensor(rewriter, loc, xIn, lo, hi, Scalar(rewriter, loc, onnxElem).constant(0));

    // The accumulator starts as the bias broadcast over (n, f, out...).
    Value init;
    if (!isNone(op.getB())) {
      int64_t rank = out.size();
      SmallVector<AffineMap> maps{AffineMap::get(rank, 0, getAffineDimExpr(1, ctx)),
                                  AffineMap::getMultiDimIdentityMap(rank, ctx)};
      Value empty = emptyTensor(rewriter, loc, out, elem);
      init = linalg::GenericOp::create(
                 rewriter, loc, empty.getType(), adaptor.getB(), empty, maps,
                 SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   linalg::YieldOp::create(b, l, convertScalar(b, l, a[0], onnxElem, elem));
                 })
                 .getResult(0);
    } else {
      init = filledTensor(rewriter, loc, out, zero);
    }

    // As a matrix product per image and group (im2col): out[n, g, f, p] =
    // sum over k of w[g, f, k] * col[n, g, k, p], where p runs over output
    // positions and k over (input channel, kernel offset). The contraction is
    // then what mlc-vectorize-contractions turns into register-tiled kernels.
    int64_t group = op.getGroup();
    OpFoldResult batch = out[0];
    int64_t filters = wType.getDimSize(0), cPerGroup = wType.getDimSize(1);
    int64_t fPerGroup = filters / group;
    Sizes outSpatial(out.begin() + 2, out.end());
    int64_t kernelSize = ShapedType::getNumElements(kernel);
    OpFoldResult positions = dims.product(outSpatial);
    int64_t reduced = cPerGroup * kernelSize;
    auto idx = [&](int64_t v) -> OpFoldResult { return rewriter.getIndexAttr(v); };
    Sizes colSizes{batch, idx(group), idx(reduced), positions};
    bool unitStrides = llvm::all_of(g->strides, [](int64_t v) { return v == 1; });
    bool noPads = llvm::all_of(g->pads, [](OpFoldResult p) { return getConstantIntValue(p) == 0; });
    Value col;
    if (kernelSize == 1 && unitStrides && noPads) {
      col = reshapeTo(rewriter, loc, x, colSizes);
    } else {
      // Iteration space (n, g, c, kernel..., out...), the layout of col.
      auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
      int64_t numDims = 3 + 2 * spatial;
      SmallVector<AffineExpr> xExprs{d(0), d(1) * cPerGroup + d(2)};
      Sizes fullSizes{batch, idx(group), idx(cPerGroup)};
      for (int64_t k : kernel)
        fullSizes.push_back(idx(k));
      fullSizes.append(outSpatial);
      for (int64_t i = 0; i < spatial; ++i)
        xExprs.push_back(d(3 + spatial + i) * g->strides[i] + d(3 + i) * g->dilations[i]);
      SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, xExprs, ctx),
                                  AffineMap::getMultiDimIdentityMap(numDims, ctx)};
      Value empty = emptyTensor(rewriter, loc, fullSizes, storageType(onnxElem));
      Value full = linalg::GenericOp::create(
                       rewriter, loc, empty.getType(), x, empty, maps,
                       SmallVector<utils::IteratorType>(numDims, utils::IteratorType::parallel),
                       [](OpBuilder &b, Location l, ValueRange a) {
                         linalg::YieldOp::create(b, l, a[0]);
                       })
                       .getResult(0);
      col = reshapeTo(rewriter, loc, full, colSizes);
    }
    Value w = reshapeTo(rewriter, loc, adaptor.getW(), {idx(group), idx(fPerGroup), idx(reduced)});
    Sizes accSizes{batch, idx(group), idx(fPerGroup), positions};
    // dims: n=0, g=1, f=2, p=3, k=4
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineMap> maps{AffineMap::get(5, 0, {d(1), d(2), d(4)}, ctx),
                                AffineMap::get(5, 0, {d(0), d(1), d(4), d(3)}, ctx),
                                AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value accInit = reshapeTo(rewriter, loc, init, accSizes);
    Value product = linalg::GenericOp::create(
                        rewriter, loc, accInit.getType(), ValueRange{w, col}, accInit, maps,
                        iters,
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          linalg::YieldOp::create(b, l, multiplyAdd(b, l, onnxElem, args));
                        })
                        .getResult(0);
    product = activateInPlace(rewriter, loc, getActivation(op), product);
    product = convertTensor(rewriter, loc, product, accumulatorType(onnxElem), onnxElem);
    this->replaceOp(op, rewriter, reshapeTo(rewriter, loc, product, out));
    return success();
  }
  static StringRef getActivation(ConvOp) { return ""; }
  static StringRef getActivation(FusedConvOp op) { return op.getActivation(); }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateContractionPatterns(const ONNXTypeConverter &tc,
                                                           RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering<GemmOp>, GemmLowering<FusedGemmOp>,
               ConvLowering<ConvOp>, ConvLowering<FusedConvOp>>(tc, patterns.getContext());
}
