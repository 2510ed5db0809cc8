//===- FuseConv.cpp - mlc-fuse-conv ---------------------------------------===//
//
// Patterns are rooted at the consumer (BatchNormalization, Add, activation)
// and absorb it into the Conv or FusedConv that produces its input.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"
#include "onnx_mlc/Transforms/Passes.h"
#include "ConstantWeights.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"


namespace onnx_mlc {
#define GEN_PASS_DEF_FUSECONVPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;
using namespace onnx_mlc::onnx;
using onnx_mlc::constantF32;
using onnx_mlc::F32Values;
using onnx_mlc::f32Constant;

namespace {

/// The Conv or activation-free FusedConv producing `v`, if `v` has no other
/// user; with `linear`, only one without a residual input (an affine map of
/// the convolution alone, which a BatchNormalization can fold into).
Operation *fusableConv(Value v, bool linear = false) {
  Operation *def = v.getDefiningOp();
  if (!def || !v.hasOneUse())
    return nullptr;
  if (isa<ConvOp>(def))
    return def;
  if (auto fused = dyn_cast<FusedConvOp>(def);
      fused && fused.getActivation().empty() && !(linear && fused.getZ()))
    return def;
  return nullptr;
}

/// The residual input of `conv`, if it is a FusedConv that has one.
Value residualOf(Operation *conv) {
  auto fused = dyn_cast<FusedConvOp>(conv);
  return fused ? fused.getZ() : Value();
}

/// Replaces `consumer` by a FusedConv with `conv`'s window attributes.
void replaceWithFusedConv(PatternRewriter &rewriter, Operation *consumer,
                          Operation *conv, Value w, Value bias, Value sum,
                          StringRef activation, ArrayRef<float> params = {}) {
  auto get = [&](StringRef name) { return conv->getAttr(name); };
  // The fused op answers for every node it absorbed (reports, profiles).
  auto fused = FusedConvOp::create(
      rewriter, rewriter.getFusedLoc({conv->getLoc(), consumer->getLoc()}), consumer->getResult(0).getType(),
      conv->getOperand(0), w, bias, sum,
      cast_or_null<StringAttr>(get("auto_pad")),
      cast_or_null<DenseI64ArrayAttr>(get("dilations")),
      cast_or_null<IntegerAttr>(get("group")),
      cast_or_null<DenseI64ArrayAttr>(get("kernel_shape")),
      cast_or_null<DenseI64ArrayAttr>(get("pads")),
      cast_or_null<DenseI64ArrayAttr>(get("strides")),
      rewriter.getStringAttr(activation),
      params.empty() ? DenseF32ArrayAttr() : rewriter.getDenseF32ArrayAttr(params));
  // A BatchNormalization's other results are unused (checked by the caller).
  rewriter.replaceAllUsesWith(consumer->getResult(0), fused.getResult());
  rewriter.eraseOp(consumer);
  rewriter.eraseOp(conv);
}

/// BN(Conv(x, W, B)) = Conv(x, W * s, (B - mean) * s + beta),
/// s = scale / sqrt(var + eps), per output channel.
struct FoldBatchNorm : OpRewritePattern<BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    Operation *conv = fusableConv(bn.getX(), /*linear=*/true);
    if (!conv || bn.getTrainingMode() || !bn.getRunningMean().use_empty() ||
        !bn.getRunningVar().use_empty())
      return failure();
    Value wValue = conv->getOperand(1), bValue = conv->getOperand(2);
    auto wType = dyn_cast<RankedTensorType>(wValue.getType());
    if (!wType || !wType.hasStaticShape())
      return failure();
    std::optional<F32Values> w = constantF32(wValue), scale = constantF32(bn.getScale()),
                             beta = constantF32(bn.getB()),
                             mean = constantF32(bn.getInputMean()),
                             var = constantF32(bn.getInputVar());
    std::optional<F32Values> bias;
    if (!isa<NoneType>(bValue.getType()) && !(bias = constantF32(bValue)))
      return failure();
    if (!w || !scale || !beta || !mean || !var)
      return failure();
    int64_t filters = wType.getDimSize(0);
    int64_t perFilter = wType.getNumElements() / filters;
    float eps = bn.getEpsilon().convertToFloat();
    SmallVector<float> s(filters), newB(filters);
    for (int64_t f = 0; f < filters; ++f) {
      s[f] = scale->at(f) / std::sqrt(var->at(f) + eps);
      newB[f] = ((bias ? bias->at(f) : 0.0f) - mean->at(f)) * s[f] + beta->at(f);
    }
    bool sSplat = scale->splat && var->splat;
    bool bSplat = sSplat && beta->splat && mean->splat && (!bias || bias->splat);
    bool wSplat = w->splat && sSplat;
    SmallVector<float> newW;
    if (wSplat) {
      newW.push_back(w->at(0) * s[0]);
    } else {
      newW.resize(wType.getNumElements());
      for (int64_t f = 0; f < filters; ++f)
        for (int64_t k = 0; k < perFilter; ++k)
          newW[f * perFilter + k] = w->at(f * perFilter + k) * s[f];
    }
    Location loc = bn.getLoc();
    Value wConst = f32Constant(rewriter, loc, wType, newW, wSplat);
    Value bConst = f32Constant(rewriter, loc,
                               RankedTensorType::get({filters}, rewriter.getF32Type()),
                               newB, bSplat);
    replaceWithFusedConv(rewriter, bn, conv, wConst, bConst, Value(), "");
    return success();
  }
};

/// The bias of `conv` plus `c`, when c is a constant of one value per
/// output channel (shape [F,1,..,1], optionally with leading 1s) and the
/// bias is none or constant; otherwise null.
Value foldedBias(PatternRewriter &rewriter, Location loc, Operation *conv, Value c,
                 RankedTensorType outType) {
  auto cType = dyn_cast<RankedTensorType>(c.getType());
  if (!cType)
    return {};
  int64_t rank = outType.getRank(), filters = outType.getDimSize(1);
  // c must broadcast as [F, 1, ..., 1] aligned to dim 1.
  if (cType.getRank() != rank - 1 && cType.getRank() != rank)
    return {};
  int64_t offset = rank - cType.getRank();
  for (int64_t d = 0; d < cType.getRank(); ++d)
    if (cType.getDimSize(d) != (d + offset == 1 ? filters : 1))
      return {};
  std::optional<F32Values> values = constantF32(c);
  if (!values)
    return {};
  Value bValue = conv->getOperand(2);
  std::optional<F32Values> bias;
  if (!isa<NoneType>(bValue.getType()) && !(bias = constantF32(bValue)))
    return {};
  SmallVector<float> newB(filters);
  for (int64_t f = 0; f < filters; ++f)
    newB[f] = (bias ? bias->at(f) : 0.0f) + values->at(f);
  return f32Constant(rewriter, loc, RankedTensorType::get({filters}, rewriter.getF32Type()), newB,
                     values->splat && (!bias || bias->splat));
}

/// Add(Conv(x, W, B), c) folds into the FusedConv: a constant c of one
/// value per output channel into the bias; otherwise a c of the result's
/// shape (a residual connection) becomes the operand Z, so that the sum is
/// taken on the output tile in registers instead of in a pass of its own
/// over three tensors.
struct FoldAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(add.getType());
    for (unsigned i = 0; i < 2 && type; ++i) {
      Operation *conv = fusableConv(add->getOperand(i));
      Value other = add->getOperand(1 - i);
      if (!conv || conv->getResult(0).getType() != type)
        continue;
      if (Value bias = foldedBias(rewriter, add.getLoc(), conv, other, type)) {
        replaceWithFusedConv(rewriter, add, conv, conv->getOperand(1), bias, residualOf(conv), "");
        return success();
      }
      if (!residualOf(conv) && type.hasStaticShape() && other.getType() == type) {
        replaceWithFusedConv(rewriter, add, conv, conv->getOperand(1), conv->getOperand(2), other,
                             "");
        return success();
      }
    }
    return failure();
  }
};

template <typename ActOp>
struct FoldActivation : OpRewritePattern<ActOp> {
  using OpRewritePattern<ActOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ActOp act, PatternRewriter &rewriter) const override {
    Operation *conv = fusableConv(act->getOperand(0));
    std::optional<onnx_mlc::FusableActivation> activation = onnx_mlc::fusableActivation(act);
    if (!conv || !activation || act->getResult(0).getType() != conv->getResult(0).getType())
      return failure();
    replaceWithFusedConv(rewriter, act, conv, conv->getOperand(1), conv->getOperand(2),
                         residualOf(conv), activation->name, activation->params);
    return success();
  }
};

struct FuseConvPass : onnx_mlc::impl::FuseConvPassBase<FuseConvPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    onnx_mlc::populateFuseConvPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void onnx_mlc::populateFuseConvPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldBatchNorm, FoldAdd, FoldActivation<ReluOp>,
               FoldActivation<SigmoidOp>, FoldActivation<TanhOp>, FoldActivation<ClipOp>>(
      patterns.getContext());
}
