//===- ONNXOps.cpp - Verifiers, folders and canonicalizations -------------===//
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"
#include "onnx_mlc/Dialect/ONNX/ONNXConstantEval.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace onnx_mlc::onnx;

#define GET_OP_CLASSES
#include "ONNX/ONNXOps.cpp.inc"

namespace onnx_mlc::onnx {
ConstantOp createConstant(OpBuilder &builder, Location loc, ElementsAttr value) {
  return ConstantOp::create(builder, loc, value.getType(), nullptr, value,
                            nullptr, nullptr, nullptr, nullptr, nullptr,
                            nullptr);
}

SmallVector<StringRef> nodeNames(Location loc) {
  SmallVector<StringRef> names;
  auto add = [&](Location l) {
    if (auto name = dyn_cast<NameLoc>(l))
      names.push_back(name.getName().strref());
  };
  if (auto fused = dyn_cast<FusedLoc>(loc))
    llvm::for_each(fused.getLocations(), add);
  else
    add(loc);
  return names;
}
} // namespace onnx_mlc::onnx

//===----------------------------------------------------------------------===//
// Verifiers. Type constraints come from ODS; these check what ODS cannot.
//===----------------------------------------------------------------------===//

/// Checks the window attributes of a Conv or pooling op against the input.
static LogicalResult verifyWindow(Operation *op, Value x,
                                  std::optional<ArrayRef<int64_t>> kernel,
                                  std::optional<ArrayRef<int64_t>> strides,
                                  std::optional<ArrayRef<int64_t>> dilations,
                                  std::optional<ArrayRef<int64_t>> pads) {
  int64_t rank = rankOf(x);
  if (rank < 0)
    return success();
  if (rank < 3)
    return op->emitOpError("expects an input of rank >= 3 (N, C, spatial...), got rank ")
           << rank;
  size_t spatial = rank - 2;
  auto check = [&](std::optional<ArrayRef<int64_t>> a, size_t n,
                   StringRef name) -> LogicalResult {
    if (a && !a->empty() && a->size() != n)
      return op->emitOpError() << "expects " << n << " values in '" << name
                               << "', got " << a->size();
    return success();
  };
  return success(succeeded(check(kernel, spatial, "kernel_shape")) &&
                 succeeded(check(strides, spatial, "strides")) &&
                 succeeded(check(dilations, spatial, "dilations")) &&
                 succeeded(check(pads, 2 * spatial, "pads")));
}

template <typename ConvLike>
static LogicalResult verifyConvLike(ConvLike op) {
  int64_t xRank = rankOf(op.getX()), wRank = rankOf(op.getW());
  if (xRank >= 0 && wRank >= 0 && xRank != wRank)
    return op.emitOpError("expects input and weights of the same rank, got ")
           << xRank << " and " << wRank;
  if ((int64_t)op.getGroup() < 1)
    return op.emitOpError("expects group >= 1");
  return verifyWindow(op, op.getX(), op.getKernelShape(), op.getStrides(),
                      op.getDilations(), op.getPads());
}

LogicalResult ConvOp::verify() { return verifyConvLike(*this); }
/// A fused activation: its name, and for Clip its [min, max].
static LogicalResult verifyActivation(Operation *op, StringRef act,
                                      std::optional<ArrayRef<float>> params) {
  size_t expected = act == "Clip" ? 2 : 0;
  if (!act.empty() && act != "Relu" && act != "Sigmoid" && act != "Tanh" && act != "Clip")
    return op->emitOpError("unknown activation '") << act << "'";
  if ((params ? params->size() : 0) != expected)
    return op->emitOpError("activation '")
           << act << "' takes " << expected << " activation_params";
  return success();
}

LogicalResult FusedConvOp::verify() {
  if (failed(verifyActivation(*this, getActivation(), getActivationParams())))
    return failure();
  if (Value z = getZ()) {
    auto zType = dyn_cast<RankedTensorType>(z.getType());
    auto yType = dyn_cast<RankedTensorType>(getY().getType());
    if (zType && yType && failed(verifyCompatibleShape(zType.getShape(), yType.getShape())))
      return emitOpError("requires the residual input Z to have the result's shape, got ")
             << zType << " for " << yType;
  }
  return verifyConvLike(*this);
}

LogicalResult MaxPoolOp::verify() {
  if (getKernelShape().empty())
    return emitOpError("requires 'kernel_shape'");
  return verifyWindow(*this, getX(), getKernelShape(), getStrides(),
                      getDilations(), getPads());
}

LogicalResult AveragePoolOp::verify() {
  if (getKernelShape().empty())
    return emitOpError("requires 'kernel_shape'");
  return verifyWindow(*this, getX(), getKernelShape(), getStrides(),
                      getDilations(), getPads());
}

LogicalResult FusedGemmOp::verify() {
  return verifyActivation(*this, getActivation(), getActivationParams());
}

//===----------------------------------------------------------------------===//
// Folders: constants through the shared evaluator, under kFoldElementLimit.
//===----------------------------------------------------------------------===//

static OpFoldResult foldToConstant(Operation *op, ArrayRef<Attribute> operands) {
  SmallVector<Attribute> values =
      evaluateConstant(op, operands, kFoldElementLimit);
  return values.empty() ? OpFoldResult() : OpFoldResult(values.front());
}

// Ops folded by the evaluator alone (FOLD_TO_CONSTANT in gen_onnx_ops.py).
#define FOLD_TO_CONSTANT(OP)                                                   \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    return foldToConstant(*this, adaptor.getOperands());                       \
  }
FOLD_TO_CONSTANT(AbsOp)
FOLD_TO_CONSTANT(AndOp)
FOLD_TO_CONSTANT(CastOp)
FOLD_TO_CONSTANT(CastLikeOp)
FOLD_TO_CONSTANT(CeilOp)
FOLD_TO_CONSTANT(EqualOp)
FOLD_TO_CONSTANT(ExpandOp)
FOLD_TO_CONSTANT(FlattenOp)
FOLD_TO_CONSTANT(FloorOp)
FOLD_TO_CONSTANT(GreaterOp)
FOLD_TO_CONSTANT(GreaterOrEqualOp)
FOLD_TO_CONSTANT(LessOp)
FOLD_TO_CONSTANT(LessOrEqualOp)
FOLD_TO_CONSTANT(MaxOp)
FOLD_TO_CONSTANT(MinOp)
FOLD_TO_CONSTANT(ModOp)
FOLD_TO_CONSTANT(NegOp)
FOLD_TO_CONSTANT(NotOp)
FOLD_TO_CONSTANT(OrOp)
FOLD_TO_CONSTANT(RangeOp)
FOLD_TO_CONSTANT(ReciprocalOp)
FOLD_TO_CONSTANT(ReduceMaxOp)
FOLD_TO_CONSTANT(ReduceMinOp)
FOLD_TO_CONSTANT(ReduceProdOp)
FOLD_TO_CONSTANT(ReduceSumOp)
FOLD_TO_CONSTANT(SizeOp)
FOLD_TO_CONSTANT(SliceOp)
FOLD_TO_CONSTANT(SqrtOp)
FOLD_TO_CONSTANT(SumOp)
FOLD_TO_CONSTANT(TileOp)
FOLD_TO_CONSTANT(WhereOp)
FOLD_TO_CONSTANT(XorOp)
#undef FOLD_TO_CONSTANT

/// `x op c` is `x` when c is a splat of `neutral` and does not broadcast x.
static bool isNeutralOperand(Value x, Value c, Attribute cAttr, double neutral,
                             Type resultType) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(cAttr);
  if (!dense || !dense.isSplat() || x.getType() != resultType)
    return false;
  if (auto f = dyn_cast<FloatType>(dense.getElementType()))
    return dense.getSplatValue<APFloat>().convertToDouble() == neutral;
  return dense.getSplatValue<APInt>().getSExtValue() == (int64_t)neutral;
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (isNeutralOperand(getA(), getB(), adaptor.getB(), 0.0, getType()))
    return getA();
  if (isNeutralOperand(getB(), getA(), adaptor.getA(), 0.0, getType()))
    return getB();
  return foldToConstant(*this, adaptor.getOperands());
}
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (isNeutralOperand(getA(), getB(), adaptor.getB(), 0.0, getType()))
    return getA();
  return foldToConstant(*this, adaptor.getOperands());
}
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isNeutralOperand(getA(), getB(), adaptor.getB(), 1.0, getType()))
    return getA();
  if (isNeutralOperand(getB(), getA(), adaptor.getA(), 1.0, getType()))
    return getB();
  return foldToConstant(*this, adaptor.getOperands());
}
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isNeutralOperand(getA(), getB(), adaptor.getB(), 1.0, getType()))
    return getA();
  return foldToConstant(*this, adaptor.getOperands());
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor adaptor) {
  return foldToConstant(*this, adaptor.getOperands());
}

OpFoldResult IdentityOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

OpFoldResult ShapeOp::fold(FoldAdaptor adaptor) {
  return foldToConstant(*this, adaptor.getOperands());
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  return foldToConstant(*this, adaptor.getOperands());
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  return foldToConstant(*this, adaptor.getOperands());
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  if (auto perm = getPerm())
    if (llvm::equal(*perm, llvm::seq<int64_t>(0, perm->size())) &&
        getData().getType() == getType())
      return getData();
  return foldToConstant(*this, adaptor.getOperands());
}

/// Reshape-like ops: the identity when nothing changes, else constant data.
/// Only a constant shape (or axes) operand can say that nothing changes: a
/// declared result type alone may contradict the value fed at run time.
template <typename Op>
static OpFoldResult foldReshapeLike(Op op, Value data, Value shape, ArrayRef<Attribute> operands) {
  auto type = dyn_cast<RankedTensorType>(op.getType());
  bool shapeKnown = !shape || isNoneValue(shape) || operands[1];
  if (shapeKnown && type && type.hasStaticShape() && data.getType() == type)
    return data;
  return foldToConstant(op, operands);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, getData(), getShape(), adaptor.getOperands());
}
OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, getData(), getAxes(), adaptor.getOperands());
}
OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, getData(), getAxes(), adaptor.getOperands());
}

//===----------------------------------------------------------------------===//
// Canonicalization patterns.
//===----------------------------------------------------------------------===//

bool onnx_mlc::onnx::reshapeCopiesNoDimension(Value shape, Attribute allowzero) {
  if (cast<IntegerAttr>(allowzero).getInt() != 0)
    return true;
  std::optional<SmallVector<int64_t>> dims = getConstantInts(shape);
  return dims && !llvm::is_contained(*dims, 0);
}

namespace {
#include "ONNX/ONNXCanonicalize.inc"

/// Dropout at inference (no training_mode, or a false constant) passes its
/// data through; its mask, if used, is all true.
struct DropoutAtInference : OpRewritePattern<DropoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DropoutOp op,
                                PatternRewriter &rewriter) const override {
    Value training = op.getTrainingMode();
    if (!isa<NoneType>(training.getType())) {
      DenseElementsAttr mode = getConstantValue(training);
      if (!mode || mode.getSplatValue<bool>())
        return failure();
    }
    if (op.getData().getType() != op.getOutput().getType())
      return failure();
    Value mask = op.getMask();
    if (!mask.use_empty()) {
      auto maskType = dyn_cast<RankedTensorType>(mask.getType());
      if (!maskType || !maskType.hasStaticShape())
        return failure();
      Value ones = createConstant(
          rewriter, op.getLoc(),
          DenseElementsAttr::get(maskType, rewriter.getBoolAttr(true)));
      rewriter.replaceAllUsesWith(mask, ones);
    }
    rewriter.replaceAllUsesWith(op.getOutput(), op.getData());
    rewriter.eraseOp(op);
    return success();
  }
};

/// Sum of one input is that input; of two, an Add (which the rest of the
/// compiler knows best).
struct SumToAdd : OpRewritePattern<SumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SumOp op,
                                PatternRewriter &rewriter) const override {
    auto inputs = op.getData_0();
    if (inputs.size() == 1 && inputs[0].getType() == op.getType()) {
      rewriter.replaceOp(op, inputs[0]);
      return success();
    }
    if (inputs.size() != 2)
      return failure();
    rewriter.replaceOpWithNewOp<AddOp>(op, op.getType(), inputs[0], inputs[1]);
    return success();
  }
};
/// An If whose condition is a constant is the branch it takes: function
/// bodies test sizes that are known once the model's shapes are (a 2-D or
/// a 3-D AffineGrid), and the branch not taken may not even be valid.
struct IfOfConstant : OpRewritePattern<IfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IfOp op, PatternRewriter &rewriter) const override {
    DenseElementsAttr cond = getConstantValue(op.getCond());
    if (!cond || cond.getNumElements() != 1)
      return failure();
    Region &taken = cond.getValues<bool>()[0] ? op.getThenBranch() : op.getElseBranch();
    Block &body = taken.front();
    Operation *yield = body.getTerminator();
    // A yielded value may be typed differently from the If's result (more
    // or less precisely). ONNX users take it as it is, and shape inference
    // brings them up to date; others (a return) get a cast to the type they
    // were built for.
    for (auto [value, result] : llvm::zip(yield->getOperands(), op.getResults()))
      if (value.getType() != result.getType() &&
          !tensor::CastOp::areCastCompatible(value.getType(), result.getType()))
        return failure();
    SmallVector<Value> yielded(yield->getOperands());
    rewriter.inlineBlockBefore(&body, op);
    rewriter.eraseOp(yield);
    rewriter.setInsertionPoint(op);
    for (auto [value, result] : llvm::zip(yielded, op.getResults())) {
      Value cast;
      for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
        Operation *user = use.getOwner();
        if (value.getType() == result.getType() || isa<ONNXDialect>(user->getDialect())) {
          rewriter.modifyOpInPlace(user, [&] { use.set(value); });
          continue;
        }
        if (!cast)
          cast = tensor::CastOp::create(rewriter, op.getLoc(), result.getType(), value);
        rewriter.modifyOpInPlace(user, [&] { use.set(cast); });
      }
    }
    rewriter.eraseOp(op);
    return success();
  }
};
} // namespace

void IfOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<IfOfConstant>(context);
}

void DropoutOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<DropoutAtInference>(context);
}

void SumOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<SumToAdd>(context);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ReshapeOfReshape>(context);
}
