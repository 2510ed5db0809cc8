//===- ONNXConstantEval.cpp - Evaluating ONNX ops on constants ------------===//
//
// Values are computed in double (floats) or int64 (integers) and written back
// in the result's element type; that is exact for every type the op set
// folds (f32, f64, i1..i64).
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Dialect/ONNX/ONNXConstantEval.h"
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace onnx_mlc::onnx {
namespace {

/// A constant tensor unpacked into plain numbers.
struct Tensor {
  SmallVector<int64_t> shape;
  bool isFloat = false;
  bool splat = false;
  SmallVector<double> f;  // when isFloat
  SmallVector<int64_t> i; // otherwise

  int64_t size() const { return ShapedType::getNumElements(shape); }
  double getF(int64_t k) const { return f[splat ? 0 : k]; }
  int64_t getI(int64_t k) const { return i[splat ? 0 : k]; }
};

std::optional<Tensor> unpack(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || !dense.getType().hasStaticShape())
    return std::nullopt;
  Type elem = dense.getElementType();
  Tensor t;
  t.shape.assign(dense.getType().getShape().begin(),
                 dense.getType().getShape().end());
  t.splat = dense.isSplat();
  if (auto ft = dyn_cast<FloatType>(elem)) {
    if (!ft.isF32() && !ft.isF64())
      return std::nullopt;
    t.isFloat = true;
    if (t.splat)
      t.f.push_back(dense.getSplatValue<APFloat>().convertToDouble());
    else
      for (APFloat v : dense.getValues<APFloat>())
        t.f.push_back(ft.isF32() ? v.convertToFloat() : v.convertToDouble());
  } else if (auto it = dyn_cast<IntegerType>(elem)) {
    bool isUnsigned = it.isUnsigned() || it.getWidth() == 1;
    auto get = [&](const APInt &v) {
      return isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue();
    };
    if (t.splat)
      t.i.push_back(get(dense.getSplatValue<APInt>()));
    else
      for (const APInt &v : dense.getValues<APInt>())
        t.i.push_back(get(v));
  } else {
    return std::nullopt;
  }
  return t;
}

/// Packs `t` into an attribute of `type` (static shape, same element kind).
Attribute pack(const Tensor &t, RankedTensorType type) {
  Type elem = type.getElementType();
  auto make = [&](int64_t k) -> Attribute {
    if (auto ft = dyn_cast<FloatType>(elem))
      return FloatAttr::get(ft, t.getF(k));
    return IntegerAttr::get(elem, APInt(elem.getIntOrFloatBitWidth(),
                                        (uint64_t)t.getI(k),
                                        /*isSigned=*/true, /*implicitTrunc=*/true));
  };
  if (t.splat)
    return DenseElementsAttr::get(type, make(0));
  if (auto ft = dyn_cast<FloatType>(elem)) {
    if (ft.isF32()) {
      SmallVector<float> v(t.f.begin(), t.f.end());
      return DenseElementsAttr::get(type, ArrayRef<float>(v));
    }
    return DenseElementsAttr::get(type, ArrayRef<double>(t.f));
  }
  SmallVector<APInt> v;
  for (int64_t x : t.i)
    v.push_back(APInt(elem.getIntOrFloatBitWidth(), (uint64_t)x, true, true));
  return DenseElementsAttr::get(type, v);
}

/// Result type of `op`'s result `idx` if it is a static tensor type.
RankedTensorType staticResultType(Operation *op, unsigned idx = 0) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(idx).getType());
  return type && type.hasStaticShape() ? type : RankedTensorType();
}

/// Strides, in elements, of a row-major shape.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Linear index into an operand of `shape` broadcast to `outShape`, for the
/// output element at multi-index `idx`.
int64_t broadcastIndex(ArrayRef<int64_t> idx, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> outShape) {
  int64_t offset = outShape.size() - shape.size(), linear = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    linear = linear * shape[d] + (shape[d] == 1 ? 0 : idx[d + offset]);
  return linear;
}

void delinearize(int64_t k, ArrayRef<int64_t> shape, SmallVector<int64_t> &idx) {
  idx.resize(shape.size());
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    idx[d] = shape[d] ? k % shape[d] : 0;
    k = shape[d] ? k / shape[d] : 0;
  }
}

template <typename FloatFn, typename IntFn>
std::optional<Tensor> binary(const Tensor &a, const Tensor &b,
                             ArrayRef<int64_t> outShape, FloatFn ff, IntFn fi) {
  if (a.isFloat != b.isFloat)
    return std::nullopt;
  Tensor r;
  r.shape.assign(outShape.begin(), outShape.end());
  r.isFloat = a.isFloat;
  r.splat = a.splat && b.splat;
  int64_t n = r.splat ? 1 : r.size();
  SmallVector<int64_t> idx;
  for (int64_t k = 0; k < n; ++k) {
    int64_t ka = 0, kb = 0;
    if (!r.splat) {
      delinearize(k, outShape, idx);
      ka = broadcastIndex(idx, a.shape, outShape);
      kb = broadcastIndex(idx, b.shape, outShape);
    }
    if (r.isFloat) {
      r.f.push_back(ff(a.getF(ka), b.getF(kb)));
    } else {
      std::optional<int64_t> v = fi(a.getI(ka), b.getI(kb));
      if (!v)
        return std::nullopt;
      r.i.push_back(*v);
    }
  }
  return r;
}

/// Copies elements of `t` in a new order: out[k] = t[source(k)].
template <typename Fn>
Tensor gatherElements(const Tensor &t, ArrayRef<int64_t> outShape, Fn source) {
  Tensor r;
  r.shape.assign(outShape.begin(), outShape.end());
  r.isFloat = t.isFloat;
  r.splat = t.splat;
  if (t.splat) {
    r.f = t.f;
    r.i = t.i;
    return r;
  }
  int64_t n = r.size();
  for (int64_t k = 0; k < n; ++k) {
    int64_t s = source(k);
    if (r.isFloat)
      r.f.push_back(t.f[s]);
    else
      r.i.push_back(t.i[s]);
  }
  return r;
}

/// The same elements under a new shape (Reshape, Squeeze, Unsqueeze, ...).
Tensor reshaped(Tensor t, ArrayRef<int64_t> shape) {
  t.shape.assign(shape.begin(), shape.end());
  return t;
}

std::optional<Tensor> evaluate(Operation *op, ArrayRef<Tensor> in,
                               ArrayRef<int64_t> outShape) {
  auto divI = [](int64_t x, int64_t y) -> std::optional<int64_t> {
    if (y == 0)
      return std::nullopt; // left for run time, where it is the user's UB
    return x / y;
  };
  return llvm::TypeSwitch<Operation *, std::optional<Tensor>>(op)
      .Case<AddOp>([&](auto) {
        return binary(in[0], in[1], outShape, std::plus<double>(),
                      [](int64_t x, int64_t y) { return std::optional(x + y); });
      })
      .Case<SubOp>([&](auto) {
        return binary(in[0], in[1], outShape, std::minus<double>(),
                      [](int64_t x, int64_t y) { return std::optional(x - y); });
      })
      .Case<MulOp>([&](auto) {
        return binary(in[0], in[1], outShape, std::multiplies<double>(),
                      [](int64_t x, int64_t y) { return std::optional(x * y); });
      })
      .Case<DivOp>([&](auto) {
        return binary(in[0], in[1], outShape, std::divides<double>(), divI);
      })
      .Case<ReshapeOp, SqueezeOp, UnsqueezeOp, FlattenOp, IdentityOp>(
          [&](auto) { return std::optional(reshaped(in[0], outShape)); })
      .Case<ConcatOp>([&](ConcatOp concat) -> std::optional<Tensor> {
        int64_t axis = *normalizeAxis((int64_t)concat.getAxis(), outShape.size());
        Tensor r;
        r.shape.assign(outShape.begin(), outShape.end());
        r.isFloat = in[0].isFloat;
        int64_t outer = 1;
        for (int64_t d = 0; d < axis; ++d)
          outer *= outShape[d];
        for (int64_t o = 0; o < outer; ++o)
          for (const Tensor &t : in) {
            int64_t chunk = t.size() / std::max<int64_t>(outer, 1);
            for (int64_t k = 0; k < chunk; ++k) {
              if (r.isFloat)
                r.f.push_back(t.getF(o * chunk + k));
              else
                r.i.push_back(t.getI(o * chunk + k));
            }
          }
        return r;
      })
      .Case<TransposeOp>([&](TransposeOp transpose) -> std::optional<Tensor> {
        const Tensor &t = in[0];
        size_t rank = t.shape.size();
        SmallVector<int64_t> perm;
        if (auto p = transpose.getPerm())
          perm.assign(p->begin(), p->end());
        else
          for (size_t d = 0; d < rank; ++d)
            perm.push_back(rank - 1 - d);
        SmallVector<int64_t> inStrides = stridesOf(t.shape), idx;
        return gatherElements(t, outShape, [&](int64_t k) {
          delinearize(k, outShape, idx);
          int64_t s = 0;
          for (size_t d = 0; d < rank; ++d)
            s += idx[d] * inStrides[perm[d]];
          return s;
        });
      })
      .Case<GatherOp>([&](GatherOp gather) -> std::optional<Tensor> {
        const Tensor &data = in[0], &indices = in[1];
        if (indices.isFloat)
          return std::nullopt;
        int64_t rank = data.shape.size();
        int64_t axis = *normalizeAxis((int64_t)gather.getAxis(), rank);
        int64_t axisSize = data.shape[axis];
        for (int64_t k = 0, e = indices.splat ? 1 : indices.size(); k < e; ++k) {
          int64_t v = indices.getI(k);
          if (v < -axisSize || v >= axisSize)
            return std::nullopt; // out of range: left to run time
        }
        SmallVector<int64_t> inStrides = stridesOf(data.shape), idx;
        int64_t qRank = indices.shape.size();
        return gatherElements(data, outShape, [&](int64_t k) {
          delinearize(k, outShape, idx);
          int64_t q = 0;
          for (int64_t d = 0; d < qRank; ++d)
            q = q * indices.shape[d] + idx[axis + d];
          int64_t j = indices.getI(q);
          j = j < 0 ? j + axisSize : j;
          int64_t s = 0;
          for (int64_t d = 0; d < rank; ++d) {
            int64_t i = d < axis ? idx[d] : d == axis ? j : idx[d + qRank - 1];
            s += i * inStrides[d];
          }
          return s;
        });
      })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace

SmallVector<Attribute> evaluateConstant(Operation *op,
                                        ArrayRef<Attribute> operands,
                                        int64_t maxElements) {
  // Ops whose values do not depend on constant operands.
  if (auto constant = dyn_cast<ConstantOp>(op)) {
    if (auto value = constant.getValueAttr())
      return {value};
    return {};
  }
  RankedTensorType resultType = op->getNumResults() == 1
                                    ? staticResultType(op)
                                    : RankedTensorType();
  if (!resultType)
    return {};
  if (auto shape = dyn_cast<ShapeOp>(op)) {
    auto inType = dyn_cast<RankedTensorType>(shape.getData().getType());
    if (!inType || !inType.hasStaticShape())
      return {};
    int64_t rank = inType.getRank();
    int64_t start = std::clamp<int64_t>(
        (int64_t)shape.getStart() < 0 ? (int64_t)shape.getStart() + rank
                                      : (int64_t)shape.getStart(),
        0, rank);
    int64_t end = rank;
    if (auto e = shape.getEnd())
      end = std::clamp<int64_t>((int64_t)*e < 0 ? (int64_t)*e + rank : (int64_t)*e,
                                0, rank);
    SmallVector<int64_t> dims;
    for (int64_t d = start; d < end; ++d)
      dims.push_back(inType.getDimSize(d));
    if ((int64_t)dims.size() != resultType.getNumElements())
      return {};
    return {DenseElementsAttr::get(resultType, ArrayRef<int64_t>(dims))};
  }
  if (auto cos = dyn_cast<ConstantOfShapeOp>(op)) {
    Attribute fill;
    if (auto value = cos.getValueAttr()) {
      auto dense = dyn_cast<DenseElementsAttr>(value);
      if (!dense || dense.getNumElements() != 1)
        return {};
      fill = dense.getValues<Attribute>()[0];
    } else {
      fill = FloatAttr::get(Float32Type::get(op->getContext()), 0.0);
    }
    if (auto ft = dyn_cast<FloatAttr>(fill);
        ft && ft.getType() != resultType.getElementType())
      return {};
    if (auto it = dyn_cast<IntegerAttr>(fill);
        it && it.getType() != resultType.getElementType())
      return {};
    return {DenseElementsAttr::get(resultType, fill)};
  }

  SmallVector<Tensor> in;
  for (Attribute a : operands) {
    std::optional<Tensor> t = unpack(a);
    if (!t)
      return {};
    in.push_back(std::move(*t));
  }
  // Reshape-like ops only read the data operand; their shape/axes operands
  // are consumed through the (already inferred) result type.
  if (isa<ReshapeOp, SqueezeOp, UnsqueezeOp>(op) && !in.empty())
    in.resize(1);
  if (in.empty())
    return {};
  bool allSplat = llvm::all_of(in, [](const Tensor &t) { return t.splat; });
  bool splatPreserving = isa<AddOp, SubOp, MulOp, DivOp, ReshapeOp, SqueezeOp,
                             UnsqueezeOp, FlattenOp, IdentityOp, TransposeOp>(op);
  if (!(allSplat && splatPreserving) &&
      resultType.getNumElements() > maxElements)
    return {};
  std::optional<Tensor> r = evaluate(op, in, resultType.getShape());
  if (!r || r->isFloat != isa<FloatType>(resultType.getElementType()))
    return {};
  return {pack(*r, resultType)};
}

} // namespace onnx_mlc::onnx
