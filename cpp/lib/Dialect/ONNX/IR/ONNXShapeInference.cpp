//===- ONNXShapeInference.cpp - Shape rules of the implemented ops --------===//
//
// Each `resultShapes` computes the op's result shapes with a DimBuilder, so
// the same rule serves shape inference (constants, or unknown) and the
// lowering (constants, or index values at run time). A rule that cannot tell
// a result's rank leaves `shapes` short and succeeds; it fails, with a
// diagnostic on the op, only when the operands contradict the op.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

using namespace mlir;
using namespace onnx_mlc::onnx;

using Dims = SmallVector<OpFoldResult>;
using Cmp = DimBuilder::Cmp;

/// The shape of an optional operand, if it is present and its shape known.
static std::optional<Dims> presentShape(const DimBuilder &dims, Value value) {
  if (!value || isNoneValue(value))
    return std::nullopt;
  return dims.shape(value);
}

/// Checks that `value` (unless none or of unknown shape) has `expected`
/// sizes; a null size is not checked, a mismatch only the run time can see
/// is checked there. Reports on `op`, naming the operand `name`.
static LogicalResult requireShape(Operation *op, const DimBuilder &dims, Value value,
                                  ArrayRef<OpFoldResult> expected, StringRef name) {
  std::optional<Dims> shape = presentShape(dims, value);
  if (!shape)
    return success();
  if (shape->size() != expected.size())
    return op->emitOpError("expects ") << name << " of rank " << expected.size() << ", not "
                                       << shape->size();
  for (auto [d, have, want] : llvm::enumerate(*shape, expected))
    if (want && failed(dims.require(Cmp::EQ, have, want, name + " has the wrong size")))
      return op->emitOpError("dimension ") << d << " of " << name << " has the wrong size";
  return success();
}

/// Checks that `value` (unless none or of unknown shape) broadcasts to
/// `target`, numpy style; reports on `op`, naming the operand `name`.
static LogicalResult requireBroadcastsTo(Operation *op, const DimBuilder &dims, Value value,
                                         ArrayRef<OpFoldResult> target, StringRef name) {
  std::optional<Dims> shape = presentShape(dims, value);
  if (!shape)
    return success();
  if (shape->size() > target.size())
    return op->emitOpError("expects ") << name << " of rank at most " << target.size()
                                       << ", not " << shape->size();
  size_t lead = target.size() - shape->size();
  for (auto [d, have] : llvm::enumerate(*shape))
    if (failed(dims.requireBroadcastable(have, target[lead + d],
                                         name + " does not broadcast to the input")))
      return op->emitOpError(name) << " does not broadcast to the input";
  return success();
}

/// The rule of ops whose (first) result has the shape of operand `index`;
/// further tensor results (Dropout's mask) get the same shape.
static LogicalResult sameShape(Operation *op, const DimBuilder &dims, ShapeList &shapes,
                               unsigned index = 0) {
  std::optional<Dims> s = dims.shape(op->getOperand(index));
  if (!s)
    return success();
  for (Value r : op->getResults())
    shapes.push_back(isa<NoneType>(r.getType()) ? Dims() : *s);
  return success();
}

/// The first operand's shape, after checking the others against it: each of
/// `broadcasting` broadcasts to it, each of `perChannel` is a vector of its
/// dim 1, each of `same` has its shape.
static LogicalResult sameShapeChecked(Operation *op, const DimBuilder &dims, ShapeList &shapes,
                                      ArrayRef<std::pair<Value, StringRef>> broadcasting,
                                      ArrayRef<std::pair<Value, StringRef>> perChannel = {},
                                      ArrayRef<std::pair<Value, StringRef>> same = {}) {
  std::optional<Dims> s = dims.shape(op->getOperand(0));
  if (!s)
    return success();
  for (auto [value, name] : broadcasting)
    if (failed(requireBroadcastsTo(op, dims, value, *s, name)))
      return failure();
  if (!perChannel.empty() && s->size() < 2)
    return op->emitOpError("expects an input of rank 2 or more");
  for (auto [value, name] : perChannel)
    if (failed(requireShape(op, dims, value, {(*s)[1]}, name)))
      return failure();
  for (auto [value, name] : same)
    if (failed(requireShape(op, dims, value, *s, name)))
      return failure();
  return sameShape(op, dims, shapes);
}

LogicalResult PReluOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return sameShapeChecked(*this, dims, shapes, {{getSlope(), "slope"}});
}
LogicalResult RMSNormalizationOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return sameShapeChecked(*this, dims, shapes, {{getScale(), "scale"}});
}
LogicalResult InstanceNormalizationOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return sameShapeChecked(*this, dims, shapes, {}, {{getScale(), "scale"}, {getB(), "B"}});
}
LogicalResult BatchNormalizationOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return sameShapeChecked(*this, dims, shapes, {},
                          {{getScale(), "scale"}, {getB(), "B"}, {getInputMean(), "input_mean"},
                           {getInputVar(), "input_var"}});
}
LogicalResult ScatterElementsOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> indices = dims.shape(getIndices()), data = dims.shape(getData());
  if (indices && data && indices->size() != data->size())
    return emitOpError("expects indices of the rank of data");
  if (data && !normalizeAxis((int64_t)getAxis(), data->size()))
    return emitOpError("axis ") << (int64_t)getAxis() << " is out of range for rank "
                                << data->size();
  if (indices && failed(requireShape(*this, dims, getUpdates(), *indices, "updates")))
    return failure();
  return sameShape(*this, dims, shapes);
}

/// Multidirectional broadcasting of the given operands.
static LogicalResult broadcastShape(Operation *op, const DimBuilder &dims,
                                    ShapeList &shapes, ValueRange operands) {
  SmallVector<Dims> in;
  for (Value v : operands) {
    std::optional<Dims> s = dims.shape(v);
    if (!s)
      return success();
    in.push_back(*s);
  }
  FailureOr<Dims> out = dims.broadcast(in);
  if (failed(out))
    return op->emitOpError("operands are not broadcastable");
  shapes.push_back(*out);
  return success();
}

#define SAME_SHAPE(OP)                                                         \
  LogicalResult OP::resultShapes(DimBuilder &dims, ShapeList &shapes) {        \
    return sameShape(*this, dims, shapes);                                     \
  }
SAME_SHAPE(AbsOp)
SAME_SHAPE(AcosOp)
SAME_SHAPE(AcoshOp)
SAME_SHAPE(AsinOp)
SAME_SHAPE(AsinhOp)
SAME_SHAPE(BitCastOp)
SAME_SHAPE(AtanOp)
SAME_SHAPE(AtanhOp)
SAME_SHAPE(BitwiseNotOp)
SAME_SHAPE(CastOp)
SAME_SHAPE(CastLikeOp)
SAME_SHAPE(CeilOp)
SAME_SHAPE(CeluOp)
SAME_SHAPE(ClipOp)
SAME_SHAPE(CosOp)
SAME_SHAPE(CoshOp)
SAME_SHAPE(CumSumOp)
SAME_SHAPE(CumProdOp)
SAME_SHAPE(DropoutOp)
SAME_SHAPE(EluOp)
SAME_SHAPE(ErfOp)
SAME_SHAPE(ExpOp)
SAME_SHAPE(EyeLikeOp)
SAME_SHAPE(FloorOp)
SAME_SHAPE(GeluOp)
SAME_SHAPE(GroupNormalizationOp)
SAME_SHAPE(HardSigmoidOp)
SAME_SHAPE(HardSwishOp)
SAME_SHAPE(HardmaxOp)
SAME_SHAPE(IdentityOp)
SAME_SHAPE(IsInfOp)
SAME_SHAPE(IsNaNOp)
SAME_SHAPE(LRNOp)
SAME_SHAPE(LeakyReluOp)
SAME_SHAPE(LogOp)
SAME_SHAPE(LogSoftmaxOp)
SAME_SHAPE(LpNormalizationOp)
SAME_SHAPE(MeanVarianceNormalizationOp)
SAME_SHAPE(MishOp)
SAME_SHAPE(NegOp)
SAME_SHAPE(NotOp)
SAME_SHAPE(ReciprocalOp)
SAME_SHAPE(ReluOp)
SAME_SHAPE(RoundOp)
SAME_SHAPE(ScatterNDOp)
SAME_SHAPE(SeluOp)
SAME_SHAPE(ShrinkOp)
SAME_SHAPE(SigmoidOp)
SAME_SHAPE(SignOp)
SAME_SHAPE(SinOp)
SAME_SHAPE(SinhOp)
SAME_SHAPE(SoftmaxOp)
SAME_SHAPE(SoftplusOp)
SAME_SHAPE(SoftsignOp)
SAME_SHAPE(SqrtOp)
SAME_SHAPE(SwishOp)
SAME_SHAPE(TanOp)
SAME_SHAPE(TanhOp)
SAME_SHAPE(ThresholdedReluOp)
SAME_SHAPE(TriluOp)
#undef SAME_SHAPE

#define BROADCAST(OP)                                                          \
  LogicalResult OP::resultShapes(DimBuilder &dims, ShapeList &shapes) {        \
    return broadcastShape(*this, dims, shapes, getOperands());                 \
  }
BROADCAST(AddOp)
BROADCAST(AndOp)
BROADCAST(BitShiftOp)
BROADCAST(BitwiseAndOp)
BROADCAST(BitwiseOrOp)
BROADCAST(BitwiseXorOp)
BROADCAST(DivOp)
BROADCAST(EqualOp)
BROADCAST(GreaterOp)
BROADCAST(GreaterOrEqualOp)
BROADCAST(LessOp)
BROADCAST(LessOrEqualOp)
BROADCAST(MaxOp)
BROADCAST(MeanOp)
BROADCAST(MinOp)
BROADCAST(ModOp)
BROADCAST(MulOp)
BROADCAST(OrOp)
BROADCAST(PowOp)
BROADCAST(SubOp)
BROADCAST(SumOp)
BROADCAST(WhereOp)
BROADCAST(XorOp)
#undef BROADCAST

LogicalResult LayerNormalizationOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> x = dims.shape(getX());
  if (!x)
    return success();
  std::optional<int64_t> axis = normalizeAxis((int64_t)getAxis(), x->size());
  if (!axis)
    return emitOpError("axis ") << (int64_t)getAxis() << " is out of range for rank "
                                << x->size();
  if (failed(requireBroadcastsTo(*this, dims, getScale(), *x, "Scale")) ||
      failed(requireBroadcastsTo(*this, dims, getB(), *x, "B")))
    return failure();
  // Mean and InvStdDev keep the leading dims and have 1 for the normalized ones.
  Dims stats(*x);
  for (size_t d = *axis; d < stats.size(); ++d)
    stats[d] = dims.constant(1);
  shapes = {*x, stats, stats};
  return success();
}

LogicalResult ConstantOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  if (auto value = getValueAttr()) {
    Dims s;
    for (int64_t d : value.getShapedType().getShape())
      s.push_back(dims.constant(d));
    shapes.push_back(s);
  }
  return success();
}

/// Sizes from the values of a 1-D shape tensor; a known negative size is an
/// error of the model.
static LogicalResult sizesFromTensor(Operation *op, const DimBuilder &dims, Value shape,
                                     Dims &out, bool &known) {
  std::optional<Dims> v = dims.values(shape);
  known = v.has_value();
  if (!v)
    return success();
  for (OpFoldResult d : *v) {
    if (std::optional<int64_t> c = DimBuilder::constantOf(d); c && *c < 0)
      return op->emitOpError("shape has a negative dimension ") << *c;
    if (failed(dims.require(Cmp::GE, d, dims.constant(0), "a shape has a negative dimension")))
      return failure();
  }
  out = *v;
  return success();
}

LogicalResult ConstantOfShapeOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  auto resultType = dyn_cast<TensorType>(getResult().getType());
  if (ElementsAttr value = getValueAttr(); value && resultType &&
      value.getElementType() != resultType.getElementType())
    return emitOpError("value of type ") << value.getElementType()
                                         << " does not match the result's element type "
                                         << resultType.getElementType();
  Dims out;
  bool known;
  if (failed(sizesFromTensor(*this, dims, getInput(), out, known)))
    return failure();
  if (known)
    shapes.push_back(out);
  return success();
}

LogicalResult ShapeOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  int64_t rank = rankOf(getData());
  if (rank < 0)
    return success();
  auto clampAxis = [&](int64_t a) { return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank); };
  int64_t start = clampAxis((int64_t)getStart());
  int64_t end = getEnd() ? clampAxis((int64_t)*getEnd()) : rank;
  shapes.push_back({dims.constant(std::max<int64_t>(end - start, 0))});
  return success();
}

LogicalResult SizeOp::resultShapes(DimBuilder &, ShapeList &shapes) {
  shapes.push_back({});
  return success();
}

LogicalResult MatMulOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> a = dims.shape(getA()), b = dims.shape(getB());
  if (!a || !b)
    return success();
  if (a->empty() || b->empty())
    return emitOpError("does not accept scalars");
  bool dropA = a->size() == 1, dropB = b->size() == 1;
  if (dropA)
    a->insert(a->begin(), dims.constant(1));
  if (dropB)
    b->push_back(dims.constant(1));
  OpFoldResult k1 = a->back(), k2 = (*b)[b->size() - 2];
  if (failed(dims.require(Cmp::EQ, k1, k2, "MatMul inner dimensions do not match")))
    return emitOpError("inner dimensions do not match: ")
           << *DimBuilder::constantOf(k1) << " and " << *DimBuilder::constantOf(k2);
  FailureOr<Dims> batch = dims.broadcast(
      {Dims(ArrayRef(*a).drop_back(2)), Dims(ArrayRef(*b).drop_back(2))});
  if (failed(batch))
    return emitOpError("batch dimensions are not broadcastable");
  Dims out = *batch;
  if (!dropA)
    out.push_back((*a)[a->size() - 2]);
  if (!dropB)
    out.push_back(b->back());
  shapes.push_back(out);
  return success();
}

template <typename GemmLike>
static LogicalResult gemmShape(GemmLike op, DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> a = dims.shape(op.getA()), b = dims.shape(op.getB());
  if (!a || !b)
    return success();
  if (a->size() != 2 || b->size() != 2)
    return op.emitOpError("expects 2-D A and B");
  OpFoldResult m = (*a)[op.getTransA() ? 1 : 0], ka = (*a)[op.getTransA() ? 0 : 1];
  OpFoldResult kb = (*b)[op.getTransB() ? 1 : 0], n = (*b)[op.getTransB() ? 0 : 1];
  if (failed(dims.require(Cmp::EQ, ka, kb, "Gemm inner dimensions do not match")))
    return op.emitOpError("inner dimensions do not match");
  Dims out{m, n};
  if (!isNoneValue(op.getC())) {
    std::optional<Dims> c = dims.shape(op.getC());
    if (c) {
      if (c->size() > 2)
        return op.emitOpError("C has rank ") << c->size() << ", expected at most 2";
      // C broadcasts to (m, n) in one direction only.
      for (size_t i = 0; i < c->size(); ++i) {
        OpFoldResult cd = (*c)[i], od = out[2 - c->size() + i];
        if (DimBuilder::constantOf(cd) == 1)
          continue;
        if (failed(dims.require(Cmp::EQ, cd, od, "Gemm's C does not broadcast to A*B")))
          return op.emitOpError("C is not unidirectionally broadcastable to the product");
      }
    }
  }
  shapes.push_back(out);
  return success();
}
LogicalResult GemmOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return gemmShape(*this, dims, shapes);
}
LogicalResult FusedGemmOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return gemmShape(*this, dims, shapes);
}

template <typename ConvLike>
static LogicalResult convShape(ConvLike op, DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> x = dims.shape(op.getX()), w = dims.shape(op.getW());
  if (!x || !w)
    return success();
  if (x->size() < 3 || w->size() != x->size())
    return op.emitOpError("expects input and weights of equal rank >= 3");
  SmallVector<int64_t> kernel;
  if (auto k = op.getKernelShape(); k && !k->empty())
    kernel.assign(k->begin(), k->end());
  else
    kernel = staticSizes(ArrayRef(*w).drop_front(2));
  if (llvm::any_of(kernel, ShapedType::isDynamic))
    return success();
  int64_t group = op.getGroup();
  if (group < 1)
    return op.emitOpError("expects group >= 1");
  if (failed(dims.require(Cmp::EQ, (*x)[1], dims.mul((*w)[1], dims.constant(group)),
                          "Conv input channels do not match the weights")))
    return op.emitOpError("input channels do not match weights' channels x group ") << group;
  std::string error;
  FailureOr<WindowGeometry> g =
      computeWindowGeometry(dims, ArrayRef(*x).drop_front(2), kernel, op.getStrides(),
                            op.getDilations(), op.getPads(), op.getAutoPad(), false, error);
  if (failed(g))
    return op.emitOpError(error);
  Dims out{(*x)[0], (*w)[0]};
  out.append(g->outSizes);
  shapes.push_back(out);
  return success();
}
LogicalResult ConvOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return convShape(*this, dims, shapes);
}
LogicalResult FusedConvOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return convShape(*this, dims, shapes);
}

LogicalResult ConvTransposeOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> x = dims.shape(getX()), w = dims.shape(getW());
  if (!x || !w)
    return success();
  if (x->size() < 3 || w->size() != x->size())
    return emitOpError("expects input and weights of equal rank >= 3");
  size_t n = x->size() - 2;
  int64_t group = getGroup();
  if (group < 1)
    return emitOpError("expects group >= 1");
  SmallVector<int64_t> kernel;
  if (auto k = getKernelShape(); k && !k->empty())
    kernel.assign(k->begin(), k->end());
  else
    kernel = staticSizes(ArrayRef(*w).drop_front(2));
  if (llvm::any_of(kernel, ShapedType::isDynamic) || kernel.size() != n)
    return success();
  auto attr = [&](std::optional<ArrayRef<int64_t>> a, size_t size, int64_t dflt)
      -> std::optional<SmallVector<int64_t>> {
    if (!a || a->empty())
      return SmallVector<int64_t>(size, dflt);
    if (a->size() != size)
      return std::nullopt;
    return SmallVector<int64_t>(a->begin(), a->end());
  };
  auto strides = attr(getStrides(), n, 1), dil = attr(getDilations(), n, 1),
       outPad = attr(getOutputPadding(), n, 0), pads = attr(getPads(), 2 * n, 0);
  if (!strides || !dil || !outPad || !pads)
    return emitOpError("strides, dilations, output_padding or pads have the wrong length");
  Dims out{(*x)[0], dims.mul((*w)[1], dims.constant(group))};
  if (auto given = getOutputShape(); given && !given->empty()) {
    if (given->size() != n)
      return emitOpError("output_shape has the wrong length");
    for (int64_t s : *given)
      out.push_back(dims.constant(s));
  } else {
    for (size_t i = 0; i < n; ++i) {
      int64_t extra = (*outPad)[i] + ((kernel[i] - 1) * (*dil)[i] + 1);
      if (getAutoPad() == "SAME_UPPER" || getAutoPad() == "SAME_LOWER") {
        out.push_back(dims.mul((*x)[i + 2], dims.constant((*strides)[i])));
        continue;
      }
      int64_t padSum = getAutoPad() == "VALID" ? 0 : (*pads)[i] + (*pads)[i + n];
      out.push_back(dims.add(dims.mul(dims.sub((*x)[i + 2], dims.constant(1)),
                                      dims.constant((*strides)[i])),
                             dims.constant(extra - padSum)));
    }
  }
  shapes.push_back(out);
  return success();
}

template <typename PoolOp>
static LogicalResult poolShape(PoolOp op, DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> x = dims.shape(op.getX());
  if (!x)
    return success();
  if (x->size() < 3)
    return op.emitOpError("expects an input of rank >= 3 (N, C, spatial...)");
  std::string error;
  FailureOr<WindowGeometry> g = computeWindowGeometry(
      dims, ArrayRef(*x).drop_front(2), op.getKernelShape(), op.getStrides(),
      op.getDilations(), op.getPads(), op.getAutoPad(), op.getCeilMode() != 0, error);
  if (failed(g))
    return op.emitOpError(error);
  Dims out{(*x)[0], (*x)[1]};
  out.append(g->outSizes);
  for (Value r : op->getResults())
    shapes.push_back(isa<NoneType>(r.getType()) ? Dims() : out);
  return success();
}
LogicalResult MaxPoolOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return poolShape(*this, dims, shapes);
}
LogicalResult AveragePoolOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return poolShape(*this, dims, shapes);
}
LogicalResult LpPoolOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return poolShape(*this, dims, shapes);
}

static LogicalResult globalPoolShape(Operation *op, DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> x = dims.shape(op->getOperand(0));
  if (!x)
    return success();
  if (x->size() < 2)
    return op->emitOpError("expects an input of rank >= 2");
  for (size_t d = 2; d < x->size(); ++d)
    (*x)[d] = dims.constant(1);
  shapes.push_back(*x);
  return success();
}
LogicalResult GlobalAveragePoolOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return globalPoolShape(*this, dims, shapes);
}
LogicalResult GlobalMaxPoolOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return globalPoolShape(*this, dims, shapes);
}
LogicalResult GlobalLpPoolOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return globalPoolShape(*this, dims, shapes);
}

LogicalResult ConcatOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  SmallVector<Dims> in;
  for (Value v : getInputs()) {
    std::optional<Dims> s = dims.shape(v);
    if (!s)
      return success();
    in.push_back(*s);
  }
  if (in.empty())
    return emitOpError("expects at least one input");
  int64_t rank = in[0].size();
  std::optional<int64_t> axis = normalizeAxis((int64_t)getAxis(), rank);
  if (!axis)
    return emitOpError("axis ") << (int64_t)getAxis() << " is out of range for rank " << rank;
  Dims out = in[0];
  for (const Dims &s : ArrayRef(in).drop_front()) {
    if ((int64_t)s.size() != rank)
      return emitOpError("inputs differ in rank");
    for (int64_t d = 0; d < rank; ++d) {
      if (d == *axis) {
        out[d] = dims.add(out[d], s[d]);
        continue;
      }
      if (!DimBuilder::isKnown(out[d]))
        out[d] = s[d];
      else if (failed(dims.require(Cmp::EQ, s[d], out[d], "Concat inputs differ in size")))
        return emitOpError("inputs differ in dimension ") << d;
    }
  }
  shapes.push_back(out);
  return success();
}

LogicalResult ReshapeOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> target = dims.values(getShape());
  if (!target)
    return success();
  std::optional<Dims> in = dims.shape(getData());
  bool allowzero = getAllowzero() != 0;
  // Errors that the constant entries already show.
  int64_t negatives = 0;
  for (auto [d, v] : llvm::enumerate(*target)) {
    std::optional<int64_t> c = DimBuilder::constantOf(v);
    if (c && *c < -1)
      return emitOpError("shape has a negative dimension ") << *c;
    if (c == -1 && ++negatives > 1)
      return emitOpError("shape has more than one -1");
    if (c == 0 && !allowzero && in && d >= in->size())
      return emitOpError("copies dimension ") << d << " that the input lacks";
  }
  // Each entry v: 0 copies the input's size (unless allowzero), -1 takes
  // what is left. Written with selects, so that entries known only at run
  // time follow the same rule; constants fold.
  OpFoldResult zero = dims.constant(0), one = dims.constant(1), minusOne = dims.constant(-1);
  Dims sizes;
  OpFoldResult known = one, minusOnes = zero;
  for (auto [d, v] : llvm::enumerate(*target)) {
    OpFoldResult size = v;
    if (!allowzero && in && d < in->size())
      size = dims.select(Cmp::EQ, v, zero, (*in)[d], v);
    else if (!allowzero && failed(dims.require(Cmp::NE, v, zero,
                                               "Reshape copies a dimension the input lacks")))
      return failure();
    if (failed(dims.require(Cmp::GE, v, minusOne, "Reshape's shape has a negative entry")))
      return failure();
    sizes.push_back(size);
    known = dims.mul(known, dims.select(Cmp::EQ, v, minusOne, one, size));
    minusOnes = dims.add(minusOnes, dims.select(Cmp::EQ, v, minusOne, one, zero));
  }
  if (failed(dims.require(Cmp::LE, minusOnes, one, "Reshape's shape has more than one -1")))
    return failure();
  if (!in) {
    for (auto [v, size] : llvm::zip(*target, sizes))
      if (DimBuilder::constantOf(v) == -1)
        size = {};
    shapes.push_back(sizes);
    return success();
  }
  OpFoldResult total = dims.product(*in);
  std::optional<int64_t> ck = DimBuilder::constantOf(known), ct = DimBuilder::constantOf(total);
  if (negatives && ck && ct && (*ck == 0 || *ct % *ck != 0))
    return emitOpError("cannot reshape ") << *ct << " elements into a shape whose other "
                                          << "dimensions hold " << *ck;
  // The inferred size; 0 when the others hold nothing (then the count
  // check below fails unless the input is empty too).
  OpFoldResult inferred =
      dims.select(Cmp::EQ, known, zero, zero, dims.floorDiv(total, known));
  Dims out;
  for (auto [v, size] : llvm::zip(*target, sizes))
    out.push_back(dims.select(Cmp::EQ, v, minusOne, inferred, size));
  OpFoldResult count = dims.product(out);
  std::optional<int64_t> cc = DimBuilder::constantOf(count);
  if (cc && ct && *cc != *ct)
    return emitOpError("cannot reshape ") << *ct << " elements to " << *cc << " elements";
  if (failed(dims.require(Cmp::EQ, count, total, "Reshape changes the number of elements")))
    return failure();
  shapes.push_back(out);
  return success();
}

LogicalResult FlattenOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getInput());
  if (!in)
    return success();
  int64_t rank = in->size(), axis = (int64_t)getAxis();
  if (axis < -rank || axis > rank)
    return emitOpError("axis ") << axis << " out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  shapes.push_back({dims.product(ArrayRef(*in).take_front(axis)),
                    dims.product(ArrayRef(*in).drop_front(axis))});
  return success();
}

LogicalResult TransposeOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getData());
  if (!in)
    return success();
  int64_t rank = in->size();
  if (getPerm() && (int64_t)getPerm()->size() != rank)
    return emitOpError("perm has ") << getPerm()->size() << " entries for rank " << rank;
  Dims out;
  SmallVector<bool> seen(rank, false);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t p = getPerm() ? (*getPerm())[d] : rank - 1 - d;
    if (p < 0 || p >= rank || seen[p])
      return emitOpError("perm is not a permutation");
    seen[p] = true;
    out.push_back((*in)[p]);
  }
  shapes.push_back(out);
  return success();
}

/// The constant axes operand (or attribute) of Squeeze, Unsqueeze and the
/// Reduce ops: nullopt when absent; `unknown` when not constant.
static std::optional<SmallVector<int64_t>> constantAxes(Value axes, bool &unknown) {
  unknown = false;
  if (isNoneValue(axes))
    return std::nullopt;
  std::optional<SmallVector<int64_t>> values = getConstantInts(axes);
  if (!values)
    unknown = true;
  return values;
}

/// Per dim of a rank-`rank` shape, how many of `axes` name it (axes may be
/// known only at run time); requires every axis in range and none repeated.
static FailureOr<Dims> axisHits(DimBuilder &dims, ArrayRef<OpFoldResult> axes, int64_t rank) {
  OpFoldResult zero = dims.constant(0), one = dims.constant(1);
  Dims hits(rank, zero);
  for (OpFoldResult a : axes) {
    OpFoldResult d = dims.select(Cmp::LT, a, zero, dims.add(a, dims.constant(rank)), a);
    for (int64_t i = 0; i < rank; ++i)
      hits[i] = dims.add(hits[i], dims.select(Cmp::EQ, d, dims.constant(i), one, zero));
  }
  OpFoldResult named = zero, repeated = zero;
  for (OpFoldResult h : hits) {
    named = dims.add(named, h);
    repeated = dims.add(repeated, dims.select(Cmp::GT, h, one, one, zero));
  }
  if (failed(dims.require(Cmp::EQ, named, dims.constant(axes.size()),
                          "axes out of range")) ||
      failed(dims.require(Cmp::EQ, repeated, zero, "repeated axes")))
    return failure();
  return hits;
}

/// Squeeze and Unsqueeze with axes known only at run time: `hits` flags the
/// dims of the longer shape (`in` for Squeeze, the result for Unsqueeze);
/// dim j of the shorter one is the j-th dim not flagged.
static Dims unflaggedDims(DimBuilder &dims, const Dims &longer, ArrayRef<OpFoldResult> hits,
                          int64_t shorterRank) {
  OpFoldResult zero = dims.constant(0), one = dims.constant(1);
  Dims out(shorterRank, zero);
  OpFoldResult before = zero; // unflagged dims so far
  for (auto [m, h] : llvm::enumerate(hits)) {
    for (int64_t j = 0; j < shorterRank; ++j)
      out[j] = dims.add(out[j], dims.select(Cmp::EQ, h, zero,
                                            dims.select(Cmp::EQ, before, dims.constant(j),
                                                        longer[m], zero),
                                            zero));
    before = dims.add(before, dims.select(Cmp::EQ, h, zero, one, zero));
  }
  return out;
}

LogicalResult SqueezeOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getData());
  if (!in)
    return success();
  bool unknown;
  std::optional<SmallVector<int64_t>> given = constantAxes(getAxes(), unknown);
  if (unknown) {
    // Axes fed at run time, of a known count.
    std::optional<Dims> values = dims.values(getAxes());
    int64_t rank = in->size();
    if (!values || (int64_t)values->size() > rank)
      return success();
    FailureOr<Dims> hits = axisHits(dims, *values, rank);
    if (failed(hits))
      return emitOpError("axes are out of range or repeated");
    OpFoldResult notOne = dims.constant(0);
    for (auto [d, h] : llvm::zip(*in, *hits))
      notOne = dims.add(notOne, dims.select(Cmp::EQ, h, dims.constant(0), dims.constant(0),
                                            dims.select(Cmp::EQ, d, dims.constant(1),
                                                        dims.constant(0), dims.constant(1))));
    if (failed(dims.require(Cmp::EQ, notOne, dims.constant(0),
                            "Squeeze of a dimension that is not 1")))
      return emitOpError("squeezes a dimension that is not 1");
    shapes.push_back(unflaggedDims(dims, *in, *hits, rank - values->size()));
    return success();
  }
  std::optional<SmallVector<int64_t>> axes;
  if (given) {
    axes = normalizeAxes(*given, in->size());
    if (!axes)
      return emitOpError("axes are out of range or repeated");
  }
  Dims out;
  for (int64_t d = 0; d < (int64_t)in->size(); ++d) {
    std::optional<int64_t> s = DimBuilder::constantOf((*in)[d]);
    if (!axes && !s)
      return success(); // cannot tell whether it squeezes
    bool listed = axes ? llvm::is_contained(*axes, d) : s == 1;
    if (listed) {
      if (s && *s != 1)
        return emitOpError("cannot squeeze dimension ") << d << " of size " << *s;
      if (failed(dims.require(Cmp::EQ, (*in)[d], dims.constant(1),
                              "Squeeze of a dimension that is not 1")))
        return failure();
      continue;
    }
    out.push_back((*in)[d]);
  }
  shapes.push_back(out);
  return success();
}

LogicalResult UnsqueezeOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getData());
  std::optional<SmallVector<int64_t>> values = getConstantInts(getAxes());
  if (!in)
    return success();
  if (!values) {
    // Axes fed at run time, of a known count: result dim j is 1 where an
    // axis names it, else the next input dim.
    std::optional<Dims> axes = dims.values(getAxes());
    if (!axes)
      return success();
    int64_t outRank = in->size() + axes->size();
    FailureOr<Dims> hits = axisHits(dims, *axes, outRank);
    if (failed(hits))
      return emitOpError("axes are out of range or repeated");
    // The inverse of unflaggedDims: input dim k goes to the k-th unflagged
    // result dim.
    OpFoldResult zero = dims.constant(0), one = dims.constant(1);
    Dims out;
    OpFoldResult before = zero;
    for (int64_t j = 0; j < outRank; ++j) {
      OpFoldResult fromIn = zero;
      for (int64_t k = 0; k < (int64_t)in->size(); ++k)
        fromIn = dims.add(fromIn, dims.select(Cmp::EQ, before, dims.constant(k), (*in)[k], zero));
      out.push_back(dims.select(Cmp::EQ, (*hits)[j], zero, fromIn, one));
      before = dims.add(before, dims.select(Cmp::EQ, (*hits)[j], zero, one, zero));
    }
    shapes.push_back(out);
    return success();
  }
  int64_t outRank = in->size() + values->size();
  std::optional<SmallVector<int64_t>> axes = normalizeAxes(*values, outRank);
  if (!axes)
    return emitOpError("axes are out of range or repeated");
  Dims out;
  for (int64_t d = 0, src = 0; d < outRank; ++d)
    out.push_back(llvm::is_contained(*axes, d) ? dims.constant(1) : (*in)[src++]);
  shapes.push_back(out);
  return success();
}

LogicalResult GatherOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> data = dims.shape(getData()), idx = dims.shape(getIndices());
  if (!data || !idx)
    return success();
  if (data->empty())
    return emitOpError("expects data of rank >= 1");
  std::optional<int64_t> axis = normalizeAxis((int64_t)getAxis(), data->size());
  if (!axis)
    return emitOpError("axis ") << (int64_t)getAxis() << " is out of range for rank "
                                << data->size();
  Dims out(data->begin(), data->begin() + *axis);
  out.append(idx->begin(), idx->end());
  out.append(data->begin() + *axis + 1, data->end());
  shapes.push_back(out);
  return success();
}

LogicalResult GatherElementsOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> data = dims.shape(getData()), idx = dims.shape(getIndices());
  if (!data || !idx)
    return success();
  if (data->size() != idx->size() || data->empty())
    return emitOpError("expects data and indices of one rank >= 1");
  if (!normalizeAxis((int64_t)getAxis(), data->size()))
    return emitOpError("axis is out of range");
  shapes.push_back(*idx);
  return success();
}

LogicalResult GatherNDOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> data = dims.shape(getData()), idx = dims.shape(getIndices());
  if (!data || !idx)
    return success();
  int64_t b = getBatchDims(), q = idx->size(), r = data->size();
  std::optional<int64_t> last = q ? DimBuilder::constantOf(idx->back()) : std::nullopt;
  if (q < 1 || r < 1 || b < 0 || b >= std::min(q, r))
    return emitOpError("batch_dims and ranks are inconsistent");
  if (!last)
    return success();
  if (*last < 1 || *last > r - b)
    return emitOpError("the last dimension of indices is out of range");
  Dims out(idx->begin(), idx->end() - 1);
  out.append(data->begin() + b + *last, data->end());
  shapes.push_back(out);
  return success();
}

LogicalResult ExpandOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getInput());
  Dims target;
  bool known;
  if (failed(sizesFromTensor(*this, dims, getShape(), target, known)))
    return failure();
  if (!in || !known)
    return success();
  // Numpy broadcasting of the input against the requested shape, where a 1
  // in either keeps the other's size.
  size_t rank = std::max(in->size(), target.size());
  Dims out;
  OpFoldResult one = dims.constant(1);
  for (size_t i = 0; i < rank; ++i) {
    OpFoldResult x = i < rank - in->size() ? one : (*in)[i - (rank - in->size())];
    OpFoldResult v = i < rank - target.size() ? one : target[i - (rank - target.size())];
    if (DimBuilder::constantOf(x) == 1) {
      out.push_back(v);
      continue;
    }
    OpFoldResult size = dims.select(Cmp::EQ, v, one, x, v);
    std::optional<int64_t> cx = DimBuilder::constantOf(x), cs = DimBuilder::constantOf(size);
    if (cx && cs && *cx != *cs)
      return emitOpError("the input does not broadcast to the requested shape");
    if (failed(dims.requireBroadcastable(x, size, "Expand's input does not broadcast to the shape")))
      return failure();
    out.push_back(size);
  }
  shapes.push_back(out);
  return success();
}

LogicalResult TileOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getInput());
  std::optional<Dims> reps = dims.values(getRepeats());
  if (!in || !reps)
    return success();
  if (reps->size() != in->size())
    return emitOpError("repeats has ") << reps->size() << " values for rank " << in->size();
  Dims out;
  for (auto [d, r] : llvm::zip(*in, *reps)) {
    if (std::optional<int64_t> c = DimBuilder::constantOf(r); c && *c < 0)
      return emitOpError("repeats must not be negative");
    out.push_back(dims.mul(d, r));
  }
  shapes.push_back(out);
  return success();
}

LogicalResult SliceOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getData());
  std::optional<Dims> starts = dims.values(getStarts()), ends = dims.values(getEnds());
  if (!in || !starts || !ends)
    return success();
  if (starts->size() != ends->size())
    return emitOpError("starts and ends differ in length");
  int64_t rank = in->size();
  SmallVector<int64_t> axes;
  if (!isNoneValue(getAxes())) {
    std::optional<SmallVector<int64_t>> a = getConstantInts(getAxes());
    if (!a) {
      // The rank is known, but not which dims change.
      auto declared = dyn_cast<RankedTensorType>(getType());
      if (declared && declared.getRank() != rank)
        return emitOpError("result is declared with rank ")
               << declared.getRank() << ", but slicing keeps the data's rank " << rank;
      return success();
    }
    std::optional<SmallVector<int64_t>> sorted = normalizeAxes(*a, rank);
    if (!sorted || a->size() != starts->size())
      return emitOpError("axes are out of range, repeated or of the wrong length");
    for (int64_t v : *a)
      axes.push_back(*normalizeAxis(v, rank));
  } else {
    for (int64_t d = 0; d < (int64_t)starts->size(); ++d)
      axes.push_back(d);
    if ((int64_t)axes.size() > rank)
      return emitOpError("more starts than dimensions");
  }
  std::optional<Dims> steps = dims.values(getSteps());
  if (!isNoneValue(getSteps()) && !steps)
    return success();
  Dims out = *in;
  for (size_t i = 0; i < axes.size(); ++i) {
    OpFoldResult step = steps ? (*steps)[i] : dims.constant(1);
    std::optional<int64_t> cstep = DimBuilder::constantOf(step);
    if (cstep == 0)
      return emitOpError("steps must not be 0");
    if (!cstep) {
      out[axes[i]] = sliceSize(dims, (*in)[axes[i]], (*starts)[i], (*ends)[i], step).size;
      continue;
    }
    out[axes[i]] = sliceSize(dims, (*in)[axes[i]], (*starts)[i], (*ends)[i], *cstep).size;
  }
  shapes.push_back(out);
  return success();
}

SliceBounds onnx_mlc::onnx::sliceSize(const DimBuilder &dims, OpFoldResult size,
                                      OpFoldResult start, OpFoldResult end, int64_t step) {
  // ONNX: negative starts/ends count from the end; they are then clamped to
  // [0, size] for positive steps and [-1, size - 1] for negative ones.
  auto normalize = [&](OpFoldResult v, int64_t lo, OpFoldResult hiOffset) {
    OpFoldResult shifted = dims.select(Cmp::LT, v, dims.constant(0), dims.add(v, size), v);
    OpFoldResult hi = dims.add(size, hiOffset);
    return dims.max(dims.constant(lo), dims.min(shifted, hi));
  };
  SliceBounds r;
  if (step > 0) {
    r.start = normalize(start, 0, dims.constant(0));
    OpFoldResult e = normalize(end, 0, dims.constant(0));
    r.size = dims.max(dims.constant(0),
                      dims.ceilDiv(dims.sub(e, r.start), dims.constant(step)));
  } else {
    r.start = normalize(start, -1, dims.constant(-1));
    OpFoldResult e = normalize(end, -1, dims.constant(-1));
    r.size = dims.max(dims.constant(0),
                      dims.ceilDiv(dims.sub(r.start, e), dims.constant(-step)));
  }
  return r;
}

SliceBounds onnx_mlc::onnx::sliceSize(const DimBuilder &dims, OpFoldResult size,
                                      OpFoldResult start, OpFoldResult end, OpFoldResult step) {
  if (std::optional<int64_t> c = DimBuilder::constantOf(step))
    return sliceSize(dims, size, start, end, *c);
  SliceBounds up = sliceSize(dims, size, start, end, 1);
  SliceBounds down = sliceSize(dims, size, start, end, -1);
  OpFoldResult zero = dims.constant(0);
  // The sizes for steps of 1 and -1, divided by |step|, rounding up.
  OpFoldResult upSize = dims.ceilDiv(up.size, step);
  OpFoldResult downSize = dims.ceilDiv(down.size, dims.sub(zero, step));
  return {dims.select(Cmp::GT, step, zero, up.start, down.start),
          dims.select(Cmp::GT, step, zero, upSize, downSize)};
}

LogicalResult SplitOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getInput());
  if (!in)
    return success();
  std::optional<int64_t> axis = normalizeAxis((int64_t)getAxis(), in->size());
  if (!axis)
    return emitOpError("axis is out of range");
  int64_t n = getNumResults();
  if (auto declared = getNumOutputs(); declared && (int64_t)*declared != n)
    return emitOpError("num_outputs is ") << *declared << " but the node has " << n
                                          << " outputs";
  Dims sizes;
  if (!isNoneValue(getSplit())) {
    std::optional<Dims> given = dims.values(getSplit());
    if (!given)
      return success();
    if ((int64_t)given->size() != n)
      return emitOpError("split has ") << given->size() << " sizes for " << n << " outputs";
    sizes = *given;
    OpFoldResult total = dims.constant(0);
    for (OpFoldResult s : sizes)
      total = dims.add(total, s);
    if (failed(dims.require(Cmp::EQ, total, (*in)[*axis], "Split sizes do not add up")))
      return emitOpError("split sizes do not add up to the dimension");
  } else {
    // Equal parts, the last one smaller when the size does not divide.
    OpFoldResult part = dims.ceilDiv((*in)[*axis], dims.constant(n));
    for (int64_t i = 0; i < n; ++i) {
      OpFoldResult rest = dims.sub((*in)[*axis], dims.mul(part, dims.constant(i)));
      sizes.push_back(dims.max(dims.constant(0), dims.min(part, rest)));
    }
  }
  for (OpFoldResult s : sizes) {
    Dims out = *in;
    out[*axis] = s;
    shapes.push_back(out);
  }
  return success();
}

LogicalResult PadOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getData());
  std::optional<Dims> pads = dims.values(getPads());
  if (!in || !pads)
    return success();
  int64_t rank = in->size();
  SmallVector<int64_t> axes;
  if (!isNoneValue(getAxes())) {
    std::optional<SmallVector<int64_t>> a = getConstantInts(getAxes());
    if (!a)
      return success();
    for (int64_t v : *a) {
      std::optional<int64_t> n = normalizeAxis(v, rank);
      if (!n)
        return emitOpError("axis ") << v << " is out of range";
      axes.push_back(*n);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  if (pads->size() != 2 * axes.size())
    return emitOpError("pads has ") << pads->size() << " values for " << axes.size() << " axes";
  Dims out = *in;
  for (size_t i = 0; i < axes.size(); ++i)
    out[axes[i]] = dims.add(out[axes[i]], dims.add((*pads)[i], (*pads)[i + axes.size()]));
  for (OpFoldResult d : out)
    if (std::optional<int64_t> c = DimBuilder::constantOf(d); c && *c < 0)
      return emitOpError("padding removes more than the whole dimension");
  shapes.push_back(out);
  return success();
}

/// Reduced shape: reduced axes become 1 (keepdims) or disappear.
static Dims reducedShape(const DimBuilder &dims, ArrayRef<OpFoldResult> in,
                         ArrayRef<int64_t> axes, bool keepdims) {
  Dims out;
  for (int64_t d = 0; d < (int64_t)in.size(); ++d) {
    if (!llvm::is_contained(axes, d))
      out.push_back(in[d]);
    else if (keepdims)
      out.push_back(dims.constant(1));
  }
  return out;
}

template <typename ReduceOp>
static LogicalResult reduceShape(ReduceOp op, DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(op.getData());
  if (!in)
    return success();
  int64_t rank = in->size();
  bool unknown;
  std::optional<SmallVector<int64_t>> given = constantAxes(op.getAxes(), unknown);
  bool keep = op.getKeepdims() != 0;
  if (unknown) {
    // Which dims are reduced is known only at run time: with keepdims the
    // rank is known, but every size may become 1.
    if (keep)
      shapes.push_back(Dims(rank, OpFoldResult()));
    return success();
  }
  SmallVector<int64_t> axes;
  if (given && !given->empty()) {
    std::optional<SmallVector<int64_t>> n = normalizeAxes(*given, rank);
    if (!n)
      return op.emitOpError("axes are out of range or repeated");
    axes = *n;
  } else if (!op.getNoopWithEmptyAxes()) {
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  shapes.push_back(reducedShape(dims, *in, axes, keep));
  return success();
}
#define REDUCE(OP)                                                             \
  LogicalResult OP::resultShapes(DimBuilder &dims, ShapeList &shapes) {        \
    return reduceShape(*this, dims, shapes);                                   \
  }
REDUCE(ReduceL1Op)
REDUCE(ReduceL2Op)
REDUCE(ReduceLogSumOp)
REDUCE(ReduceLogSumExpOp)
REDUCE(ReduceMaxOp)
REDUCE(ReduceMeanOp)
REDUCE(ReduceMinOp)
REDUCE(ReduceProdOp)
REDUCE(ReduceSumOp)
REDUCE(ReduceSumSquareOp)
#undef REDUCE

template <typename ArgOp>
static LogicalResult argShape(ArgOp op, DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(op.getData());
  if (!in)
    return success();
  std::optional<int64_t> axis = normalizeAxis((int64_t)op.getAxis(), in->size());
  if (!axis)
    return op.emitOpError("axis is out of range");
  shapes.push_back(reducedShape(dims, *in, {*axis}, op.getKeepdims() != 0));
  return success();
}
LogicalResult ArgMaxOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return argShape(*this, dims, shapes);
}
LogicalResult ArgMinOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return argShape(*this, dims, shapes);
}

LogicalResult TopKOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getX());
  std::optional<Dims> k = dims.values(getK());
  if (!in || !k)
    return success();
  std::optional<int64_t> axis = normalizeAxis((int64_t)getAxis(), in->size());
  if (!axis || k->size() != 1)
    return emitOpError("axis is out of range or K is not a single value");
  if (failed(dims.require(Cmp::LE, (*k)[0], (*in)[*axis], "TopK's K exceeds the dimension")) ||
      failed(dims.require(Cmp::GE, (*k)[0], dims.constant(0), "TopK's K is negative")))
    return emitOpError("K is out of range");
  Dims out = *in;
  out[*axis] = (*k)[0];
  shapes = {out, out};
  return success();
}

LogicalResult RangeOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  // The count depends on the values; folding computes it for constants and
  // the lowering computes it at run time.
  auto start = getConstantValue(getStart()), limit = getConstantValue(getLimit()),
       delta = getConstantValue(getDelta());
  if (!start || !limit || !delta) {
    shapes.push_back({OpFoldResult()});
    return success();
  }
  auto asDouble = [](DenseElementsAttr a) {
    if (isa<FloatType>(a.getElementType()))
      return (*a.getValues<APFloat>().begin()).convertToDouble();
    return (double)(*a.getValues<APInt>().begin()).getSExtValue();
  };
  double s = asDouble(start), l = asDouble(limit), d = asDouble(delta);
  if (d == 0)
    return emitOpError("delta must not be 0");
  double n = std::ceil((l - s) / d);
  if (!(n < 9.0e15))
    return emitOpError("the range has too many elements");
  shapes.push_back({dims.constant(std::max<int64_t>(0, (int64_t)n))});
  return success();
}

LogicalResult OneHotOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> idx = dims.shape(getIndices());
  if (!idx)
    return success();
  int64_t outRank = idx->size() + 1;
  std::optional<int64_t> axis = normalizeAxis((int64_t)getAxis(), outRank);
  if (!axis)
    return emitOpError("axis is out of range");
  OpFoldResult depth;
  if (DenseElementsAttr d = getConstantValue(getDepth())) {
    double v = isa<FloatType>(d.getElementType())
                   ? (*d.getValues<APFloat>().begin()).convertToDouble()
                   : (double)(*d.getValues<APInt>().begin()).getSExtValue();
    if (v < 1 || v > 1e12)
      return emitOpError("depth must be positive");
    depth = dims.constant((int64_t)v);
  }
  Dims out = *idx;
  out.insert(out.begin() + *axis, depth);
  shapes.push_back(out);
  return success();
}

LogicalResult NonZeroOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  int64_t rank = rankOf(getX());
  if (rank < 0)
    return success();
  shapes.push_back({dims.constant(rank), OpFoldResult()});
  return success();
}

LogicalResult CompressOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getInput());
  if (!in)
    return success();
  if (!getAxis()) {
    shapes.push_back({OpFoldResult()});
    return success();
  }
  std::optional<int64_t> axis = normalizeAxis((int64_t)*getAxis(), in->size());
  if (!axis)
    return emitOpError("axis is out of range");
  Dims out = *in;
  out[*axis] = {};
  shapes.push_back(out);
  return success();
}

template <typename Op>
static LogicalResult blockShape(Op op, DimBuilder &dims, ShapeList &shapes, bool toDepth) {
  std::optional<Dims> in = dims.shape(op.getInput());
  if (!in)
    return success();
  if (in->size() != 4)
    return op.emitOpError("expects a 4-D input");
  int64_t b = op.getBlocksize();
  if (b < 1)
    return op.emitOpError("blocksize must be positive");
  OpFoldResult bb = dims.constant(b * b), bc = dims.constant(b);
  Dims out = *in;
  if (toDepth) {
    out[1] = dims.mul((*in)[1], bb);
    out[2] = dims.floorDiv((*in)[2], bc);
    out[3] = dims.floorDiv((*in)[3], bc);
  } else {
    out[1] = dims.floorDiv((*in)[1], bb);
    out[2] = dims.mul((*in)[2], bc);
    out[3] = dims.mul((*in)[3], bc);
  }
  shapes.push_back(out);
  return success();
}
LogicalResult DepthToSpaceOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return blockShape(*this, dims, shapes, false);
}
LogicalResult SpaceToDepthOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return blockShape(*this, dims, shapes, true);
}

/// The per-axis scales of a Resize (1 for dims it does not resize), from a
/// constant `scales`, or from `sizes` and static input sizes; nullopt when
/// only the run time knows them.
std::optional<SmallVector<double>> onnx_mlc::onnx::resizeScales(ResizeOp op) {
  int64_t rank = rankOf(op.getX());
  if (rank < 0)
    return std::nullopt;
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (auto a = op.getAxes()) {
    axes.clear();
    for (int64_t v : *a)
      axes.push_back(*normalizeAxis(v, rank));
  }
  SmallVector<double> scales(rank, 1.0);
  if (DenseElementsAttr given = getConstantValue(op.getScales()); given && given.getNumElements()) {
    if (given.getNumElements() != (int64_t)axes.size())
      return std::nullopt;
    for (auto [i, v] : llvm::enumerate(given.getValues<APFloat>()))
      scales[axes[i]] = v.convertToDouble();
    return scales;
  }
  std::optional<SmallVector<int64_t>> sizes = getConstantInts(op.getSizes());
  auto in = dyn_cast<RankedTensorType>(op.getX().getType());
  if (!sizes || !in || sizes->size() != axes.size())
    return std::nullopt;
  for (auto [i, a] : llvm::enumerate(axes)) {
    if (in.isDynamicDim(a) || in.getDimSize(a) == 0)
      return std::nullopt;
    scales[a] = (double)(*sizes)[i] / in.getDimSize(a);
  }
  StringRef policy = op.getKeepAspectRatioPolicy();
  if (policy == "not_larger" || policy == "not_smaller") {
    double s = scales[axes[0]];
    for (int64_t a : axes)
      s = policy == "not_larger" ? std::min(s, scales[a]) : std::max(s, scales[a]);
    for (int64_t a : axes)
      scales[a] = s;
  }
  return scales;
}

LogicalResult GridSampleOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> x = dims.shape(getX()), grid = dims.shape(getGrid());
  if (!x || !grid)
    return success();
  int64_t spatial = (int64_t)x->size() - 2;
  if (spatial < 1 || (int64_t)grid->size() != spatial + 2)
    return emitOpError("X must be (N, C, spatial...) and grid (N, spatial..., ")
           << spatial << ") of the same rank";
  std::optional<int64_t> last = DimBuilder::constantOf(grid->back());
  if (last && *last != spatial)
    return emitOpError("grid's last dimension must be ") << spatial << ", the spatial rank";
  if (failed(dims.require(Cmp::EQ, (*x)[0], (*grid)[0], "GridSample's batch sizes differ")))
    return emitOpError("X and grid have different batch sizes");
  Dims out{(*x)[0], (*x)[1]};
  out.append(grid->begin() + 1, grid->end() - 1);
  shapes.push_back(out);
  return success();
}

LogicalResult ResizeOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getX());
  if (!in)
    return success();
  int64_t rank = in->size();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (auto a = getAxes()) {
    std::optional<SmallVector<int64_t>> sorted = normalizeAxes(*a, rank);
    if (!sorted || sorted->size() != a->size())
      return emitOpError("axes are out of range or repeated");
    axes.clear();
    for (int64_t v : *a)
      axes.push_back(*normalizeAxis(v, rank));
  }
  // One scale or size per axis (the lowering reads them by position); an
  // empty one stands for an absent one (opsets 11 and 12).
  for (auto [value, name] : {std::pair{getScales(), "scales"}, std::pair{getSizes(), "sizes"}})
    if (!isAbsentInput(value) &&
        failed(requireShape(*this, dims, value, {dims.constant(axes.size())}, name)))
      return failure();
  Dims out = *in;
  StringRef policy = getKeepAspectRatioPolicy();
  bool stretch = policy == "stretch";
  if (!isAbsentInput(getSizes()) && (!stretch || getConstantInts(getSizes()))) {
    std::optional<Dims> sizes = dims.values(getSizes());
    if (!sizes)
      return success();
    if (sizes->size() != axes.size())
      return emitOpError("sizes has ") << sizes->size() << " values for " << axes.size() << " axes";
    if (stretch) {
      for (auto [i, a] : llvm::enumerate(axes))
        out[a] = (*sizes)[i];
    } else {
      // The one scale keeps the aspect ratio; sizes round half up.
      std::optional<SmallVector<double>> scales = resizeScales(*this);
      for (int64_t a : axes) {
        std::optional<int64_t> n = DimBuilder::constantOf((*in)[a]);
        out[a] = scales && n ? dims.constant((int64_t)std::floor((*scales)[a] * *n + 0.5))
                             : OpFoldResult();
      }
    }
  } else if (!isAbsentInput(getSizes())) {
    std::optional<Dims> sizes = dims.values(getSizes());
    if (!sizes)
      return success();
    for (auto [i, a] : llvm::enumerate(axes))
      out[a] = i < sizes->size() ? (*sizes)[i] : OpFoldResult();
  } else if (!isAbsentInput(getScales())) {
    std::optional<SmallVector<double>> scales = resizeScales(*this);
    for (int64_t a : axes) {
      std::optional<int64_t> n = DimBuilder::constantOf((*in)[a]);
      if (scales && (*scales)[a] <= 0)
        return emitOpError("scales must be positive");
      // floor(size * scale), computed in double as the reference does.
      out[a] = scales && n ? dims.constant((int64_t)std::floor((*scales)[a] * *n)) : OpFoldResult();
    }
  } else {
    return emitOpError("needs scales or sizes");
  }
  shapes.push_back(out);
  return success();
}

FailureOr<EinsumSpec> onnx_mlc::onnx::parseEinsum(EinsumOp op, std::string &error) {
  std::string eq;
  for (char c : op.getEquation())
    if (c != ' ')
      eq.push_back(c);
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::optional<std::string> rhs;
  if (arrow != std::string::npos)
    rhs = eq.substr(arrow + 2);
  SmallVector<std::string> terms;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  if (terms.size() != op.getInputs().size()) {
    error = "the equation names " + std::to_string(terms.size()) + " inputs, the op has " +
            std::to_string(op.getInputs().size());
    return failure();
  }
  // Symbols: letters, and one per dimension an ellipsis covers (counted
  // from the right, so that they broadcast like numpy).
  auto isLetter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  SmallVector<SmallVector<int64_t>> symbols; // per input, per dim
  int64_t ellipsis = 0;
  for (auto [term, input] : llvm::zip(terms, op.getInputs())) {
    int64_t rank = rankOf(input);
    if (rank < 0) {
      error = "an input has unknown rank";
      return failure();
    }
    size_t dots = term.find("...");
    int64_t letters = 0;
    for (char c : term)
      letters += isLetter(c);
    if (std::count(term.begin(), term.end(), '.') != (dots == std::string::npos ? 0 : 3) ||
        llvm::any_of(term, [&](char c) { return !isLetter(c) && c != '.'; })) {
      error = "cannot read the term '" + term + "'";
      return failure();
    }
    int64_t covered = rank - letters;
    if (covered < 0 || (dots == std::string::npos && covered != 0)) {
      error = "the term '" + term + "' does not match an input of rank " + std::to_string(rank);
      return failure();
    }
    ellipsis = std::max(ellipsis, dots == std::string::npos ? 0 : covered);
    SmallVector<int64_t> s;
    for (size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '.') {
        for (int64_t e = 0; e < covered; ++e)
          s.push_back(-(covered - e)); // -1 is the last ellipsis dim
        i += 2;
        continue;
      }
      s.push_back(term[i]);
    }
    symbols.push_back(s);
  }
  // The output: as written, or the ellipsis then the letters used once,
  // alphabetically.
  SmallVector<int64_t> out;
  if (rhs) {
    for (size_t i = 0; i < rhs->size(); ++i) {
      char c = (*rhs)[i];
      if (c == '.') {
        if (rhs->compare(i, 3, "...") != 0) {
          error = "cannot read the output term '" + *rhs + "'";
          return failure();
        }
        for (int64_t e = ellipsis; e > 0; --e)
          out.push_back(-e);
        i += 2;
      } else if (isLetter(c)) {
        out.push_back(c);
      } else {
        error = "cannot read the output term '" + *rhs + "'";
        return failure();
      }
    }
  } else {
    for (int64_t e = ellipsis; e > 0; --e)
      out.push_back(-e);
    std::map<int64_t, int> count;
    for (auto &s : symbols)
      for (int64_t c : s)
        if (c > 0)
          ++count[c];
    for (auto [c, n] : count)
      if (n == 1)
        out.push_back(c);
  }
  // Iteration dims: the output's, then the summed ones.
  EinsumSpec spec;
  llvm::DenseMap<int64_t, int64_t> dimOf;
  auto dim = [&](int64_t sym) {
    auto [it, inserted] = dimOf.try_emplace(sym, dimOf.size());
    return it->second;
  };
  for (int64_t sym : out) {
    if (dimOf.count(sym)) {
      error = "the output repeats a symbol";
      return failure();
    }
    spec.output.push_back(dim(sym));
  }
  for (auto &s : symbols) {
    SmallVector<int64_t> dims;
    for (int64_t sym : s)
      dims.push_back(dim(sym));
    spec.inputs.push_back(dims);
  }
  for (int64_t sym : out)
    if (llvm::none_of(symbols, [&](auto &s) { return llvm::is_contained(s, sym); })) {
      error = "the output names a symbol no input has";
      return failure();
    }
  spec.numDims = dimOf.size();
  return spec;
}

LogicalResult EinsumOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::string error;
  if (llvm::any_of(getInputs(), [](Value v) { return rankOf(v) < 0; }))
    return success();
  FailureOr<EinsumSpec> spec = parseEinsum(*this, error);
  if (failed(spec))
    return emitOpError(error);
  // Each iteration dim's size: from an input where it is not a broadcast 1.
  SmallVector<OpFoldResult> sizes(spec->numDims);
  SmallVector<bool> fixed(spec->numDims, false);
  for (auto [input, inDims] : llvm::zip(getInputs(), spec->inputs)) {
    for (auto [d, it] : llvm::enumerate(inDims)) {
      OpFoldResult size = dims.dim(input, d);
      std::optional<int64_t> c = DimBuilder::constantOf(size);
      if (fixed[it]) {
        if (c != 1 && failed(dims.require(Cmp::EQ, size, sizes[it], "Einsum sizes differ")))
          return emitOpError("the sizes of one symbol differ");
        continue;
      }
      if (sizes[it].isNull() || DimBuilder::constantOf(sizes[it]) == 1)
        sizes[it] = size;
      fixed[it] = c != 1;
    }
  }
  Dims out;
  for (int64_t it : spec->output)
    out.push_back(sizes[it]);
  shapes.push_back(out);
  return success();
}

/// RNN, GRU and LSTM: Y is (seq, dirs, batch, hidden), the final states
/// (dirs, batch, hidden); with layout 1, batch comes first in each. The
/// weights' sizes are checked: the lowering slices them by gate.
template <typename RecurrentOp>
static LogicalResult recurrentShape(RecurrentOp op, DimBuilder &dims, ShapeList &shapes,
                                    int64_t gates) {
  std::optional<Dims> x = dims.shape(op.getX()), w = dims.shape(op.getW());
  if (!x || !w)
    return success();
  if (x->size() != 3 || w->size() != 3)
    return op.emitOpError("expects X and W of rank 3");
  StringRef direction = op.getDirection();
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return op.emitOpError("unknown direction '") << direction << "'";
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  bool batchFirst = op.getLayout() != 0;
  OpFoldResult seq = (*x)[batchFirst ? 1 : 0], batch = (*x)[batchFirst ? 0 : 1];
  OpFoldResult hidden = op.getHiddenSize() ? dims.constant(*op.getHiddenSize()) : OpFoldResult();
  if (!hidden) {
    std::optional<Dims> r = dims.shape(op.getR());
    if (r && r->size() == 3)
      hidden = (*r)[2];
  }
  OpFoldResult d = dims.constant(dirs);
  OpFoldResult gh = hidden ? dims.mul(dims.constant(gates), hidden) : OpFoldResult();
  Operation *o = op.getOperation();
  Dims state = batchFirst ? Dims{batch, d, hidden} : Dims{d, batch, hidden};
  if (failed(requireShape(o, dims, op.getW(), {d, gh, (*x)[2]}, "W")) ||
      failed(requireShape(o, dims, op.getR(), {d, gh, hidden}, "R")) ||
      failed(requireShape(o, dims, op.getB(), {d, gh ? dims.mul(dims.constant(2), gh) : gh}, "B")) ||
      failed(requireShape(o, dims, op.getSequenceLens(), {batch}, "sequence_lens")) ||
      failed(requireShape(o, dims, op.getInitialH(), state, "initial_h")))
    return failure();
  if constexpr (std::is_same_v<RecurrentOp, LSTMOp>) {
    OpFoldResult h3 = hidden ? dims.mul(dims.constant(3), hidden) : OpFoldResult();
    if (failed(requireShape(o, dims, op.getInitialC(), state, "initial_c")) ||
        failed(requireShape(o, dims, op.getP(), {d, h3}, "P")))
      return failure();
  }
  Dims y = batchFirst ? Dims{batch, seq, d, hidden} : Dims{seq, d, batch, hidden};
  shapes.push_back(y);
  for (unsigned i = 1; i < op->getNumResults(); ++i)
    shapes.push_back(state);
  return success();
}
LogicalResult RNNOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return recurrentShape(*this, dims, shapes, 1);
}
LogicalResult GRUOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return recurrentShape(*this, dims, shapes, 3);
}
LogicalResult LSTMOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  return recurrentShape(*this, dims, shapes, 4);
}

LogicalResult UniqueOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  std::optional<Dims> in = dims.shape(getX());
  if (!in)
    return success();
  if (getAxis()) {
    std::optional<int64_t> axis = normalizeAxis((int64_t)*getAxis(), in->size());
    if (!axis)
      return emitOpError("axis is out of range");
    Dims y = *in;
    y[*axis] = {};
    shapes = {y, {OpFoldResult()}, {(*in)[*axis]}, {OpFoldResult()}};
    return success();
  }
  shapes = {{OpFoldResult()}, {OpFoldResult()}, {dims.product(*in)}, {OpFoldResult()}};
  return success();
}

/// The shape two values agree on: static sizes where both have the same,
/// unknown elsewhere; nullopt if the ranks differ or one is unknown.
static std::optional<Dims> join(const DimBuilder &dims, Value a, Value b) {
  std::optional<Dims> x = dims.shape(a), y = dims.shape(b);
  if (!x || !y || x->size() != y->size())
    return std::nullopt;
  Dims out;
  for (auto [p, q] : llvm::zip(*x, *y)) {
    std::optional<int64_t> cp = DimBuilder::constantOf(p), cq = DimBuilder::constantOf(q);
    out.push_back(cp && cq && *cp == *cq ? p : OpFoldResult());
  }
  return out;
}

static Operation *yieldOf(Region &region) {
  return region.empty() ? nullptr : region.front().getTerminator();
}

LogicalResult IfOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  Operation *thenYield = yieldOf(getThenBranch()), *elseYield = yieldOf(getElseBranch());
  if (!thenYield || !elseYield)
    return success();
  if (thenYield->getNumOperands() != getNumResults() || elseYield->getNumOperands() != getNumResults())
    return emitOpError("branches yield ") << thenYield->getNumOperands() << " and "
                                          << elseYield->getNumOperands() << " values for "
                                          << getNumResults() << " results";
  for (auto [t, e] : llvm::zip(thenYield->getOperands(), elseYield->getOperands())) {
    std::optional<Dims> s = join(dims, t, e);
    if (!s)
      return success();
    shapes.push_back(*s);
  }
  return success();
}

LogicalResult LoopOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  Operation *yield = yieldOf(getBody());
  if (!yield)
    return success();
  int64_t carried = getVInitial().size();
  if ((int64_t)getBody().front().getNumArguments() != 2 + carried ||
      (int64_t)getNumResults() < carried)
    return emitOpError("the body takes ") << getBody().front().getNumArguments()
                                          << " arguments and the op has " << getNumResults()
                                          << " results for " << carried << " loop-carried values";
  if ((int64_t)yield->getNumOperands() != 1 + carried + (int64_t)getNumResults() - carried)
    return emitOpError("the body yields ") << yield->getNumOperands() << " values, expected "
                                           << 1 + getNumResults();
  for (int64_t i = 0; i < carried; ++i) {
    std::optional<Dims> s = join(dims, getVInitial()[i], yield->getOperand(1 + i));
    if (!s)
      return success();
    shapes.push_back(*s);
  }
  for (Value scan : yield->getOperands().drop_front(1 + carried)) {
    std::optional<Dims> s = dims.shape(scan);
    if (!s)
      return success();
    s->insert(s->begin(), OpFoldResult()); // the number of iterations
    shapes.push_back(*s);
  }
  return success();
}

LogicalResult ScanOp::resultShapes(DimBuilder &dims, ShapeList &shapes) {
  Operation *yield = yieldOf(getBody());
  if (!yield)
    return success();
  int64_t scanInputs = getNumScanInputs();
  int64_t states = (int64_t)getInitialStateAndScanInputs().size() - scanInputs;
  if (states < 0 || scanInputs < 1)
    return emitOpError("num_scan_inputs is out of range");
  if ((int64_t)yield->getNumOperands() != (int64_t)getNumResults())
    return emitOpError("the body yields ") << yield->getNumOperands() << " values for "
                                           << getNumResults() << " results";
  if (getBody().front().getNumArguments() != getInitialStateAndScanInputs().size() ||
      (int64_t)getNumResults() < states)
    return emitOpError("the body takes ") << getBody().front().getNumArguments()
                                          << " arguments for " << getInitialStateAndScanInputs().size()
                                          << " inputs";
  Value first = getInitialStateAndScanInputs()[states];
  int64_t firstRank = rankOf(first);
  if (firstRank < 0)
    return success();
  int64_t inAxis = 0;
  if (auto axes = getScanInputAxes(); axes && !axes->empty())
    inAxis = (*axes)[0];
  std::optional<int64_t> a = normalizeAxis(inAxis, firstRank);
  if (!a)
    return emitOpError("scan_input_axes is out of range");
  OpFoldResult length = dims.dim(first, *a);
  for (int64_t i = 0; i < states; ++i) {
    std::optional<Dims> s = join(dims, getInitialStateAndScanInputs()[i], yield->getOperand(i));
    if (!s)
      return success();
    shapes.push_back(*s);
  }
  for (auto [k, scan] : llvm::enumerate(yield->getOperands().drop_front(states))) {
    std::optional<Dims> s = dims.shape(scan);
    if (!s)
      return success();
    int64_t axis = 0;
    if (auto axes = getScanOutputAxes(); axes && k < axes->size())
      axis = (*axes)[k];
    std::optional<int64_t> at = normalizeAxis(axis, s->size() + 1);
    if (!at)
      return emitOpError("scan_output_axes is out of range");
    s->insert(s->begin() + *at, length);
    shapes.push_back(*s);
  }
  return success();
}
