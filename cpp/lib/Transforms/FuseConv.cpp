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

/// Add(Conv(x, W, B), c) with a constant c of one value per output channel
/// (shape [F,1,..,1], optionally with leading 1s) folds into the bias.
struct FoldBiasAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (unsigned i = 0; i < 2; ++i) {
      Operation *conv = fusableConv(add->getOperand(i));
      Value other = add->getOperand(1 - i);
      auto outType = dyn_cast<RankedTensorType>(add.getType());
      auto cType = dyn_cast<RankedTensorType>(other.getType());
      if (!conv || !outType || !cType || outType != conv->getResult(0).getType())
        continue;
      int64_t rank = outType.getRank(), filters = outType.getDimSize(1);
      // c must broadcast as [F, 1, ..., 1] aligned to dim 1.
      if (cType.getRank() != rank - 1 && cType.getRank() != rank)
        continue;
      int64_t offset = rank - cType.getRank();
      bool perChannel = true;
      for (int64_t d = 0; d < cType.getRank(); ++d) {
        int64_t want = d + offset == 1 ? filters : 1;
        perChannel &= cType.getDimSize(d) == want;
      }
      std::optional<F32Values> c = constantF32(other);
      if (!perChannel || !c)
        continue;
      Value bValue = conv->getOperand(2);
      std::optional<F32Values> bias;
      if (!isa<NoneType>(bValue.getType()) && !(bias = constantF32(bValue)))
        continue;
      SmallVector<float> newB(filters);
      for (int64_t f = 0; f < filters; ++f)
        newB[f] = (bias ? bias->at(f) : 0.0f) + c->at(f);
      Value bConst = f32Constant(rewriter, add.getLoc(),
                                 RankedTensorType::get({filters}, rewriter.getF32Type()),
                                 newB, c->splat && (!bias || bias->splat));
      replaceWithFusedConv(rewriter, add, conv, conv->getOperand(1), bConst, residualOf(conv),
                           "");
      return success();
    }
    return failure();
  }
};

/// Add(Conv(x, W, B), z) with z of the result's shape (a residual
/// connection) becomes the FusedConv's Z: the sum is taken on the output
/// tile in registers instead of in a pass of its own over three tensors.
struct FoldResidualAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (unsigned i = 0; i < 2; ++i) {
      Operation *conv = fusableConv(add->getOperand(i));
      Value z = add->getOperand(1 - i);
      auto type = dyn_cast<RankedTensorType>(add.getType());
      if (!conv || residualOf(conv) || !type || !type.hasStaticShape() ||
          z.getType() != type || conv->getResult(0).getType() != type)
        continue;
      replaceWithFusedConv(rewriter, add, conv, conv->getOperand(1), conv->getOperand(2), z, "");
      return success();
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
  patterns.add<FoldBatchNorm, FoldBiasAdd, FoldResidualAdd, FoldActivation<ReluOp>,
               FoldActivation<SigmoidOp>, FoldActivation<TanhOp>, FoldActivation<ClipOp>>(
      patterns.getContext());
}
