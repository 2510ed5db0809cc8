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
    // Batch dims known only at run time may be 1 and broadcast.
    auto batchBroadcast = [&](Value v, const Sizes &own) {
      Sizes target(acc.begin(), acc.begin() + batchRank);
      target.append(own.end() - 2, own.end());
      return broadcastAtRunTime(rewriter, loc, v, target);
    };
    a = batchBroadcast(a, aSizes);
    bv = batchBroadcast(bv, bSizes);
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
    SmallVector<float> params = getActivationParams(op);
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
      acc = activateInPlace(rewriter, loc, activation, params, acc);
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
                               return applyActivation(sc, activation, v, params);
                             });
    }
    this->replaceOp(op, rewriter, convertTensor(rewriter, loc, acc, accElem, onnxElem));
    return success();
  }
  static StringRef getActivation(GemmOp) { return ""; }
  static StringRef getActivation(FusedGemmOp op) { return op.getActivation(); }
  static SmallVector<float> getActivationParams(GemmOp) { return {}; }
  static SmallVector<float> getActivationParams(FusedGemmOp op) {
    return SmallVector<float>(op.getActivationParams().value_or(ArrayRef<float>{}));
  }
};

/// A convolution of the padded input `x` (N, C, spatial...) with weights
/// `w` (F, C / group, kernel...) into sizes `out`, plus `bias` (or none),
/// `sum` (a residual input of the output's shape, or null) and
/// `activation`, as an im2col copy and a batched contraction: out[n, g, f,
/// p] = sum over k of w[g, f, k] * col[n, g, k, p], where p runs over output
/// positions and k over (input channel, kernel offset), then the bias and
/// activation. The contraction is then what mlc-vectorize-contractions
/// turns into register-tiled kernels. Depthwise convolutions are a direct
/// loop nest instead.
/// `acc` plus each of `terms` (a value and its indexing map over acc's
/// dims), then `activation`, as one elementwise generic that updates acc in
/// place: the epilogue that mlc-vectorize-contractions applies to a
/// kernel's accumulators before storing them.
static Value addInPlace(OpBuilder &b, Location loc, Value acc,
                        ArrayRef<std::pair<Value, AffineMap>> terms, StringRef activation,
                        ArrayRef<float> params, Type onnxElem) {
  if (terms.empty())
    return activateInPlace(b, loc, activation, params, acc);
  RankedTensorType type = typeOf(acc);
  SmallVector<Value> values;
  SmallVector<AffineMap> maps;
  for (auto [value, map] : terms) {
    values.push_back(value);
    maps.push_back(map);
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext()));
  return linalg::GenericOp::create(
             b, loc, type, values, acc, maps,
             SmallVector<utils::IteratorType>(type.getRank(), utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Scalar s(nb, l, type.getElementType());
               Value v = args.back();
               for (Value term : args.drop_back())
                 v = s.add(v, convertScalar(nb, l, term, onnxElem, type.getElementType()));
               linalg::YieldOp::create(nb, l, applyActivation(s, activation, v, params));
             })
      .getResult(0);
}

Value buildConvolution(OpBuilder &b, Location loc, Value x, Value w, Value bias, Value sum,
                       int64_t group, ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                       ArrayRef<OpFoldResult> out, StringRef activation, ArrayRef<float> params,
                       Type onnxElem) {
  MLIRContext *ctx = b.getContext();
  Type elem = accumulatorType(onnxElem);
  RankedTensorType wType = typeOf(w);
  int64_t spatial = typeOf(x).getRank() - 2;
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  int64_t filters = wType.getDimSize(0), cPerGroup = wType.getDimSize(1);
  auto idx = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
  if (cPerGroup == 1 && group == filters && group > 1) {
    // Depthwise: each output channel reads its own input channel, so there
    // is nothing to share between channels and im2col would only copy the
    // input kernel-size times. A direct loop nest (n, f, out..., kernel...,
    // last out) instead, accumulating from zero, then the bias, sum and
    // activation in one epilogue: mlc-vectorize-contractions vectorizes the
    // 2-D case along the output rows, every tap accumulated in registers
    // from zero and the epilogue applied before the one store.
    Value init = filledTensor(b, loc, out, Scalar(b, loc, elem).constant(0));
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    int64_t numDims = 2 + 2 * spatial;
    auto outDim = [&](int64_t i) { return i + 1 < spatial ? 2 + i : numDims - 1; };
    auto kernelDim = [&](int64_t i) { return 1 + spatial + i; };
    SmallVector<AffineExpr> xExprs{d(0), d(1)}, wExprs{d(1)}, outExprs{d(0), d(1)};
    for (int64_t i = 0; i < spatial; ++i) {
      xExprs.push_back(d(outDim(i)) * strides[i] + d(kernelDim(i)) * dilations[i]);
      wExprs.push_back(d(kernelDim(i)));
      outExprs.push_back(d(outDim(i)));
    }
    Sizes wSizes{idx(filters)};
    for (int64_t k : kernel)
      wSizes.push_back(idx(k));
    SmallVector<utils::IteratorType> iters(numDims, utils::IteratorType::parallel);
    for (int64_t i = 0; i < spatial; ++i)
      iters[kernelDim(i)] = utils::IteratorType::reduction;
    SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, xExprs, ctx),
                                AffineMap::get(numDims, 0, wExprs, ctx),
                                AffineMap::get(numDims, 0, outExprs, ctx)};
    Value product = linalg::GenericOp::create(
                        b, loc, init.getType(), ValueRange{x, reshapeTo(b, loc, w, wSizes)}, init,
                        maps, iters,
                        [&](OpBuilder &nb, Location l, ValueRange args) {
                          linalg::YieldOp::create(nb, l, multiplyAdd(nb, l, onnxElem, args));
                        })
                        .getResult(0);
    SmallVector<std::pair<Value, AffineMap>> terms;
    if (!isNone(bias))
      terms.push_back({bias, AffineMap::get(out.size(), 0, d(1))});
    if (sum)
      terms.push_back({sum, AffineMap::getMultiDimIdentityMap(out.size(), ctx)});
    product = addInPlace(b, loc, product, terms, activation, params, onnxElem);
    return convertTensor(b, loc, product, elem, onnxElem);
  }
  DimBuilder dims(b, loc);
  OpFoldResult batch = out[0];
  int64_t fPerGroup = filters / group;
  Sizes outSpatial(out.begin() + 2, out.end());
  int64_t kernelSize = ShapedType::getNumElements(kernel);
  OpFoldResult positions = dims.product(outSpatial);
  int64_t reduced = cPerGroup * kernelSize;
  Sizes colSizes{batch, idx(group), idx(reduced), positions};
  bool unitStrides = llvm::all_of(strides, [](int64_t v) { return v == 1; });
  Sizes xSpatial = sizesOf(b, loc, x);
  bool samePositions = llvm::equal(staticSizes(ArrayRef(xSpatial).drop_front(2)), staticSizes(outSpatial)) &&
                       llvm::none_of(staticSizes(outSpatial), ShapedType::isDynamic);
  Value col;
  if (kernelSize == 1 && unitStrides && samePositions) {
    col = reshapeTo(b, loc, x, colSizes);
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
      xExprs.push_back(d(3 + spatial + i) * strides[i] + d(3 + i) * dilations[i]);
    SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, xExprs, ctx),
                                AffineMap::getMultiDimIdentityMap(numDims, ctx)};
    Value empty = emptyTensor(b, loc, fullSizes, storageType(onnxElem));
    Value full = linalg::GenericOp::create(
                     b, loc, empty.getType(), x, empty, maps,
                     SmallVector<utils::IteratorType>(numDims, utils::IteratorType::parallel),
                     [](OpBuilder &nb, Location l, ValueRange a) { linalg::YieldOp::create(nb, l, a[0]); })
                     .getResult(0);
    col = reshapeTo(b, loc, full, colSizes);
  }
  Value wMat = reshapeTo(b, loc, w, {idx(group), idx(fPerGroup), idx(reduced)});
  Sizes accSizes{batch, idx(group), idx(fPerGroup), positions};
  // dims: n=0, g=1, f=2, p=3, k=4
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(5, 0, {d(1), d(2), d(4)}, ctx),
                              AffineMap::get(5, 0, {d(0), d(1), d(4), d(3)}, ctx),
                              AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)};
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);
  // The products accumulate from zero; the bias and the activation follow
  // in one elementwise epilogue. mlc-vectorize-contractions then starts the
  // kernel's accumulators at zero and applies the epilogue to them before
  // they are stored, so that the output is written once.
  Value accInit = filledTensor(b, loc, accSizes, Scalar(b, loc, elem).constant(0));
  Value product = linalg::GenericOp::create(
                      b, loc, accInit.getType(), ValueRange{wMat, col}, accInit, maps, iters,
                      [&](OpBuilder &nb, Location l, ValueRange args) {
                        linalg::YieldOp::create(nb, l, multiplyAdd(nb, l, onnxElem, args));
                      })
                      .getResult(0);
  // bias[g * fPerGroup + f] and sum[n, g, f, p] over (n, g, f, p).
  SmallVector<std::pair<Value, AffineMap>> terms;
  if (!isNone(bias))
    terms.push_back({bias, AffineMap::get(4, 0, d(1) * fPerGroup + d(2))});
  if (sum)
    terms.push_back({reshapeTo(b, loc, sum, accSizes), AffineMap::getMultiDimIdentityMap(4, ctx)});
  product = addInPlace(b, loc, product, terms, activation, params, onnxElem);
  product = convertTensor(b, loc, product, elem, onnxElem);
  return reshapeTo(b, loc, product, out);
}

/// Conv and FusedConv of any spatial rank and group count: the input padded,
/// then buildConvolution.
template <typename ConvLike>
struct ConvLowering : ONNXConversion<ConvLike> {
  using Base = ONNXConversion<ConvLike>;
  using Base::Base;
  LogicalResult matchAndRewrite(ConvLike op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType wType = typeOf(adaptor.getW());
    if (!wType.hasStaticShape())
      return this->unsupported(op, rewriter, "weights of dynamic shape are not supported");
    FailureOr<ShapeList> shapes = this->resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return this->unsupported(op, rewriter, "the result shape cannot be computed");
    Type onnxElem = onnxElementType(op.getX());
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
    Sizes lo{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)}, hi(lo);
    lo.append(g->pads.begin(), g->pads.begin() + spatial);
    hi.append(g->pads.begin() + spatial, g->pads.end());
    Value x = padTensor(rewriter, loc, xIn, lo, hi, Scalar(rewriter, loc, onnxElem).constant(0));
    Value residual;
    if constexpr (std::is_same_v<ConvLike, FusedConvOp>)
      residual = adaptor.getZ();
    this->replaceOp(op, rewriter,
                    buildConvolution(rewriter, loc, x, adaptor.getW(), adaptor.getB(),
                                     residual, op.getGroup(), g->strides, g->dilations, (*shapes)[0], getActivation(op),
                                     getActivationParams(op), onnxElem));
    return success();
  }
  static StringRef getActivation(ConvOp) { return ""; }
  static StringRef getActivation(FusedConvOp op) { return op.getActivation(); }
  static SmallVector<float> getActivationParams(ConvOp) { return {}; }
  static SmallVector<float> getActivationParams(FusedConvOp op) {
    return SmallVector<float>(op.getActivationParams().value_or(ArrayRef<float>{}));
  }
};

/// ConvTranspose as a convolution: the input with (stride - 1) zeros
/// between its elements, padded by (kernel extent - 1 - pad) on each side
/// (negative amounts crop), convolved at stride 1 with the weights flipped
/// spatially and their two channel dims exchanged per group.
struct ConvTransposeLowering : ONNXConversion<ConvTransposeOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType wType = typeOf(adaptor.getW());
    Value xIn = adaptor.getX();
    RankedTensorType xType = typeOf(xIn);
    if (!wType.hasStaticShape() || !xType.hasStaticShape())
      return unsupported(op, rewriter, "ConvTranspose needs static input and weight shapes");
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    SmallVector<int64_t> out = staticSizes((*shapes)[0]);
    int64_t n = xType.getRank() - 2, group = op.getGroup();
    SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
    auto attr = [&](std::optional<ArrayRef<int64_t>> a, size_t size, int64_t dflt) {
      return a && !a->empty() ? SmallVector<int64_t>(a->begin(), a->end())
                              : SmallVector<int64_t>(size, dflt);
    };
    SmallVector<int64_t> strides = attr(op.getStrides(), n, 1), dil = attr(op.getDilations(), n, 1);
    SmallVector<int64_t> outPad = attr(op.getOutputPadding(), n, 0), pads = attr(op.getPads(), 2 * n, 0);
    StringRef autoPad = op.getAutoPad();
    for (int64_t i = 0; i < n; ++i) {
      int64_t extent = (kernel[i] - 1) * dil[i] + 1;
      int64_t total = strides[i] * (xType.getDimSize(i + 2) - 1) + outPad[i] + extent - out[i + 2];
      bool explicitOut = op.getOutputShape() && !op.getOutputShape()->empty();
      if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" || explicitOut) {
        int64_t half = llvm::divideFloorSigned(total, 2); // as the spec's Python
        bool upper = autoPad == "SAME_UPPER";
        pads[i] = upper ? half : total - half;
        pads[i + n] = upper ? total - half : half;
      } else if (autoPad == "VALID") {
        pads[i] = pads[i + n] = 0;
      }
    }
    Type onnxElem = onnxElementType(op.getX());
    Type elem = storageType(onnxElem);
    Scalar s(rewriter, loc, onnxElem);
    // The input spread out by the strides and padded: position
    // (kernel extent - 1 - pad_begin) + i * stride holds x[i].
    SmallVector<int64_t> lead(n), spread{xType.getDimSize(0), xType.getDimSize(1)};
    for (int64_t i = 0; i < n; ++i) {
      int64_t extent = (kernel[i] - 1) * dil[i] + 1;
      lead[i] = extent - 1 - pads[i];
      spread.push_back(out[i + 2] + extent - 1);
    }
    Sizes spreadSizes;
    for (int64_t v : spread)
      spreadSizes.push_back(rewriter.getIndexAttr(v));
    Value x = buildIndexed(rewriter, loc, spreadSizes, elem, [&](OpBuilder &b, Location l, ValueRange idx) {
      auto c = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, l, v); };
      Value ok = arith::ConstantIntOp::create(b, l, 1, 1);
      SmallVector<Value> coords{idx[0], idx[1]};
      for (int64_t i = 0; i < n; ++i) {
        Value rel = arith::SubIOp::create(b, l, idx[i + 2], c(lead[i]));
        Value q = arith::DivSIOp::create(b, l, rel, c(strides[i]));
        Value onGrid = arith::AndIOp::create(
            b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, rel, c(0)),
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                  arith::RemSIOp::create(b, l, rel, c(strides[i])), c(0)));
        onGrid = arith::AndIOp::create(
            b, l, onGrid, arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, q, c(xType.getDimSize(i + 2))));
        ok = arith::AndIOp::create(b, l, ok, onGrid);
        coords.push_back(arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, q, c(0)),
                                                c(xType.getDimSize(i + 2) - 1)));
      }
      Value v = tensor::ExtractOp::create(b, l, xIn, coords);
      return (Value)arith::SelectOp::create(b, l, ok, v, Scalar(b, l, onnxElem).constant(0));
    });
    // Weights (C, F/g, k...) -> (F, C/g, k...) flipped.
    int64_t c = wType.getDimSize(0), fPerGroup = wType.getDimSize(1), cPerGroup = c / group;
    Sizes wSizes{rewriter.getIndexAttr(fPerGroup * group), rewriter.getIndexAttr(cPerGroup)};
    for (int64_t k : kernel)
      wSizes.push_back(rewriter.getIndexAttr(k));
    Value w = buildIndexed(rewriter, loc, wSizes, elem, [&](OpBuilder &b, Location l, ValueRange idx) {
      auto cst = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, l, v); };
      Value g = arith::DivUIOp::create(b, l, idx[0], cst(fPerGroup));
      Value f = arith::RemUIOp::create(b, l, idx[0], cst(fPerGroup));
      SmallVector<Value> coords{arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, g, cst(cPerGroup)), idx[1]), f};
      for (int64_t i = 0; i < n; ++i)
        coords.push_back(arith::SubIOp::create(b, l, cst(kernel[i] - 1), idx[i + 2]));
      return (Value)tensor::ExtractOp::create(b, l, adaptor.getW(), coords);
    });
    SmallVector<int64_t> ones(n, 1);
    replaceOp(op, rewriter,
              buildConvolution(rewriter, loc, x, w, adaptor.getB(), Value(), group, ones, dil,
                               (*shapes)[0], "", {}, onnxElem));
    return success();
  }
};

/// Einsum as one linalg.generic over every symbol of the equation: the
/// product of the inputs' elements, summed over the symbols the output lacks.
struct EinsumLowering : ONNXConversion<EinsumOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(EinsumOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    std::string error;
    FailureOr<EinsumSpec> spec = parseEinsum(op, error);
    if (failed(spec))
      return unsupported(op, rewriter, error);
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    Type onnxElem = onnxElementType(op.getOutput());
    Type acc = accumulatorType(onnxElem);
    int64_t n = spec->numDims;
    // A summed symbol's extent comes from its inputs; an input's dim that
    // broadcasts (a static 1 where the symbol is larger) reads index 0.
    SmallVector<int64_t> extent(n, 1);
    for (auto [input, dims] : llvm::zip(adaptor.getInputs(), spec->inputs))
      for (auto [d, it] : llvm::enumerate(dims))
        if (typeOf(input).getDimSize(d) != 1)
          extent[it] = typeOf(input).getDimSize(d);
    SmallVector<AffineMap> maps;
    for (auto [input, dims] : llvm::zip(adaptor.getInputs(), spec->inputs)) {
      SmallVector<AffineExpr> exprs;
      for (auto [d, it] : llvm::enumerate(dims))
        exprs.push_back(typeOf(input).getDimSize(d) == 1 && extent[it] != 1
                            ? getAffineConstantExpr(0, ctx)
                            : getAffineDimExpr(it, ctx));
      maps.push_back(AffineMap::get(n, 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    for (int64_t it : spec->output)
      outExprs.push_back(getAffineDimExpr(it, ctx));
    maps.push_back(AffineMap::get(n, 0, outExprs, ctx));
    SmallVector<utils::IteratorType> iters(n, utils::IteratorType::reduction);
    for (int64_t it : spec->output)
      iters[it] = utils::IteratorType::parallel;
    // Every iteration dim must be read by some operand with its own index.
    for (int64_t it = 0; it < n; ++it)
      if (llvm::none_of(maps, [&](AffineMap m) {
            return llvm::is_contained(m.getResults(), getAffineDimExpr(it, ctx));
          }))
        return unsupported(op, rewriter, "a symbol only ever broadcasts");
    Value init = filledTensor(rewriter, loc, (*shapes)[0], Scalar(rewriter, loc, acc).constant(0));
    Value r = linalg::GenericOp::create(
                  rewriter, loc, init.getType(), adaptor.getInputs(), init, maps, iters,
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    Scalar sc(b, l, acc);
                    Value p = convertScalar(b, l, a[0], onnxElem, acc);
                    for (Value v : a.drop_front().drop_back())
                      p = sc.mul(p, convertScalar(b, l, v, onnxElem, acc));
                    linalg::YieldOp::create(b, l, sc.add(a.back(), p));
                  })
                  .getResult(0);
    replaceOp(op, rewriter, convertTensor(rewriter, loc, r, acc, onnxElem));
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateContractionPatterns(const ONNXTypeConverter &tc,
                                                           RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering<GemmOp>, GemmLowering<FusedGemmOp>,
               ConvLowering<ConvOp>, ConvLowering<FusedConvOp>, ConvTransposeLowering, EinsumLowering>(
      tc, patterns.getContext());
}
