//===- FuseGemm.cpp - mlc-fuse-gemm ---------------------------------------===//
#include "onnx_mlc/Transforms/Passes.h"
#include "ConstantWeights.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_FUSEGEMMPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;
using namespace onnx_mlc::onnx;
using onnx_mlc::constantF32;
using onnx_mlc::F32Values;

namespace {

bool isRank(Value v, int64_t rank) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == rank && t.hasStaticShape();
}

/// Add(MatMul(a, b), c), with 2-D a and b and c broadcasting to the result
/// without changing its shape, is Gemm(a, b, c).
struct MatMulAddToGemm : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (unsigned i = 0; i < 2; ++i) {
      auto matmul = add->getOperand(i).getDefiningOp<MatMulOp>();
      Value c = add->getOperand(1 - i);
      if (!matmul || !matmul->hasOneUse() || !isRank(matmul.getA(), 2) ||
          !isRank(matmul.getB(), 2) || add.getType() != matmul.getType())
        continue;
      auto cType = dyn_cast<RankedTensorType>(c.getType());
      if (!cType || cType.getRank() > 2)
        continue;
      // The fused op answers for both nodes (reports, profiles).
      Location loc = rewriter.getFusedLoc({matmul.getLoc(), add.getLoc()});
      auto gemm = FusedGemmOp::create(
          rewriter, loc, add.getType(), matmul.getA(), matmul.getB(), c,
          rewriter.getF32FloatAttr(1.0f), rewriter.getF32FloatAttr(1.0f),
          rewriter.getI64IntegerAttr(0), rewriter.getI64IntegerAttr(0),
          rewriter.getStringAttr(""), DenseF32ArrayAttr());
      rewriter.replaceOp(add, gemm.getResult());
      rewriter.eraseOp(matmul);
      return success();
    }
    return failure();
  }
};

template <typename ActOp>
struct FoldActivation : OpRewritePattern<ActOp> {
  using OpRewritePattern<ActOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ActOp act, PatternRewriter &rewriter) const override {
    Value in = act->getOperand(0);
    Operation *def = in.getDefiningOp();
    std::optional<onnx_mlc::FusableActivation> activation = onnx_mlc::fusableActivation(act);
    if (!def || !activation || !in.hasOneUse() || act->getResult(0).getType() != in.getType())
      return failure();
    StringAttr name = rewriter.getStringAttr(activation->name);
    DenseF32ArrayAttr params = activation->params.empty()
                                   ? DenseF32ArrayAttr()
                                   : rewriter.getDenseF32ArrayAttr(activation->params);
    if (auto gemm = dyn_cast<GemmOp>(def)) {
      auto fused = FusedGemmOp::create(
          rewriter, rewriter.getFusedLoc({gemm.getLoc(), act.getLoc()}), in.getType(),
          gemm.getA(), gemm.getB(), gemm.getC(), gemm.getAlphaAttr(), gemm.getBetaAttr(),
          gemm.getTransAAttr(), gemm.getTransBAttr(), name, params);
      rewriter.replaceOp(act, fused.getResult());
      rewriter.eraseOp(gemm);
      return success();
    }
    if (auto fused = dyn_cast<FusedGemmOp>(def); fused && fused.getActivation().empty()) {
      rewriter.modifyOpInPlace(fused, [&] {
        fused.setActivationAttr(name);
        fused.setActivationParamsAttr(params);
        fused->setLoc(rewriter.getFusedLoc({fused.getLoc(), act.getLoc()}));
      });
      rewriter.replaceOp(act, fused.getResult());
      return success();
    }
    return failure();
  }
};

/// A Gemm whose B is a constant stored transposed (transB = 1, how torch
/// exports nn.Linear) gets B transposed once, here: the contraction kernel
/// reads B contiguous along n, and would otherwise fall back to scalar
/// loops.
template <typename GemmLike>
struct PackTransposedB : OpRewritePattern<GemmLike> {
  using OpRewritePattern<GemmLike>::OpRewritePattern;
  LogicalResult matchAndRewrite(GemmLike gemm, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(gemm.getB().getType());
    if (!gemm.getTransB() || !type || type.getRank() != 2 || !type.hasStaticShape())
      return failure();
    std::optional<F32Values> b = constantF32(gemm.getB());
    if (!b)
      return failure();
    int64_t n = type.getDimSize(0), k = type.getDimSize(1);
    SmallVector<float> packed;
    if (b->splat) {
      packed.push_back(b->at(0));
    } else {
      packed.resize(n * k);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < k; ++j)
          packed[j * n + i] = b->at(i * k + j);
    }
    Value bT = onnx_mlc::f32Constant(rewriter, gemm.getB().getLoc(),
                                     RankedTensorType::get({k, n}, type.getElementType()),
                                     packed, b->splat);
    rewriter.modifyOpInPlace(gemm, [&] {
      gemm.getBMutable().set(bT);
      gemm.setTransBAttr(rewriter.getI64IntegerAttr(0));
    });
    return success();
  }
};

struct FuseGemmPass : onnx_mlc::impl::FuseGemmPassBase<FuseGemmPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    onnx_mlc::populateFuseGemmPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void onnx_mlc::populateFuseGemmPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulAddToGemm, FoldActivation<ReluOp>, FoldActivation<SigmoidOp>,
               FoldActivation<TanhOp>, FoldActivation<ClipOp>, PackTransposedB<GemmOp>, PackTransposedB<FusedGemmOp>>(
      patterns.getContext());
}
