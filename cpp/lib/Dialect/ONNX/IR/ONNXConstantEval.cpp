//===- ONNXConstantEval.cpp - Evaluating ONNX ops on constants ------------===//
//
// Values are computed in double (floats) or int64 (integers, booleans) and
// written back in the result's element type, wrapping integers to their
// width as numpy's astype does. That is exact for every integer type up to
// 64 bits and for f16, bf16, f32 and f64 values. The op set is what shape
// computations use (Shape -> Gather -> Range -> Reshape chains, masks built
// from Equal and Where), plus the arithmetic around them.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Dialect/ONNX/ONNXConstantEval.h"
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "llvm/ADT/TypeSwitch.h"
#include <cmath>

using namespace mlir;

namespace onnx_mlc::onnx {
namespace {

/// One element: a float or an integer (booleans are 0 and 1).
struct Num {
  bool isFloat;
  double f = 0;
  int64_t i = 0;
  static Num real(double v) { return {true, v, 0}; }
  static Num integer(int64_t v) { return {false, 0, v}; }
  double asDouble() const { return isFloat ? f : (double)i; }
  bool truth() const { return isFloat ? f != 0 : i != 0; }
};

/// A constant tensor unpacked into plain numbers.
struct Tensor {
  SmallVector<int64_t> shape;
  bool isFloat = false;
  bool isUnsigned = false;
  bool splat = false;
  bool absent = false; // an optional operand that is `none`
  SmallVector<double> f;  // when isFloat
  SmallVector<int64_t> i; // otherwise

  int64_t size() const { return ShapedType::getNumElements(shape); }
  Num at(int64_t k) const {
    k = splat ? 0 : k;
    return isFloat ? Num::real(f[k]) : Num::integer(i[k]);
  }
  void push(Num v) {
    if (isFloat)
      f.push_back(v.asDouble());
    else
      i.push_back(v.isFloat ? (int64_t)v.f : v.i);
  }
  SmallVector<int64_t> ints() const {
    SmallVector<int64_t> out;
    for (int64_t k = 0, n = size(); k < n; ++k)
      out.push_back(at(k).isFloat ? (int64_t)at(k).f : at(k).i);
    return out;
  }
};

std::optional<Tensor> unpack(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || !dense.getType().hasStaticShape())
    return std::nullopt;
  Type elem = dense.getElementType();
  Tensor t;
  t.shape.assign(dense.getType().getShape().begin(), dense.getType().getShape().end());
  t.splat = dense.isSplat();
  if (auto ft = dyn_cast<FloatType>(elem)) {
    t.isFloat = true;
    if (t.splat) {
      t.f.push_back(dense.getSplatValue<APFloat>().convertToDouble());
    } else {
      for (APFloat v : dense.getValues<APFloat>()) {
        bool lost;
        v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
        t.f.push_back(v.convertToDouble());
      }
    }
  } else if (auto it = dyn_cast<IntegerType>(elem)) {
    t.isUnsigned = it.isUnsigned() || it.getWidth() == 1;
    auto get = [&](const APInt &v) {
      return t.isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue();
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

/// Packs `t` into an attribute of `type` (static shape).
Attribute pack(const Tensor &t, RankedTensorType type) {
  Type elem = type.getElementType();
  auto make = [&](int64_t k) -> Attribute {
    Num v = t.at(k);
    if (auto ft = dyn_cast<FloatType>(elem)) {
      APFloat x(v.asDouble());
      bool lost;
      x.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      return FloatAttr::get(ft, x);
    }
    int64_t iv = v.isFloat ? (int64_t)v.f : v.i;
    if (elem.isInteger(1))
      iv = iv != 0;
    return IntegerAttr::get(elem, APInt(elem.getIntOrFloatBitWidth(), (uint64_t)iv,
                                        /*isSigned=*/true, /*implicitTrunc=*/true));
  };
  if (t.splat)
    return DenseElementsAttr::get(type, make(0));
  SmallVector<Attribute> values;
  for (int64_t k = 0, n = t.size(); k < n; ++k)
    values.push_back(make(k));
  return DenseElementsAttr::get(type, values);
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
int64_t broadcastIndex(ArrayRef<int64_t> idx, ArrayRef<int64_t> shape, ArrayRef<int64_t> outShape) {
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

/// An elementwise op over broadcast inputs. `fn` returns nullopt for a value
/// left to run time (an integer division by zero).
std::optional<Tensor> map(ArrayRef<Tensor> in, ArrayRef<int64_t> outShape, bool resultFloat,
                          function_ref<std::optional<Num>(ArrayRef<Num>)> fn) {
  Tensor r;
  r.shape.assign(outShape.begin(), outShape.end());
  r.isFloat = resultFloat;
  r.splat = llvm::all_of(in, [](const Tensor &t) { return t.splat; });
  int64_t n = r.splat ? 1 : r.size();
  SmallVector<int64_t> idx;
  SmallVector<Num> args(in.size(), Num::integer(0));
  for (int64_t k = 0; k < n; ++k) {
    if (!r.splat)
      delinearize(k, outShape, idx);
    for (size_t j = 0; j < in.size(); ++j)
      args[j] = in[j].at(r.splat || in[j].splat ? 0 : broadcastIndex(idx, in[j].shape, outShape));
    std::optional<Num> v = fn(args);
    if (!v)
      return std::nullopt;
    r.push(*v);
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
  for (int64_t k = 0, n = r.size(); k < n; ++k)
    r.push(t.at(source(k)));
  return r;
}

/// The same elements under a new shape (Reshape, Squeeze, Unsqueeze, ...).
Tensor reshaped(Tensor t, ArrayRef<int64_t> shape) {
  t.shape.assign(shape.begin(), shape.end());
  return t;
}

/// Arithmetic on two numbers of one kind (both float or both integer).
template <typename F, typename I>
std::optional<Num> arith2(ArrayRef<Num> a, F ff, I fi) {
  if (a[0].isFloat || a[1].isFloat)
    return Num::real(ff(a[0].asDouble(), a[1].asDouble()));
  return fi(a[0].i, a[1].i);
}

std::optional<Num> compare(ArrayRef<Num> a, function_ref<bool(double, double)> fd,
                           function_ref<bool(int64_t, int64_t)> fi) {
  bool r = a[0].isFloat || a[1].isFloat ? fd(a[0].asDouble(), a[1].asDouble()) : fi(a[0].i, a[1].i);
  return Num::integer(r);
}

std::optional<Tensor> reduce(const Tensor &t, ArrayRef<int64_t> axes, ArrayRef<int64_t> outShape,
                             bool keepdims, Num init, function_ref<Num(Num, Num)> combine) {
  // Reduced dims are 1 in a kept shape; the output only differs from it by
  // dropped 1s.
  SmallVector<int64_t> kept(t.shape);
  for (int64_t a : axes)
    kept[a] = 1;
  Tensor r;
  r.shape.assign(outShape.begin(), outShape.end());
  r.isFloat = t.isFloat;
  int64_t n = ShapedType::getNumElements(kept);
  SmallVector<Num> acc(n, init);
  SmallVector<int64_t> idx;
  for (int64_t k = 0, e = t.size(); k < e; ++k) {
    delinearize(k, t.shape, idx);
    acc[broadcastIndex(idx, kept, t.shape)] = combine(acc[broadcastIndex(idx, kept, t.shape)], t.at(k));
  }
  (void)keepdims;
  for (Num v : acc)
    r.push(v);
  return r;
}

std::optional<Tensor> evaluate(Operation *op, ArrayRef<Tensor> in, RankedTensorType resultType) {
  ArrayRef<int64_t> outShape = resultType.getShape();
  bool resultFloat = isa<FloatType>(resultType.getElementType());
  auto elementwise = [&](function_ref<std::optional<Num>(ArrayRef<Num>)> fn) {
    return map(in, outShape, resultFloat, fn);
  };
  using R = std::optional<Tensor>;
  return llvm::TypeSwitch<Operation *, R>(op)
      .Case<AddOp, SumOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) -> std::optional<Num> {
          Num acc = a[0];
          for (Num v : a.drop_front())
            acc = *arith2({acc, v}, std::plus<double>(),
                          [](int64_t x, int64_t y) { return Num::integer(x + y); });
          return acc;
        });
      })
      .Case<SubOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return arith2(a, std::minus<double>(), [](int64_t x, int64_t y) { return Num::integer(x - y); });
        });
      })
      .Case<MulOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return arith2(a, std::multiplies<double>(),
                        [](int64_t x, int64_t y) { return Num::integer(x * y); });
        });
      })
      .Case<DivOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return arith2(a, std::divides<double>(), [](int64_t x, int64_t y) -> std::optional<Num> {
            if (y == 0)
              return std::nullopt; // left for run time
            return Num::integer(x / y);
          });
        });
      })
      .Case<ModOp>([&](ModOp mod) {
        bool fmod = mod.getFmod() != 0;
        return elementwise([&](ArrayRef<Num> a) -> std::optional<Num> {
          if (a[0].isFloat) {
            double r = std::fmod(a[0].f, a[1].f);
            if (!fmod && r != 0 && ((r < 0) != (a[1].f < 0)))
              r += a[1].f;
            return Num::real(r);
          }
          if (a[1].i == 0)
            return std::nullopt;
          int64_t r = a[0].i % a[1].i;
          if (!fmod && r != 0 && ((r < 0) != (a[1].i < 0)))
            r += a[1].i;
          return Num::integer(r);
        });
      })
      .Case<MaxOp, MinOp>([&](auto m) {
        bool isMax = isa<MaxOp>(m.getOperation());
        return elementwise([&](ArrayRef<Num> a) -> std::optional<Num> {
          Num best = a[0];
          for (Num v : a.drop_front()) {
            bool better = best.isFloat ? (isMax ? v.f > best.f : v.f < best.f)
                                       : (isMax ? v.i > best.i : v.i < best.i);
            if (better || (v.isFloat && std::isnan(v.f)))
              best = v;
          }
          return best;
        });
      })
      .Case<NegOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return std::optional(a[0].isFloat ? Num::real(-a[0].f) : Num::integer(-a[0].i));
        });
      })
      .Case<AbsOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return std::optional(a[0].isFloat ? Num::real(std::fabs(a[0].f))
                                            : Num::integer(a[0].i < 0 ? -a[0].i : a[0].i));
        });
      })
      .Case<SqrtOp, FloorOp, CeilOp, ReciprocalOp>([&](auto u) {
        Operation *o = u.getOperation();
        return elementwise([&](ArrayRef<Num> a) {
          double x = a[0].asDouble();
          double r = isa<SqrtOp>(o) ? std::sqrt(x) : isa<FloorOp>(o) ? std::floor(x)
                   : isa<CeilOp>(o) ? std::ceil(x) : 1.0 / x;
          return std::optional(Num::real(r));
        });
      })
      .Case<EqualOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return compare(a, [](double x, double y) { return x == y; },
                         [](int64_t x, int64_t y) { return x == y; });
        });
      })
      .Case<LessOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return compare(a, [](double x, double y) { return x < y; },
                         [](int64_t x, int64_t y) { return x < y; });
        });
      })
      .Case<LessOrEqualOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return compare(a, [](double x, double y) { return x <= y; },
                         [](int64_t x, int64_t y) { return x <= y; });
        });
      })
      .Case<GreaterOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return compare(a, [](double x, double y) { return x > y; },
                         [](int64_t x, int64_t y) { return x > y; });
        });
      })
      .Case<GreaterOrEqualOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) {
          return compare(a, [](double x, double y) { return x >= y; },
                         [](int64_t x, int64_t y) { return x >= y; });
        });
      })
      .Case<NotOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) { return std::optional(Num::integer(!a[0].truth())); });
      })
      .Case<AndOp, OrOp, XorOp>([&](auto l) {
        Operation *o = l.getOperation();
        return elementwise([&](ArrayRef<Num> a) {
          bool x = a[0].truth(), y = a[1].truth();
          bool r = isa<AndOp>(o) ? (x && y) : isa<OrOp>(o) ? (x || y) : (x != y);
          return std::optional(Num::integer(r));
        });
      })
      .Case<WhereOp>([&](auto) {
        return elementwise([](ArrayRef<Num> a) { return std::optional(a[0].truth() ? a[1] : a[2]); });
      })
      .Case<CastOp, CastLikeOp>([&](auto) -> R {
        Type to = resultType.getElementType();
        bool toBool = to.isInteger(1);
        Tensor input = in[0];
        input.shape.assign(outShape.begin(), outShape.end());
        return map(ArrayRef<Tensor>(input), outShape, resultFloat, [&](ArrayRef<Num> a) -> std::optional<Num> {
          if (toBool)
            return Num::integer(a[0].truth());
          if (resultFloat)
            return Num::real(a[0].asDouble());
          if (a[0].isFloat && !std::isfinite(a[0].f))
            return std::nullopt; // undefined; left to run time
          return Num::integer(a[0].isFloat ? (int64_t)a[0].f : a[0].i);
        });
      })
      .Case<ReshapeOp, SqueezeOp, UnsqueezeOp, FlattenOp, IdentityOp>(
          [&](auto) { return R(reshaped(in[0], outShape)); })
      .Case<ExpandOp>([&](auto) {
        return map(ArrayRef<Tensor>(in[0]), outShape, resultFloat,
                   [](ArrayRef<Num> a) { return std::optional(a[0]); });
      })
      .Case<ConcatOp>([&](ConcatOp concat) -> R {
        int64_t axis = *normalizeAxis((int64_t)concat.getAxis(), outShape.size());
        Tensor r;
        r.shape.assign(outShape.begin(), outShape.end());
        r.isFloat = resultFloat;
        int64_t outer = 1;
        for (int64_t d = 0; d < axis; ++d)
          outer *= outShape[d];
        for (int64_t o = 0; o < outer; ++o)
          for (const Tensor &t : in) {
            int64_t chunk = outer ? t.size() / outer : 0;
            for (int64_t k = 0; k < chunk; ++k)
              r.push(t.at(o * chunk + k));
          }
        return r;
      })
      .Case<TransposeOp>([&](TransposeOp transpose) -> R {
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
      .Case<GatherOp>([&](GatherOp gather) -> R {
        const Tensor &data = in[0], &indices = in[1];
        if (indices.isFloat)
          return std::nullopt;
        int64_t rank = data.shape.size();
        int64_t axis = *normalizeAxis((int64_t)gather.getAxis(), rank);
        int64_t axisSize = data.shape[axis];
        for (int64_t k = 0, e = indices.splat ? 1 : indices.size(); k < e; ++k) {
          int64_t v = indices.at(k).i;
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
          int64_t j = indices.at(q).i;
          j = j < 0 ? j + axisSize : j;
          int64_t s = 0;
          for (int64_t d = 0; d < rank; ++d) {
            int64_t i = d < axis ? idx[d] : d == axis ? j : idx[d + qRank - 1];
            s += i * inStrides[d];
          }
          return s;
        });
      })
      .Case<SliceOp>([&](SliceOp slice) -> R {
        const Tensor &data = in[0];
        int64_t rank = data.shape.size();
        SmallVector<int64_t> starts = in[1].ints(), ends = in[2].ints();
        SmallVector<int64_t> axes, steps(starts.size(), 1);
        if (!in[3].absent) {
          for (int64_t a : in[3].ints())
            axes.push_back(*normalizeAxis(a, rank));
        } else {
          axes = llvm::to_vector(llvm::seq<int64_t>(0, starts.size()));
        }
        if (!in[4].absent)
          steps = in[4].ints();
        SmallVector<int64_t> first(rank, 0), step(rank, 1);
        for (size_t j = 0; j < axes.size(); ++j) {
          int64_t n = data.shape[axes[j]], s = starts[j], st = steps[j];
          if (st == 0)
            return std::nullopt;
          s = s < 0 ? s + n : s;
          s = st > 0 ? std::clamp<int64_t>(s, 0, n) : std::clamp<int64_t>(s, -1, n - 1);
          first[axes[j]] = s;
          step[axes[j]] = st;
        }
        SmallVector<int64_t> inStrides = stridesOf(data.shape), idx;
        return gatherElements(data, outShape, [&](int64_t k) {
          delinearize(k, outShape, idx);
          int64_t s = 0;
          for (int64_t d = 0; d < rank; ++d)
            s += (first[d] + idx[d] * step[d]) * inStrides[d];
          return s;
        });
      })
      .Case<TileOp>([&](auto) -> R {
        const Tensor &data = in[0];
        SmallVector<int64_t> inStrides = stridesOf(data.shape), idx;
        return gatherElements(data, outShape, [&](int64_t k) {
          delinearize(k, outShape, idx);
          int64_t s = 0;
          for (size_t d = 0; d < idx.size(); ++d)
            s += (idx[d] % data.shape[d]) * inStrides[d];
          return s;
        });
      })
      .Case<RangeOp>([&](auto) -> R {
        Num start = in[0].at(0), delta = in[2].at(0);
        Tensor r;
        r.shape.assign(outShape.begin(), outShape.end());
        r.isFloat = resultFloat;
        for (int64_t k = 0; k < outShape[0]; ++k)
          r.push(resultFloat ? Num::real(start.asDouble() + k * delta.asDouble())
                             : Num::integer(start.i + k * delta.i));
        return r;
      })
      .Case<SizeOp>([&](auto) -> R {
        Tensor r;
        r.push(Num::integer(in[0].size()));
        return r;
      })
      .Case<ReduceSumOp, ReduceProdOp, ReduceMaxOp, ReduceMinOp>([&](auto red) -> R {
        const Tensor &data = in[0];
        int64_t rank = data.shape.size();
        SmallVector<int64_t> axes;
        if (in.size() > 1 && !in[1].absent)
          axes = in[1].ints();
        if (axes.empty() && red.getNoopWithEmptyAxes())
          return reshaped(data, outShape);
        if (axes.empty())
          axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
        std::optional<SmallVector<int64_t>> sorted = normalizeAxes(axes, rank);
        if (!sorted)
          return std::nullopt;
        Operation *o = red.getOperation();
        Num init = isa<ReduceProdOp>(o) ? (data.isFloat ? Num::real(1) : Num::integer(1))
                   : isa<ReduceSumOp>(o) ? (data.isFloat ? Num::real(0) : Num::integer(0))
                   : isa<ReduceMaxOp>(o) ? (data.isFloat ? Num::real(-INFINITY) : Num::integer(INT64_MIN))
                                         : (data.isFloat ? Num::real(INFINITY) : Num::integer(INT64_MAX));
        return reduce(data, *sorted, outShape, red.getKeepdims() != 0, init, [&](Num acc, Num v) {
          if (isa<ReduceSumOp>(o))
            return *arith2({acc, v}, std::plus<double>(), [](int64_t x, int64_t y) { return Num::integer(x + y); });
          if (isa<ReduceProdOp>(o))
            return *arith2({acc, v}, std::multiplies<double>(), [](int64_t x, int64_t y) { return Num::integer(x * y); });
          bool isMax = isa<ReduceMaxOp>(o);
          bool better = acc.isFloat ? (isMax ? v.f > acc.f : v.f < acc.f) : (isMax ? v.i > acc.i : v.i < acc.i);
          return better ? v : acc;
        });
      })
      .Default([](Operation *) { return std::nullopt; });
}

/// Ops that may fold however large their splat operands are: their results
/// are splats too.
bool keepsSplats(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, ReshapeOp, SqueezeOp, UnsqueezeOp, FlattenOp, IdentityOp,
             TransposeOp, CastOp, CastLikeOp, NegOp, AbsOp, SqrtOp, EqualOp, LessOp, GreaterOp,
             LessOrEqualOp, GreaterOrEqualOp, NotOp, AndOp, OrOp, XorOp, WhereOp, ExpandOp, TileOp,
             MaxOp, MinOp, SliceOp>(op);
}

} // namespace

SmallVector<Attribute> evaluateConstant(Operation *op, ArrayRef<Attribute> operands,
                                        int64_t maxElements) {
  // Ops whose values do not depend on constant operands.
  if (auto constant = dyn_cast<ConstantOp>(op)) {
    if (auto value = constant.getValueAttr())
      return {value};
    return {};
  }
  RankedTensorType resultType =
      op->getNumResults() == 1 ? staticResultType(op) : RankedTensorType();
  if (!resultType)
    return {};
  if (auto shape = dyn_cast<ShapeOp>(op)) {
    auto inType = dyn_cast<RankedTensorType>(shape.getData().getType());
    if (!inType || !inType.hasStaticShape())
      return {};
    int64_t rank = inType.getRank();
    auto clampAxis = [&](int64_t a) { return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank); };
    int64_t start = clampAxis((int64_t)shape.getStart());
    int64_t end = shape.getEnd() ? clampAxis((int64_t)*shape.getEnd()) : rank;
    SmallVector<int64_t> dims;
    for (int64_t d = start; d < end; ++d)
      dims.push_back(inType.getDimSize(d));
    if ((int64_t)dims.size() != resultType.getNumElements())
      return {};
    return {DenseElementsAttr::get(resultType, ArrayRef<int64_t>(dims))};
  }
  if (auto size = dyn_cast<SizeOp>(op)) {
    auto inType = dyn_cast<RankedTensorType>(size.getData().getType());
    if (!inType || !inType.hasStaticShape())
      return {};
    return {DenseElementsAttr::get(resultType,
                                   APInt(resultType.getElementTypeBitWidth(), inType.getNumElements()))};
  }
  if (auto cos = dyn_cast<ConstantOfShapeOp>(op)) {
    // Only a constant shape decides: a declared result type alone may
    // contradict the shape fed at run time.
    auto shape = dyn_cast_or_null<DenseIntElementsAttr>(operands.empty() ? Attribute() : operands[0]);
    if (!shape || !llvm::equal(llvm::map_range(shape.getValues<APInt>(),
                                               [](const APInt &v) { return v.getSExtValue(); }),
                               resultType.getShape()))
      return {};
    Attribute fill;
    if (auto value = cos.getValueAttr()) {
      auto dense = dyn_cast<DenseElementsAttr>(value);
      if (!dense || dense.getNumElements() != 1)
        return {};
      fill = dense.getValues<Attribute>()[0];
    } else {
      fill = FloatAttr::get(Float32Type::get(op->getContext()), 0.0);
    }
    if (cast<TypedAttr>(fill).getType() != resultType.getElementType())
      return {};
    return {DenseElementsAttr::get(resultType, fill)};
  }

  SmallVector<Tensor> in;
  for (auto [value, attr] : llvm::zip(op->getOperands(), operands)) {
    if (isNoneValue(value)) {
      Tensor absent;
      absent.absent = true;
      in.push_back(absent);
      continue;
    }
    std::optional<Tensor> t = unpack(attr);
    if (!t)
      return {};
    in.push_back(std::move(*t));
  }
  // Reshape-like ops and Expand/Tile only read the data operand; their shape
  // operands are consumed through the (already inferred) result type.
  if (isa<ReshapeOp, SqueezeOp, UnsqueezeOp, ExpandOp, TileOp>(op) && !in.empty())
    in.resize(1);
  if (in.empty() || in[0].absent)
    return {};
  // Moving the elements of a splat gives the same splat.
  if (in[0].splat && isa<ReshapeOp, SqueezeOp, UnsqueezeOp, FlattenOp, IdentityOp, TransposeOp,
                         ExpandOp, TileOp, SliceOp>(op))
    return {pack(reshaped(in[0], resultType.getShape()), resultType)};
  bool allSplat = llvm::all_of(in, [](const Tensor &t) { return t.splat || t.absent; });
  if (!(allSplat && keepsSplats(op)) && resultType.getNumElements() > maxElements)
    return {};
  // Elementwise results keep a splat input's splat-ness; everything else
  // is computed element by element.
  if (!keepsSplats(op))
    for (Tensor &t : in)
      if (t.splat && !t.absent) {
        Tensor full = t;
        full.splat = false;
        full.f.assign(t.isFloat ? t.size() : 0, t.isFloat ? t.f[0] : 0.0);
        full.i.assign(t.isFloat ? 0 : t.size(), t.isFloat ? 0 : t.i[0]);
        t = full;
      }
  std::optional<Tensor> r = evaluate(op, in, resultType);
  if (!r || r->size() != resultType.getNumElements() && !r->splat)
    return {};
  return {pack(*r, resultType)};
}

} // namespace onnx_mlc::onnx
