//===- ONNXShapeInference.cpp - inferShapes() for the implemented ops -----===//
//
// Each function computes the most precise result type it can from operand
// types (and constant operands where the semantics need their values) and
// merges it into the current result type with refineResultType.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

using namespace mlir;
using namespace onnx_mlc::onnx;

static constexpr int64_t kDyn = ShapedType::kDynamic;

static RankedTensorType rankedType(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

static Type elementTypeOf(Value v) {
  return cast<ShapedType>(v.getType()).getElementType();
}

/// Refines result `idx` of `op` to `shape` with the given element type.
static LogicalResult refine(Operation *op, ArrayRef<int64_t> shape, Type elem,
                            unsigned idx = 0) {
  if (failed(refineResultType(op->getResult(idx),
                              RankedTensorType::get(shape, elem))))
    return op->emitOpError("inferred result type ")
           << RankedTensorType::get(shape, elem) << " contradicts the declared "
           << op->getResult(idx).getType();
  return success();
}

/// Result shape = operand shape (unary elementwise ops).
static LogicalResult inferSameShape(Operation *op, Value input) {
  RankedTensorType t = rankedType(input);
  if (!t)
    return success();
  return refine(op, t.getShape(), elementTypeOf(op->getResult(0)));
}

static LogicalResult inferBroadcast(Operation *op, ValueRange inputs) {
  SmallVector<int64_t> shape;
  for (Value v : inputs) {
    RankedTensorType t = rankedType(v);
    if (!t)
      return success();
    std::optional<SmallVector<int64_t>> b = broadcastShapes(shape, t.getShape());
    if (!b)
      return op->emitOpError("operands are not broadcastable");
    shape = *b;
  }
  return refine(op, shape, elementTypeOf(op->getResult(0)));
}

#define SAME_SHAPE(OP, INPUT)                                                  \
  LogicalResult OP::inferShapes() { return inferSameShape(*this, INPUT()); }
SAME_SHAPE(AbsOp, getX)
SAME_SHAPE(ExpOp, getInput)
SAME_SHAPE(IdentityOp, getInput)
SAME_SHAPE(LRNOp, getX)
SAME_SHAPE(LogOp, getInput)
SAME_SHAPE(NegOp, getX)
SAME_SHAPE(ReluOp, getX)
SAME_SHAPE(SigmoidOp, getX)
SAME_SHAPE(SoftmaxOp, getInput)
SAME_SHAPE(SqrtOp, getX)
SAME_SHAPE(TanhOp, getInput)
SAME_SHAPE(BatchNormalizationOp, getX)
#undef SAME_SHAPE

LogicalResult AddOp::inferShapes() { return inferBroadcast(*this, getOperands()); }
LogicalResult SubOp::inferShapes() { return inferBroadcast(*this, getOperands()); }
LogicalResult MulOp::inferShapes() { return inferBroadcast(*this, getOperands()); }
LogicalResult DivOp::inferShapes() { return inferBroadcast(*this, getOperands()); }
LogicalResult SumOp::inferShapes() { return inferBroadcast(*this, getOperands()); }

LogicalResult DropoutOp::inferShapes() {
  RankedTensorType t = rankedType(getData());
  if (!t)
    return success();
  if (failed(refine(*this, t.getShape(), t.getElementType())))
    return failure();
  if (auto maskType = dyn_cast<TensorType>(getMask().getType()))
    return refine(*this, t.getShape(), maskType.getElementType(), 1);
  return success();
}

LogicalResult ConstantOp::inferShapes() {
  if (auto value = getValueAttr())
    return refine(*this, value.getShapedType().getShape(),
                  value.getShapedType().getElementType());
  return success();
}

LogicalResult ConstantOfShapeOp::inferShapes() {
  std::optional<SmallVector<int64_t>> dims = getConstantInts(getInput());
  if (!dims) {
    auto shapeType = rankedType(getInput());
    if (!shapeType || !shapeType.hasStaticShape())
      return success();
    SmallVector<int64_t> dyn(shapeType.getNumElements(), kDyn);
    return refine(*this, dyn, elementTypeOf(getOutput()));
  }
  for (int64_t d : *dims)
    if (d < 0)
      return emitOpError("shape has a negative dimension ") << d;
  return refine(*this, *dims, elementTypeOf(getOutput()));
}

LogicalResult ShapeOp::inferShapes() {
  RankedTensorType t = rankedType(getData());
  Type i64 = IntegerType::get(getContext(), 64);
  if (!t)
    return refine(*this, {kDyn}, i64);
  int64_t rank = t.getRank();
  auto clampAxis = [&](int64_t a) {
    return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank);
  };
  int64_t start = clampAxis((int64_t)getStart());
  int64_t end = getEnd() ? clampAxis((int64_t)*getEnd()) : rank;
  return refine(*this, {std::max<int64_t>(end - start, 0)}, i64);
}

/// MatMul shapes with numpy semantics (1-D operands promoted then dropped).
static std::optional<SmallVector<int64_t>> matmulShape(ArrayRef<int64_t> a,
                                                       ArrayRef<int64_t> b) {
  SmallVector<int64_t> sa(a), sb(b);
  bool dropA = sa.size() == 1, dropB = sb.size() == 1;
  if (dropA)
    sa.insert(sa.begin(), 1);
  if (dropB)
    sb.push_back(1);
  int64_t k1 = sa.back(), k2 = sb[sb.size() - 2];
  if (k1 != kDyn && k2 != kDyn && k1 != k2)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> batch = broadcastShapes(
      ArrayRef<int64_t>(sa).drop_back(2), ArrayRef<int64_t>(sb).drop_back(2));
  if (!batch)
    return std::nullopt;
  SmallVector<int64_t> out = *batch;
  if (!dropA)
    out.push_back(sa[sa.size() - 2]);
  if (!dropB)
    out.push_back(sb.back());
  return out;
}

LogicalResult MatMulOp::inferShapes() {
  RankedTensorType a = rankedType(getA()), b = rankedType(getB());
  if (!a || !b)
    return success();
  std::optional<SmallVector<int64_t>> out = matmulShape(a.getShape(), b.getShape());
  if (!out)
    return emitOpError("inner dimensions do not match: ") << a << " and " << b;
  return refine(*this, *out, a.getElementType());
}

template <typename GemmLike>
static LogicalResult inferGemm(GemmLike op) {
  RankedTensorType a = rankedType(op.getA()), b = rankedType(op.getB());
  if (!a || !b)
    return success();
  int64_t m = op.getTransA() ? a.getDimSize(1) : a.getDimSize(0);
  int64_t ka = op.getTransA() ? a.getDimSize(0) : a.getDimSize(1);
  int64_t kb = op.getTransB() ? b.getDimSize(1) : b.getDimSize(0);
  int64_t n = op.getTransB() ? b.getDimSize(0) : b.getDimSize(1);
  if (ka != kDyn && kb != kDyn && ka != kb)
    return op.emitOpError("inner dimensions do not match: ") << ka << " vs " << kb;
  SmallVector<int64_t> out{m, n};
  if (RankedTensorType c = rankedType(op.getC())) {
    std::optional<SmallVector<int64_t>> b2 = broadcastShapes(out, c.getShape());
    if (!b2 || b2->size() != 2 || ((*b2)[0] != m && m != kDyn) ||
        ((*b2)[1] != n && n != kDyn))
      return op.emitOpError("C is not unidirectionally broadcastable to ")
             << m << "x" << n;
  }
  return refine(op, out, a.getElementType());
}
LogicalResult GemmOp::inferShapes() { return inferGemm(*this); }
LogicalResult FusedGemmOp::inferShapes() { return inferGemm(*this); }

template <typename ConvLike>
static LogicalResult inferConv(ConvLike op) {
  RankedTensorType x = rankedType(op.getX()), w = rankedType(op.getW());
  if (!x || !w)
    return success();
  if (x.getRank() < 3 || w.getRank() != x.getRank())
    return op.emitOpError("expects input and weights of equal rank >= 3");
  SmallVector<int64_t> kernel;
  if (auto k = op.getKernelShape(); k && !k->empty())
    kernel.assign(k->begin(), k->end());
  else
    kernel.assign(w.getShape().begin() + 2, w.getShape().end());
  if (llvm::any_of(kernel, ShapedType::isDynamic))
    return success();
  int64_t c = x.getDimSize(1), wc = w.getDimSize(1);
  int64_t group = op.getGroup();
  if (c != kDyn && wc != kDyn && c != wc * group)
    return op.emitOpError("input has ")
           << c << " channels, weights expect " << wc << " x group " << group;
  std::string error;
  std::optional<WindowGeometry> g = computeWindowGeometry(
      x.getShape().drop_front(2), kernel, op.getStrides(), op.getDilations(),
      op.getPads(), op.getAutoPad(), /*ceilMode=*/false, error);
  if (!g)
    return op.emitOpError(error);
  SmallVector<int64_t> out{x.getDimSize(0), w.getDimSize(0)};
  out.append(g->outSizes);
  return refine(op, out, x.getElementType());
}
LogicalResult ConvOp::inferShapes() { return inferConv(*this); }
LogicalResult FusedConvOp::inferShapes() { return inferConv(*this); }

template <typename PoolOp>
static LogicalResult inferPool(PoolOp op, bool ceilMode) {
  RankedTensorType x = rankedType(op.getX());
  if (!x)
    return success();
  std::string error;
  std::optional<WindowGeometry> g = computeWindowGeometry(
      x.getShape().drop_front(2), op.getKernelShape(), op.getStrides(),
      op.getDilations(), op.getPads(), op.getAutoPad(), ceilMode, error);
  if (!g)
    return op.emitOpError(error);
  SmallVector<int64_t> out{x.getDimSize(0), x.getDimSize(1)};
  out.append(g->outSizes);
  return refine(op, out, x.getElementType());
}
LogicalResult MaxPoolOp::inferShapes() {
  if (failed(inferPool(*this, getCeilMode() != 0)))
    return failure();
  if (auto idx = dyn_cast<TensorType>(getIndices().getType()))
    if (auto y = rankedType(getY()))
      return refine(*this, y.getShape(), idx.getElementType(), 1);
  return success();
}
LogicalResult AveragePoolOp::inferShapes() {
  return inferPool(*this, getCeilMode() != 0);
}

LogicalResult GlobalAveragePoolOp::inferShapes() {
  RankedTensorType x = rankedType(getX());
  if (!x)
    return success();
  SmallVector<int64_t> out(x.getShape());
  for (size_t d = 2; d < out.size(); ++d)
    out[d] = 1;
  return refine(*this, out, x.getElementType());
}

LogicalResult ConcatOp::inferShapes() {
  SmallVector<int64_t> out;
  int64_t axis = -1;
  for (Value v : getInputs()) {
    RankedTensorType t = rankedType(v);
    if (!t)
      return success();
    if (out.empty()) {
      out.assign(t.getShape().begin(), t.getShape().end());
      std::optional<int64_t> a = normalizeAxis((int64_t)getAxis(), t.getRank());
      if (!a)
        return emitOpError("axis out of range");
      axis = *a;
      continue;
    }
    if (t.getRank() != (int64_t)out.size())
      return emitOpError("inputs differ in rank");
    for (int64_t d = 0; d < t.getRank(); ++d) {
      int64_t s = t.getDimSize(d);
      if (d == axis)
        out[d] = (out[d] == kDyn || s == kDyn) ? kDyn : out[d] + s;
      else if (out[d] == kDyn)
        out[d] = s;
      else if (s != kDyn && s != out[d])
        return emitOpError("inputs differ in dimension ") << d;
    }
  }
  if (out.empty())
    return success();
  return refine(*this, out, elementTypeOf(getConcatResult()));
}

LogicalResult ReshapeOp::inferShapes() {
  std::optional<SmallVector<int64_t>> target = getConstantInts(getShape());
  RankedTensorType in = rankedType(getData());
  Type elem = elementTypeOf(getData());
  if (!target) {
    RankedTensorType shapeType = rankedType(getShape());
    if (shapeType && shapeType.hasStaticShape())
      return refine(*this, SmallVector<int64_t>(shapeType.getNumElements(), kDyn), elem);
    return success();
  }
  SmallVector<int64_t> out(*target);
  int64_t inferIdx = -1, known = 1;
  bool unknown = false;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 0 && !getAllowzero()) {
      if (!in || (int64_t)d >= in.getRank())
        return in ? emitOpError("copies dimension ") << d << " that the input lacks"
                  : success();
      out[d] = in.getDimSize(d);
    }
    if (out[d] == -1) {
      if (inferIdx >= 0)
        return emitOpError("shape has more than one -1");
      inferIdx = d;
      continue;
    }
    if (out[d] < -1)
      return emitOpError("shape has a negative dimension ") << out[d];
    if (out[d] == kDyn)
      unknown = true;
    else
      known *= out[d];
  }
  if (inferIdx >= 0) {
    out[inferIdx] = kDyn;
    if (in && in.hasStaticShape() && !unknown) {
      if (known == 0 || in.getNumElements() % known != 0)
        return emitOpError("cannot reshape ") << in << " to the requested shape";
      out[inferIdx] = in.getNumElements() / known;
    }
  } else if (in && in.hasStaticShape() && !unknown &&
             in.getNumElements() != known) {
    return emitOpError("cannot reshape ") << in << " (" << in.getNumElements()
                                          << " elements) to " << known << " elements";
  }
  return refine(*this, out, elem);
}

LogicalResult FlattenOp::inferShapes() {
  RankedTensorType in = rankedType(getInput());
  if (!in)
    return success();
  int64_t rank = in.getRank();
  int64_t axis = (int64_t)getAxis();
  if (axis < -rank || axis > rank)
    return emitOpError("axis ") << axis << " out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  auto product = [&](int64_t from, int64_t to) {
    int64_t p = 1;
    for (int64_t d = from; d < to; ++d) {
      if (in.isDynamicDim(d))
        return kDyn;
      p *= in.getDimSize(d);
    }
    return p;
  };
  return refine(*this, {product(0, axis), product(axis, rank)},
                in.getElementType());
}

LogicalResult TransposeOp::inferShapes() {
  RankedTensorType in = rankedType(getData());
  if (!in)
    return success();
  SmallVector<int64_t> out;
  int64_t rank = in.getRank();
  for (int64_t d = 0; d < rank; ++d) {
    int64_t p = getPerm() ? (*getPerm())[d] : rank - 1 - d;
    out.push_back(in.getDimSize(p));
  }
  return refine(*this, out, in.getElementType());
}

/// Sorted, normalized axes from a constant `axes` operand; nullopt if absent
/// (`none`) and empty vector + failure flag if not constant.
static std::optional<SmallVector<int64_t>> constantAxes(Value axes, int64_t rank,
                                                        bool &unknown) {
  unknown = false;
  if (isa<NoneType>(axes.getType()))
    return std::nullopt;
  std::optional<SmallVector<int64_t>> values = getConstantInts(axes);
  if (!values) {
    unknown = true;
    return std::nullopt;
  }
  SmallVector<int64_t> out;
  for (int64_t a : *values) {
    std::optional<int64_t> n = normalizeAxis(a, rank);
    if (!n) {
      unknown = true;
      return std::nullopt;
    }
    out.push_back(*n);
  }
  llvm::sort(out);
  return out;
}

LogicalResult SqueezeOp::inferShapes() {
  RankedTensorType in = rankedType(getData());
  if (!in)
    return success();
  bool unknown;
  std::optional<SmallVector<int64_t>> axes =
      constantAxes(getAxes(), in.getRank(), unknown);
  if (unknown)
    return success();
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    int64_t s = in.getDimSize(d);
    bool listed = axes ? llvm::is_contained(*axes, d) : s == 1;
    if (!axes && s == kDyn)
      return success(); // can't tell whether it squeezes
    if (listed) {
      if (s != 1 && s != kDyn)
        return emitOpError("cannot squeeze dimension ") << d << " of size " << s;
      continue;
    }
    out.push_back(s);
  }
  return refine(*this, out, in.getElementType());
}

LogicalResult UnsqueezeOp::inferShapes() {
  RankedTensorType in = rankedType(getData());
  if (!in)
    return success();
  std::optional<SmallVector<int64_t>> values = getConstantInts(getAxes());
  if (!values)
    return success();
  int64_t outRank = in.getRank() + values->size();
  SmallVector<int64_t> axes;
  for (int64_t a : *values) {
    std::optional<int64_t> n = normalizeAxis(a, outRank);
    if (!n)
      return emitOpError("axis ") << a << " out of range";
    axes.push_back(*n);
  }
  SmallVector<int64_t> out;
  for (int64_t d = 0, src = 0; d < outRank; ++d)
    out.push_back(llvm::is_contained(axes, d) ? 1 : in.getDimSize(src++));
  return refine(*this, out, in.getElementType());
}

LogicalResult GatherOp::inferShapes() {
  RankedTensorType data = rankedType(getData()), idx = rankedType(getIndices());
  if (!data || !idx)
    return success();
  std::optional<int64_t> axis = normalizeAxis((int64_t)getAxis(), data.getRank());
  if (!axis)
    return emitOpError("axis out of range");
  SmallVector<int64_t> out(data.getShape().take_front(*axis));
  out.append(idx.getShape().begin(), idx.getShape().end());
  out.append(data.getShape().begin() + *axis + 1, data.getShape().end());
  return refine(*this, out, data.getElementType());
}
