//===- ONNXShapeHelpers.cpp - Shape rules shared by inference and lowering ===//
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace onnx_mlc::onnx {

static constexpr int64_t kDyn = ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// DimBuilder
//===----------------------------------------------------------------------===//

OpFoldResult DimBuilder::constant(int64_t v) const {
  return IntegerAttr::get(IndexType::get(ctx), v);
}

std::optional<int64_t> DimBuilder::constantOf(OpFoldResult d) {
  if (d.isNull())
    return std::nullopt;
  return getConstantIntValue(d);
}

Value DimBuilder::toValue(OpFoldResult d) const {
  return getValueOrCreateConstantIndexOp(*builder, *location, d);
}

OpFoldResult DimBuilder::fold(Value v) const {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return constant(*c);
  return v;
}

OpFoldResult DimBuilder::dim(Value shaped, int64_t d) const {
  auto type = cast<RankedTensorType>(shaped.getType());
  if (!type.isDynamicDim(d))
    return constant(type.getDimSize(d));
  if (!isLowering())
    return {};
  return tensor::DimOp::create(*builder, *location, lookup(shaped), d).getResult();
}

std::optional<SmallVector<OpFoldResult>> DimBuilder::shape(Value shaped) const {
  auto type = dyn_cast<RankedTensorType>(shaped.getType());
  if (!type)
    return std::nullopt;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(dim(shaped, d));
  return sizes;
}

/// Elements of a small integer tensor, each a constant or unknown.
using PartialInts = SmallVector<std::optional<int64_t>>;

/// The static element count of a 0-d or 1-d integer tensor, if small.
static std::optional<int64_t> shapeVectorSize(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape() || type.getRank() > 1 ||
      !type.getElementType().isInteger() || type.getNumElements() > 64)
    return std::nullopt;
  return type.getNumElements();
}

static std::optional<PartialInts> partialInts(Value v, unsigned depth);

/// Elementwise integer arithmetic on partial values, broadcasting a single
/// element; unknown where an operand is, or where `eval` cannot tell.
static std::optional<PartialInts>
partialBinary(Value a, Value b, unsigned depth,
              function_ref<std::optional<int64_t>(int64_t, int64_t)> eval) {
  std::optional<PartialInts> x = partialInts(a, depth), y = partialInts(b, depth);
  if (!x || !y || (x->size() != y->size() && x->size() != 1 && y->size() != 1))
    return std::nullopt;
  PartialInts out;
  // Broadcasting: a vector of one element takes the other's size (even 0).
  for (size_t i = 0, n = x->size() == 1 ? y->size() : x->size(); i < n; ++i) {
    std::optional<int64_t> p = (*x)[x->size() == 1 ? 0 : i], q = (*y)[y->size() == 1 ? 0 : i];
    out.push_back(p && q ? eval(*p, *q) : std::nullopt);
  }
  return out;
}

/// What the compiler can tell about the elements of a shape-like tensor
/// without running the model, following the ops that build shapes: a Shape
/// gives its input's static sizes, and Concat, Gather, Slice, the reshapes,
/// Cast and integer arithmetic carry them along. This is what keeps, say,
/// the 12 and 64 of a Reshape to (batch, seq, 12, 64) static.
static std::optional<PartialInts> partialInts(Value v, unsigned depth) {
  std::optional<int64_t> size = shapeVectorSize(v);
  if (!size)
    return std::nullopt;
  if (std::optional<SmallVector<int64_t>> c = getConstantInts(v))
    return PartialInts(c->begin(), c->end());
  PartialInts unknown(*size, std::nullopt);
  Operation *def = v.getDefiningOp();
  if (!def || depth > 32)
    return unknown;
  ++depth;
  auto same = [&](Value in) -> std::optional<PartialInts> {
    std::optional<PartialInts> p = partialInts(in, depth);
    return p && (int64_t)p->size() == *size ? p : std::nullopt;
  };
  std::optional<PartialInts> result;
  if (auto shape = dyn_cast<ShapeOp>(def)) {
    if (auto in = dyn_cast<RankedTensorType>(shape.getData().getType())) {
      int64_t rank = in.getRank();
      auto clampAxis = [&](int64_t a) { return std::clamp(a < 0 ? a + rank : a, (int64_t)0, rank); };
      int64_t start = clampAxis(shape.getStart()), end = clampAxis(shape.getEnd().value_or(rank));
      PartialInts dims;
      for (int64_t d = start; d < end; ++d)
        dims.push_back(in.isDynamicDim(d) ? std::nullopt : std::optional(in.getDimSize(d)));
      result = dims;
    }
  } else if (auto concat = dyn_cast<ConcatOp>(def)) {
    PartialInts all;
    for (Value in : concat.getInputs()) {
      std::optional<PartialInts> p = partialInts(in, depth);
      if (!p)
        return unknown;
      all.append(*p);
    }
    result = all;
  } else if (isa<UnsqueezeOp, SqueezeOp, ReshapeOp, IdentityOp, CastOp>(def)) {
    if (!isa<CastOp>(def) || mlir::getElementTypeOrSelf(def->getOperand(0)).isInteger())
      result = same(def->getOperand(0));
  } else if (auto gather = dyn_cast<GatherOp>(def)) {
    std::optional<PartialInts> data = partialInts(gather.getData(), depth);
    std::optional<SmallVector<int64_t>> idx = getConstantInts(gather.getIndices());
    if (data && idx && rankOf(gather.getData()) == 1) {
      PartialInts picked;
      for (int64_t i : *idx) {
        int64_t n = data->size();
        if (i < -n || i >= n)
          return unknown;
        picked.push_back((*data)[i < 0 ? i + n : i]);
      }
      result = picked;
    }
  } else if (auto slice = dyn_cast<SliceOp>(def)) {
    std::optional<PartialInts> data = partialInts(slice.getData(), depth);
    std::optional<SmallVector<int64_t>> starts = getConstantInts(slice.getStarts()),
                                        ends = getConstantInts(slice.getEnds());
    std::optional<SmallVector<int64_t>> steps =
        isNoneValue(slice.getSteps()) ? SmallVector<int64_t>{1} : getConstantInts(slice.getSteps());
    if (data && rankOf(slice.getData()) == 1 && starts && ends && steps &&
        starts->size() == 1 && ends->size() == 1 && steps->size() == 1 && (*steps)[0] != 0) {
      int64_t n = data->size(), step = (*steps)[0];
      auto clampIndex = [&](int64_t i, int64_t lo, int64_t hi) {
        if (i < 0)
          i = i < -n ? lo : i + n;
        return std::clamp(i, lo, hi);
      };
      int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1;
      int64_t b = clampIndex((*starts)[0], step > 0 ? 0 : -1, hi);
      int64_t e = clampIndex((*ends)[0], lo, hi);
      PartialInts picked;
      for (int64_t i = b; step > 0 ? i < e : i > e; i += step)
        if (i >= 0 && i < n)
          picked.push_back((*data)[i]);
      result = picked;
    }
  } else if (auto fill = dyn_cast<ConstantOfShapeOp>(def)) {
    auto attr = dyn_cast_or_null<DenseElementsAttr>(fill.getValueAttr());
    if (!attr)
      result = PartialInts(*size, 0);
    else if (attr.getElementType().isInteger() && attr.getNumElements() == 1)
      result = PartialInts(*size, attr.getSplatValue<APInt>().getSExtValue());
  } else if (isa<AddOp, SubOp, MulOp, DivOp, EqualOp>(def)) {
    Value a = def->getOperand(0), b = def->getOperand(1);
    if (isa<AddOp>(def))
      result = partialBinary(a, b, depth, [](int64_t x, int64_t y) -> std::optional<int64_t> {
        int64_t r;
        return llvm::AddOverflow(x, y, r) ? std::nullopt : std::optional(r);
      });
    else if (isa<SubOp>(def))
      result = partialBinary(a, b, depth, [](int64_t x, int64_t y) -> std::optional<int64_t> {
        int64_t r;
        return llvm::SubOverflow(x, y, r) ? std::nullopt : std::optional(r);
      });
    else if (isa<MulOp>(def))
      result = partialBinary(a, b, depth, [](int64_t x, int64_t y) -> std::optional<int64_t> {
        int64_t r;
        return llvm::MulOverflow(x, y, r) ? std::nullopt : std::optional(r);
      });
    else if (isa<DivOp>(def))
      // Non-negative operands only: there truncation and flooring agree.
      result = partialBinary(a, b, depth, [](int64_t x, int64_t y) -> std::optional<int64_t> {
        return x >= 0 && y > 0 ? std::optional(x / y) : std::nullopt;
      });
    else
      result = partialBinary(a, b, depth, [](int64_t x, int64_t y) -> std::optional<int64_t> {
        return x == y;
      });
  } else if (auto where = dyn_cast<WhereOp>(def)) {
    std::optional<PartialInts> c = partialInts(where.getCondition(), depth),
                               x = partialInts(where.getX(), depth),
                               y = partialInts(where.getY(), depth);
    if (c && x && y) {
      PartialInts out;
      auto at = [&](const PartialInts &p, int64_t i) { return p[p.size() == 1 ? 0 : i]; };
      for (int64_t i = 0; i < *size; ++i) {
        std::optional<int64_t> cond = at(*c, i);
        out.push_back(cond ? at(*cond ? *x : *y, i) : std::nullopt);
      }
      result = out;
    }
  }
  if (!result || (int64_t)result->size() != *size)
    return unknown;
  return result;
}

std::optional<SmallVector<OpFoldResult>> DimBuilder::values(Value tensor) const {
  if (!tensor || isNoneValue(tensor))
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(tensor.getType());
  if (!type || !type.hasStaticShape() || type.getRank() > 1 ||
      !type.getElementType().isInteger())
    return std::nullopt;
  SmallVector<OpFoldResult> out;
  std::optional<PartialInts> known = partialInts(tensor, 0);
  int64_t n = type.getNumElements();
  for (int64_t i = 0; i < n; ++i) {
    if (known && (*known)[i]) {
      out.push_back(constant(*(*known)[i]));
      continue;
    }
    if (!isLowering()) {
      out.push_back({});
      continue;
    }
    SmallVector<Value> idx;
    if (type.getRank() == 1)
      idx.push_back(arith::ConstantIndexOp::create(*builder, *location, i));
    Value v = tensor::ExtractOp::create(*builder, *location, lookup(tensor), idx);
    // Integer tensors here are signless (signed) or unsigned ONNX values in
    // the lowering's signless storage; index_cast sign-extends, as ONNX's
    // int64 shapes need.
    out.push_back(arith::IndexCastOp::create(*builder, *location,
                                             builder->getIndexType(), v)
                      .getResult());
  }
  return out;
}

/// A constant size computation's result, or the int64 limit in its
/// direction where it overflowed: a size that large is then refused as
/// unallocatable instead of wrapping around. (The lower limit stays above
/// kDynamic, which would read as unknown.)
static int64_t saturated(bool overflowed, int64_t result, bool towardNegative) {
  if (!overflowed)
    return result == ShapedType::kDynamic ? result + 1 : result;
  return towardNegative ? std::numeric_limits<int64_t>::min() + 1
                        : std::numeric_limits<int64_t>::max();
}

OpFoldResult DimBuilder::binary(OpFoldResult a, OpFoldResult b,
                                int64_t (*eval)(int64_t, int64_t),
                                Value (*build)(OpBuilder &, Location, Value,
                                               Value)) const {
  std::optional<int64_t> ca = constantOf(a), cb = constantOf(b);
  if (ca && cb)
    return constant(eval(*ca, *cb));
  if (!isLowering() || a.isNull() || b.isNull())
    return {};
  return fold(build(*builder, *location, toValue(a), toValue(b)));
}

OpFoldResult DimBuilder::add(OpFoldResult a, OpFoldResult b) const {
  if (constantOf(a) == 0)
    return b;
  if (constantOf(b) == 0)
    return a;
  return binary(
      a, b, [](int64_t x, int64_t y) {
        int64_t r;
        bool overflowed = __builtin_add_overflow(x, y, &r);
        return saturated(overflowed, r, x < 0);
      },
      [](OpBuilder &bb, Location l, Value x, Value y) -> Value {
        return arith::AddIOp::create(bb, l, x, y);
      });
}

OpFoldResult DimBuilder::sub(OpFoldResult a, OpFoldResult b) const {
  if (constantOf(b) == 0)
    return a;
  return binary(
      a, b, [](int64_t x, int64_t y) {
        int64_t r;
        bool overflowed = __builtin_sub_overflow(x, y, &r);
        return saturated(overflowed, r, x < 0);
      },
      [](OpBuilder &bb, Location l, Value x, Value y) -> Value {
        return arith::SubIOp::create(bb, l, x, y);
      });
}

OpFoldResult DimBuilder::mul(OpFoldResult a, OpFoldResult b) const {
  if (constantOf(a) == 1)
    return b;
  if (constantOf(b) == 1)
    return a;
  if (constantOf(a) == 0 || constantOf(b) == 0)
    return constant(0);
  return binary(
      a, b, [](int64_t x, int64_t y) {
        int64_t r;
        bool overflowed = __builtin_mul_overflow(x, y, &r);
        return saturated(overflowed, r, (x < 0) != (y < 0));
      },
      [](OpBuilder &bb, Location l, Value x, Value y) -> Value {
        return arith::MulIOp::create(bb, l, x, y);
      });
}

/// `y`, or 1 where it is 0 at run time: sizes divided by a size the inputs
/// make 0 (a Reshape's -1 next to an allowed 0) must not trap; the checks
/// on the result's element count report the bad shape instead. Division
/// by 0 gives 0 when folded, and as x / 1 at run time, either way caught.
static Value nonzeroDivisor(OpBuilder &b, Location l, Value y) {
  Value zero = arith::ConstantOp::create(b, l, b.getZeroAttr(y.getType()));
  Value one = arith::ConstantOp::create(b, l, b.getOneAttr(y.getType()));
  Value isZero = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, y, zero);
  return arith::SelectOp::create(b, l, isZero, one, y);
}

OpFoldResult DimBuilder::floorDiv(OpFoldResult a, OpFoldResult b) const {
  if (constantOf(b) == 1)
    return a;
  return binary(
      a, b,
      [](int64_t x, int64_t y) { return y == 0 ? 0 : llvm::divideFloorSigned(x, y); },
      [](OpBuilder &bb, Location l, Value x, Value y) -> Value {
        return arith::FloorDivSIOp::create(bb, l, x, nonzeroDivisor(bb, l, y));
      });
}

OpFoldResult DimBuilder::ceilDiv(OpFoldResult a, OpFoldResult b) const {
  if (constantOf(b) == 1)
    return a;
  return binary(
      a, b,
      [](int64_t x, int64_t y) { return y == 0 ? 0 : llvm::divideCeilSigned(x, y); },
      [](OpBuilder &bb, Location l, Value x, Value y) -> Value {
        return arith::CeilDivSIOp::create(bb, l, x, nonzeroDivisor(bb, l, y));
      });
}

OpFoldResult DimBuilder::max(OpFoldResult a, OpFoldResult b) const {
  return binary(
      a, b, [](int64_t x, int64_t y) { return std::max(x, y); },
      [](OpBuilder &bb, Location l, Value x, Value y) -> Value {
        return arith::MaxSIOp::create(bb, l, x, y);
      });
}

OpFoldResult DimBuilder::min(OpFoldResult a, OpFoldResult b) const {
  return binary(
      a, b, [](int64_t x, int64_t y) { return std::min(x, y); },
      [](OpBuilder &bb, Location l, Value x, Value y) -> Value {
        return arith::MinSIOp::create(bb, l, x, y);
      });
}

OpFoldResult DimBuilder::product(ArrayRef<OpFoldResult> sizes) const {
  OpFoldResult p = constant(1);
  for (OpFoldResult s : sizes)
    p = mul(p, s);
  return p;
}

static bool compare(DimBuilder::Cmp pred, int64_t x, int64_t y) {
  switch (pred) {
  case DimBuilder::Cmp::EQ: return x == y;
  case DimBuilder::Cmp::NE: return x != y;
  case DimBuilder::Cmp::LT: return x < y;
  case DimBuilder::Cmp::LE: return x <= y;
  case DimBuilder::Cmp::GT: return x > y;
  case DimBuilder::Cmp::GE: return x >= y;
  }
  return false;
}

static arith::CmpIPredicate toArith(DimBuilder::Cmp pred) {
  switch (pred) {
  case DimBuilder::Cmp::EQ: return arith::CmpIPredicate::eq;
  case DimBuilder::Cmp::NE: return arith::CmpIPredicate::ne;
  case DimBuilder::Cmp::LT: return arith::CmpIPredicate::slt;
  case DimBuilder::Cmp::LE: return arith::CmpIPredicate::sle;
  case DimBuilder::Cmp::GT: return arith::CmpIPredicate::sgt;
  case DimBuilder::Cmp::GE: return arith::CmpIPredicate::sge;
  }
  return arith::CmpIPredicate::eq;
}

OpFoldResult DimBuilder::select(Cmp pred, OpFoldResult x, OpFoldResult y,
                                OpFoldResult a, OpFoldResult b) const {
  std::optional<int64_t> cx = constantOf(x), cy = constantOf(y);
  if (cx && cy)
    return compare(pred, *cx, *cy) ? a : b;
  if (a == b)
    return a;
  if (!isLowering() || x.isNull() || y.isNull() || a.isNull() || b.isNull())
    return {};
  Value cond = arith::CmpIOp::create(*builder, *location, toArith(pred),
                                     toValue(x), toValue(y));
  return fold(arith::SelectOp::create(*builder, *location, cond, toValue(a),
                                      toValue(b)));
}

/// Where a size comes from, as a key: a constant (null, value), a dim_param
/// name of the entry's inputs (name, -2), the dim of the tensor it is first
/// read from (tensor, dim), or an opaque value (value, -1).
using SizeKey = std::pair<const void *, int64_t>;

static SizeKey sizeKey(OpFoldResult size, unsigned depth = 0);

static SizeKey dimKey(Value tensor, int64_t d, unsigned depth) {
  // Through the ops whose result has the dims of one of their operands.
  while (true) {
    auto type = cast<RankedTensorType>(tensor.getType());
    if (!type.isDynamicDim(d))
      return {nullptr, type.getDimSize(d)};
    if (auto arg = dyn_cast<BlockArgument>(tensor)) {
      // (A block being built, such as a loop body in its builder, has no
      // parent op yet.)
      Block *block = arg.getOwner();
      Operation *parent = block->getParent() ? block->getParentOp() : nullptr;
      if (parent && block->isEntryBlock())
        if (auto names = parent->getAttrOfType<ArrayAttr>("mlc.input_dims"))
          if (arg.getArgNumber() < names.size())
            if (auto list = dyn_cast<ArrayAttr>(names[arg.getArgNumber()]))
              if (d < (int64_t)list.size())
                if (auto name = dyn_cast<StringAttr>(list[d]); name && !name.empty())
                  return {name.getAsOpaquePointer(), -2};
      break;
    }
    Operation *def = tensor.getDefiningOp();
    if (auto castOp = dyn_cast<tensor::CastOp>(def)) {
      tensor = castOp.getSource();
      continue;
    }
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(def)) {
      if (OpOperand *init = dps.getTiedOpOperand(cast<OpResult>(tensor))) {
        tensor = init->get();
        continue;
      }
    }
    if (depth < 64) {
      if (auto empty = dyn_cast<tensor::EmptyOp>(def))
        return sizeKey(empty.getMixedSizes()[d], depth + 1);
      if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def))
        return sizeKey(expand.getMixedOutputShape()[d], depth + 1);
    }
    break;
  }
  return {tensor.getAsOpaquePointer(), d};
}

static SizeKey sizeKey(OpFoldResult size, unsigned depth) {
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return {nullptr, *c};
  auto v = cast<Value>(size);
  if (auto dimOp = v.getDefiningOp<tensor::DimOp>())
    if (std::optional<int64_t> d = getConstantIntValue(dimOp.getIndex()))
      return dimKey(dimOp.getSource(), *d, depth);
  return {v.getAsOpaquePointer(), -1};
}

bool DimBuilder::provablyEqual(OpFoldResult a, OpFoldResult b) {
  if (a.isNull() || b.isNull())
    return false;
  return a == b || sizeKey(a) == sizeKey(b);
}

bool DimBuilder::isSizeOf(OpFoldResult size, Value tensor, int64_t d) {
  return !size.isNull() && sizeKey(size) == dimKey(tensor, d, 0);
}

LogicalResult DimBuilder::require(Cmp pred, OpFoldResult x, OpFoldResult y,
                                  const Twine &what) const {
  std::optional<int64_t> cx = constantOf(x), cy = constantOf(y);
  if (cx && cy)
    return success(compare(pred, *cx, *cy));
  if ((pred == Cmp::EQ || pred == Cmp::LE || pred == Cmp::GE) && provablyEqual(x, y))
    return success();
  if (!isLowering() || x.isNull() || y.isNull())
    return success();
  Value cond = arith::CmpIOp::create(*builder, *location, toArith(pred),
                                     toValue(x), toValue(y));
  cf::AssertOp::create(*builder, *location, cond, what.str());
  return success();
}

LogicalResult DimBuilder::requireBroadcastable(OpFoldResult x, OpFoldResult size,
                                               const Twine &what) const {
  std::optional<int64_t> cx = constantOf(x), cs = constantOf(size);
  if (cx == 1 || provablyEqual(x, size))
    return success();
  if (cx && cs)
    return success(*cx == *cs);
  if (!isLowering() || x.isNull() || size.isNull())
    return success();
  Value vx = toValue(x);
  Value same = arith::CmpIOp::create(*builder, *location, arith::CmpIPredicate::eq, vx,
                                     toValue(size));
  Value one = arith::CmpIOp::create(*builder, *location, arith::CmpIPredicate::eq, vx,
                                    arith::ConstantIndexOp::create(*builder, *location, 1));
  cf::AssertOp::create(*builder, *location,
                       arith::OrIOp::create(*builder, *location, same, one), what.str());
  return success();
}

FailureOr<SmallVector<OpFoldResult>>
DimBuilder::broadcast(ArrayRef<SmallVector<OpFoldResult>> shapes) const {
  size_t rank = 0;
  for (const auto &s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<OpFoldResult> out;
  for (size_t i = 0; i < rank; ++i) {
    std::optional<int64_t> fixed;
    SmallVector<OpFoldResult> open; // distinct run-time sizes
    bool unknown = false;
    for (const auto &s : shapes) {
      if (i < rank - s.size())
        continue;
      OpFoldResult d = s[i - (rank - s.size())];
      std::optional<int64_t> c = constantOf(d);
      if (c == 1)
        continue;
      if (c) {
        if (fixed && *fixed != *c)
          return failure();
        fixed = c;
      } else if (d.isNull()) {
        unknown = true;
      } else if (llvm::none_of(open, [&](OpFoldResult o) { return provablyEqual(o, d); })) {
        open.push_back(d);
      }
    }
    if (fixed) {
      out.push_back(constant(*fixed));
    } else if (unknown || (!isLowering() && !open.empty())) {
      out.push_back({});
      continue;
    } else if (open.empty()) {
      out.push_back(constant(1));
    } else {
      // Each run-time size is 1 or the largest of them.
      OpFoldResult size = open.front();
      for (OpFoldResult d : ArrayRef(open).drop_front())
        size = max(size, d);
      out.push_back(size);
    }
    if (open.size() == 1 && !fixed)
      continue;
    for (OpFoldResult d : open)
      if (failed(requireBroadcastable(d, out.back(), "broadcast dimensions do not match")))
        return failure();
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Static helpers
//===----------------------------------------------------------------------===//

SmallVector<int64_t> staticSizes(ArrayRef<OpFoldResult> shape) {
  SmallVector<int64_t> out;
  for (OpFoldResult d : shape)
    out.push_back(DimBuilder::constantOf(d).value_or(kDyn));
  return out;
}

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                    ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (a == 1) {
      out[i] = b;
    } else if (b == 1) {
      out[i] = a;
    } else if (ShapedType::isDynamic(a)) {
      out[i] = b; // b is static and not 1, so a must equal it at run time
    } else if (ShapedType::isDynamic(b) || a == b) {
      out[i] = a;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<SmallVector<int64_t>> normalizeAxes(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> out;
  for (int64_t a : axes) {
    std::optional<int64_t> n = normalizeAxis(a, rank);
    if (!n || llvm::is_contained(out, *n))
      return std::nullopt;
    out.push_back(*n);
  }
  llvm::sort(out);
  return out;
}

DenseElementsAttr getConstantValue(Value value) {
  Attribute attr;
  if (value && matchPattern(value, m_Constant(&attr)))
    return dyn_cast<DenseElementsAttr>(attr);
  return {};
}

std::optional<SmallVector<int64_t>> getConstantInts(Value value) {
  DenseElementsAttr attr = getConstantValue(value);
  if (!attr || !attr.getElementType().isInteger())
    return std::nullopt;
  bool isUnsigned = attr.getElementType().isUnsignedInteger() ||
                    attr.getElementType().isInteger(1);
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue());
  return values;
}

int64_t rankOf(Value v) {
  auto t = dyn_cast<ShapedType>(v.getType());
  return t && t.hasRank() ? t.getRank() : -1;
}

bool isNoneValue(Value v) { return !v || isa<NoneType>(v.getType()); }

bool isAbsentInput(Value v) {
  if (isNoneValue(v))
    return true;
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == 1 && t.getDimSize(0) == 0;
}

FailureOr<WindowGeometry>
computeWindowGeometry(const DimBuilder &dims, ArrayRef<OpFoldResult> inSizes,
                      ArrayRef<int64_t> kernel, std::optional<ArrayRef<int64_t>> strides,
                      std::optional<ArrayRef<int64_t>> dilations,
                      std::optional<ArrayRef<int64_t>> pads, StringRef autoPad,
                      bool ceilMode, std::string &error) {
  size_t n = inSizes.size();
  WindowGeometry g;
  auto fill = [&](std::optional<ArrayRef<int64_t>> given, size_t size, int64_t dflt,
                  SmallVector<int64_t> &out, StringRef what) -> bool {
    if (given && !given->empty()) {
      if (given->size() != size) {
        error = (what + " has " + Twine(given->size()) + " values, expected " +
                 Twine(size))
                    .str();
        return false;
      }
      out.assign(given->begin(), given->end());
    } else {
      out.assign(size, dflt);
    }
    return true;
  };
  if (kernel.size() != n) {
    error = ("kernel has " + Twine(kernel.size()) + " spatial dims, input has " + Twine(n))
                .str();
    return failure();
  }
  g.kernel.assign(kernel.begin(), kernel.end());
  SmallVector<int64_t> staticPads;
  if (!fill(strides, n, 1, g.strides, "strides") ||
      !fill(dilations, n, 1, g.dilations, "dilations") ||
      !fill(pads, 2 * n, 0, staticPads, "pads"))
    return failure();
  for (size_t i = 0; i < n; ++i) {
    if (g.kernel[i] <= 0 || g.strides[i] <= 0 || g.dilations[i] <= 0) {
      error = "kernel sizes, strides and dilations must be positive";
      return failure();
    }
    // Keeps every product below comfortably inside int64.
    if (g.kernel[i] > (1 << 24) || g.strides[i] > (1 << 24) || g.dilations[i] > (1 << 24)) {
      error = "kernel sizes, strides and dilations must be at most 2^24";
      return failure();
    }
  }
  for (int64_t p : staticPads)
    if (p < 0 || p > (int64_t(1) << 32)) {
      error = "pads must be between 0 and 2^32";
      return failure();
    }
  for (int64_t p : staticPads)
    g.pads.push_back(dims.constant(p));

  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (!same && autoPad != "NOTSET" && autoPad != "VALID") {
    error = ("unknown auto_pad '" + autoPad + "'").str();
    return failure();
  }
  for (size_t i = 0; i < n; ++i) {
    OpFoldResult in = inSizes[i];
    int64_t effKernel = (g.kernel[i] - 1) * g.dilations[i] + 1;
    OpFoldResult stride = dims.constant(g.strides[i]);
    OpFoldResult out;
    if (same) {
      out = dims.ceilDiv(in, stride);
      OpFoldResult total = dims.max(
          dims.sub(dims.add(dims.mul(dims.sub(out, dims.constant(1)), stride),
                            dims.constant(effKernel)),
                   in),
          dims.constant(0));
      OpFoldResult small = dims.floorDiv(total, dims.constant(2));
      OpFoldResult large = dims.sub(total, small);
      g.pads[i] = autoPad == "SAME_UPPER" ? small : large;
      g.pads[i + n] = autoPad == "SAME_UPPER" ? large : small;
    } else {
      if (autoPad == "VALID")
        g.pads[i] = g.pads[i + n] = dims.constant(0);
      OpFoldResult span =
          dims.sub(dims.add(in, dims.add(g.pads[i], g.pads[i + n])), dims.constant(effKernel));
      std::optional<int64_t> cspan = DimBuilder::constantOf(span);
      if (cspan && *cspan < 0) {
        error = ("window of " + Twine(effKernel) + " is larger than the padded input of " +
                 Twine(*cspan + effKernel))
                    .str();
        return failure();
      }
      if (failed(dims.require(DimBuilder::Cmp::GE, span, dims.constant(0),
                              "the window is larger than the padded input"))) {
        error = "the window is larger than the padded input";
        return failure();
      }
      out = dims.add(ceilMode ? dims.ceilDiv(span, stride) : dims.floorDiv(span, stride),
                     dims.constant(1));
      // With ceil_mode, a last window that starts inside the end padding is
      // dropped (it would see no input).
      if (ceilMode)
        out = dims.select(DimBuilder::Cmp::GE,
                          dims.mul(dims.sub(out, dims.constant(1)), stride),
                          dims.add(in, g.pads[i]), dims.sub(out, dims.constant(1)), out);
    }
    g.outSizes.push_back(out);
  }
  return g;
}

LogicalResult refineResultType(Value result, RankedTensorType refined) {
  auto current = dyn_cast<TensorType>(result.getType());
  if (!current)
    return failure();
  if (current.getElementType() != refined.getElementType())
    return failure();
  if (!current.hasRank()) {
    result.setType(refined);
    return success();
  }
  if (current.getRank() != refined.getRank())
    return failure();
  SmallVector<int64_t> merged;
  for (auto [a, b] : llvm::zip(current.getShape(), refined.getShape())) {
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b)
      return failure();
    merged.push_back(ShapedType::isDynamic(a) ? b : a);
  }
  result.setType(RankedTensorType::get(merged, refined.getElementType()));
  return success();
}

LogicalResult checkAllocatable(Operation *op, ShapedType type) {
  // The product of the nonzero sizes must fit in 64 bits even when a 0
  // leaves nothing to allocate: MLIR computes strides from it.
  int64_t bytes = llvm::divideCeil(type.getElementTypeBitWidth(), 8);
  int64_t elements = 1;
  bool overflow = false, empty = false;
  for (int64_t s : type.getShape()) {
    empty |= s == 0;
    if (!ShapedType::isDynamic(s) && s != 0)
      overflow |= __builtin_mul_overflow(elements, s, &elements);
  }
  if (!overflow && empty)
    return success();
  overflow |= __builtin_mul_overflow(elements, bytes, &bytes);
  if (!overflow && (uint64_t)bytes <= kMaxTensorBytes)
    return success();
  auto diag = op->emitOpError("result shape ");
  diag << "[";
  llvm::interleave(type.getShape(), diag, [&](int64_t s) {
    if (ShapedType::isDynamic(s))
      diag << "?";
    else
      diag << s;
  }, "x");
  diag << "] is too large to allocate: ";
  if (overflow)
    diag << "its size overflows 64 bits";
  else
    diag << bytes << " bytes";
  return diag << " (at most " << kMaxTensorBytes << ")";
}

LogicalResult inferShapesFromRule(Operation *op) {
  auto shaped = dyn_cast<ShapeInferenceOpInterface>(op);
  if (!shaped)
    return success();
  DimBuilder dims(op->getContext());
  ShapeList shapes;
  if (failed(shaped.resultShapes(dims, shapes)))
    return failure();
  for (auto [result, shape] : llvm::zip(op->getResults(), shapes)) {
    auto type = dyn_cast<TensorType>(result.getType());
    if (!type)
      continue;
    for (int64_t s : staticSizes(shape))
      if (s < 0 && !ShapedType::isDynamic(s))
        return op->emitOpError("computed a negative dimension ") << s;
    auto refined = RankedTensorType::get(staticSizes(shape), type.getElementType());
    if (failed(checkAllocatable(op, refined)))
      return failure();
    if (failed(refineResultType(result, refined)))
      return op->emitOpError("inferred result type ")
             << refined << " contradicts the declared " << result.getType();
  }
  return success();
}

} // namespace onnx_mlc::onnx

namespace onnx_mlc::onnx {

LogicalResult verifyShapeRule(Operation *op) {
  auto shaped = cast<ShapeInferenceOpInterface>(op);
  DimBuilder dims(op->getContext());
  ShapeList shapes;
  if (failed(shaped.resultShapes(dims, shapes)))
    return failure();
  for (size_t i = 0; i < std::min<size_t>(shapes.size(), op->getNumResults()); ++i) {
    const auto &shape = shapes[i];
    auto type = dyn_cast<RankedTensorType>(op->getResult(i).getType());
    if (!type)
      continue;
    if (failed(checkAllocatable(op, type)))
      return failure();
    SmallVector<int64_t> sizes = staticSizes(shape);
    bool agrees = type.getRank() == (int64_t)sizes.size();
    for (size_t d = 0; agrees && d < sizes.size(); ++d)
      agrees = type.isDynamicDim(d) || ShapedType::isDynamic(sizes[d]) ||
               type.getDimSize(d) == sizes[d];
    if (!agrees) {
      std::string text;
      for (int64_t s : sizes)
        text += (text.empty() ? "" : "x") +
                (ShapedType::isDynamic(s) ? std::string("?") : std::to_string(s));
      return op->emitOpError("result ")
             << i << " is declared " << type << " but its operands give shape [" << text
             << "]";
    }
  }
  return success();
}

} // namespace onnx_mlc::onnx
