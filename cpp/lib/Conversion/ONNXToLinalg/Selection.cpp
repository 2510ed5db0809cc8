//===- Selection.cpp - NonZero, Compress and Unique -----------------------===//
//
// Ops whose output sizes depend on the input values: a first pass counts
// what the output will hold, the output is allocated at that size, and a
// sequential loop fills it. The model function returns such outputs as
// buffers it allocated (see the C ABI).
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

Value cIdx(OpBuilder &b, Location l, int64_t v) { return arith::ConstantIndexOp::create(b, l, v); }

/// The number of elements of `t` as an index value.
Value numElements(OpBuilder &b, Location l, Value t) {
  Value n = cIdx(b, l, 1);
  for (OpFoldResult s : sizesOf(b, l, t))
    n = arith::MulIOp::create(b, l, n, indexValue(b, l, s));
  return n;
}

/// `t` flattened to 1-D.
Value flatten(OpBuilder &b, Location l, Value t) {
  DimBuilder dims(b, l);
  return reshapeTo(b, l, t, {dims.product(sizesOf(b, l, t))});
}

/// A loop from 0 to `n` over `init`, whose body returns the next values.
ValueRange loop(OpBuilder &b, Location l, Value n, ValueRange init,
                function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)> body) {
  return scf::ForOp::create(b, l, cIdx(b, l, 0), n, cIdx(b, l, 1), init,
                            [&](OpBuilder &nb, Location nl, Value i, ValueRange carried) {
                              scf::YieldOp::create(nb, nl, body(nb, nl, i, carried));
                            })
      .getResults();
}

/// `cond ? then() : carried`, for loop bodies that update only sometimes.
SmallVector<Value> when(OpBuilder &b, Location l, Value cond, ValueRange carried,
                        function_ref<SmallVector<Value>(OpBuilder &, Location)> then) {
  auto branch = scf::IfOp::create(
      b, l, cond,
      [&](OpBuilder &nb, Location nl) { scf::YieldOp::create(nb, nl, then(nb, nl)); },
      [&](OpBuilder &nb, Location nl) { scf::YieldOp::create(nb, nl, carried); });
  return SmallVector<Value>(branch.getResults());
}

struct NonZeroLowering : ONNXConversion<NonZeroOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(NonZeroOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t rank = typeOf(x).getRank();
    Type elem = onnxElementType(op.getX());
    Sizes sizes = sizesOf(rewriter, loc, x);
    Value flat = flatten(rewriter, loc, x), n = numElements(rewriter, loc, x);
    auto nonzero = [&](OpBuilder &b, Location l, Value i) {
      return Scalar(b, l, elem).truth(tensor::ExtractOp::create(b, l, flat, i));
    };
    Value count = loop(rewriter, loc, n, cIdx(rewriter, loc, 0),
                       [&](OpBuilder &b, Location l, Value i, ValueRange c) -> SmallVector<Value> {
                         Value one = arith::SelectOp::create(b, l, nonzero(b, l, i), cIdx(b, l, 1), cIdx(b, l, 0));
                         return {arith::AddIOp::create(b, l, c[0], one)};
                       })[0];
    Value out = emptyTensor(rewriter, loc, {rewriter.getIndexAttr(rank), count}, rewriter.getI64Type());
    SmallVector<Value> dims;
    for (OpFoldResult s : sizes)
      dims.push_back(indexValue(rewriter, loc, s));
    Value filled = loop(rewriter, loc, n, ValueRange{cIdx(rewriter, loc, 0), out},
                        [&](OpBuilder &b, Location l, Value i, ValueRange c) {
                          return when(b, l, nonzero(b, l, i), c, [&](OpBuilder &tb, Location tl) {
                            // The coordinates of flat index i, last dim first.
                            Value rest = i, t = c[1];
                            for (int64_t d = rank - 1; d >= 0; --d) {
                              Value coord = arith::RemUIOp::create(tb, tl, rest, dims[d]);
                              rest = arith::DivUIOp::create(tb, tl, rest, dims[d]);
                              Value v = arith::IndexCastOp::create(tb, tl, tb.getI64Type(), coord);
                              t = tensor::InsertOp::create(tb, tl, v, t, ValueRange{cIdx(tb, tl, d), c[0]});
                            }
                            return SmallVector<Value>{arith::AddIOp::create(tb, tl, c[0], cIdx(tb, tl, 1)), t};
                          });
                        })[1];
    replaceOp(op, rewriter, filled);
    return success();
  }
};

struct CompressLowering : ONNXConversion<CompressOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(CompressOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput(), cond = adaptor.getCondition();
    std::optional<int64_t> axis;
    if (auto a = op.getAxis())
      axis = normalizeAxis((int64_t)*a, typeOf(in).getRank());
    if (!axis)
      in = flatten(rewriter, loc, in);
    int64_t ax = axis.value_or(0);
    Sizes sizes = sizesOf(rewriter, loc, in);
    // Only the condition entries that have a slice count.
    Value m = arith::MinSIOp::create(rewriter, loc, indexValue(rewriter, loc, sizes[ax]),
                                     tensor::DimOp::create(rewriter, loc, cond, 0));
    auto taken = [&](OpBuilder &b, Location l, Value j) -> Value {
      Value v = tensor::ExtractOp::create(b, l, cond, j);
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, v, arith::ConstantIntOp::create(b, l, 0, 8));
    };
    Value count = loop(rewriter, loc, m, cIdx(rewriter, loc, 0),
                       [&](OpBuilder &b, Location l, Value j, ValueRange c) -> SmallVector<Value> {
                         Value one = arith::SelectOp::create(b, l, taken(b, l, j), cIdx(b, l, 1), cIdx(b, l, 0));
                         return {arith::AddIOp::create(b, l, c[0], one)};
                       })[0];
    // The kept slice indices, in order.
    Value kept = emptyTensor(rewriter, loc, {count}, rewriter.getIndexType());
    kept = loop(rewriter, loc, m, ValueRange{cIdx(rewriter, loc, 0), kept},
                [&](OpBuilder &b, Location l, Value j, ValueRange c) {
                  return when(b, l, taken(b, l, j), c, [&](OpBuilder &tb, Location tl) {
                    Value t = tensor::InsertOp::create(tb, tl, j, c[1], ValueRange{c[0]});
                    return SmallVector<Value>{arith::AddIOp::create(tb, tl, c[0], cIdx(tb, tl, 1)), t};
                  });
                })[1];
    Sizes out = sizes;
    out[ax] = count;
    Value r = buildIndexed(rewriter, loc, out, typeOf(in).getElementType(),
                           [&](OpBuilder &b, Location l, ValueRange idx) {
                             SmallVector<Value> coords(idx);
                             coords[ax] = tensor::ExtractOp::create(b, l, kept, idx[ax]);
                             return (Value)tensor::ExtractOp::create(b, l, in, coords);
                           });
    replaceOp(op, rewriter, r);
    return success();
  }
};

/// Unique over the flattened input: each element's first occurrence, the
/// position of its value among the unique values (ascending with sorted,
/// in order of first occurrence otherwise), then the outputs filled in one
/// pass. Quadratic in the number of elements.
struct UniqueLowering : ONNXConversion<UniqueOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(UniqueOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op.getAxis())
      return unsupported(op, rewriter, "Unique along an axis is not supported yet");
    Location loc = op.getLoc();
    Type elem = onnxElementType(op.getX());
    bool sorted = op.getSorted() != 0;
    Value x = flatten(rewriter, loc, adaptor.getX());
    Value n = numElements(rewriter, loc, x);
    auto at = [&](OpBuilder &b, Location l, Value i) -> Value { return tensor::ExtractOp::create(b, l, x, i); };
    auto eq = [&](OpBuilder &b, Location l, Value u, Value v) {
      return Scalar(b, l, elem).cmp(CmpKind::EQ, u, v);
    };
    // first[i]: the index of the first element equal to x[i].
    Value first = emptyTensor(rewriter, loc, {n}, rewriter.getIndexType());
    first = loop(rewriter, loc, n, first, [&](OpBuilder &b, Location l, Value i, ValueRange c) {
      Value xi = at(b, l, i);
      Value f = loop(b, l, arith::AddIOp::create(b, l, i, cIdx(b, l, 1)), i,
                     [&](OpBuilder &ib, Location il, Value j, ValueRange best) -> SmallVector<Value> {
                       Value hit = arith::AndIOp::create(
                           ib, il, eq(ib, il, at(ib, il, j), xi),
                           arith::CmpIOp::create(ib, il, arith::CmpIPredicate::ult, j, best[0]));
                       return {arith::SelectOp::create(ib, il, hit, j, best[0])};
                     })[0];
      return SmallVector<Value>{tensor::InsertOp::create(b, l, f, c[0], i)};
    })[0];
    auto isFirst = [&](OpBuilder &b, Location l, Value i) -> Value {
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, tensor::ExtractOp::create(b, l, first, i), i);
    };
    // pos[i] for first occurrences: the unique values before it.
    Value pos = emptyTensor(rewriter, loc, {n}, rewriter.getIndexType());
    Value unique = cIdx(rewriter, loc, 0);
    auto posLoop = loop(rewriter, loc, n, ValueRange{pos, unique},
                        [&](OpBuilder &b, Location l, Value i, ValueRange c) {
                          Value xi = at(b, l, i);
                          Value p = loop(b, l, n, cIdx(b, l, 0),
                                         [&](OpBuilder &ib, Location il, Value j, ValueRange k) -> SmallVector<Value> {
                                           Value before = sorted
                                                              ? Scalar(ib, il, elem).cmp(CmpKind::LT, at(ib, il, j), xi)
                                                              : arith::CmpIOp::create(ib, il, arith::CmpIPredicate::ult, j, i).getResult();
                                           Value counts = arith::AndIOp::create(ib, il, before, isFirst(ib, il, j));
                                           return {arith::AddIOp::create(
                                               ib, il, k[0], arith::SelectOp::create(ib, il, counts, cIdx(ib, il, 1), cIdx(ib, il, 0)))};
                                         })[0];
                          Value t = tensor::InsertOp::create(b, l, p, c[0], i);
                          Value add = arith::SelectOp::create(b, l, isFirst(b, l, i), cIdx(b, l, 1), cIdx(b, l, 0));
                          return SmallVector<Value>{t, arith::AddIOp::create(b, l, c[1], add)};
                        });
    pos = posLoop[0];
    unique = posLoop[1];
    Type i64 = rewriter.getI64Type();
    Value y = emptyTensor(rewriter, loc, {unique}, typeOf(x).getElementType());
    Value indices = emptyTensor(rewriter, loc, {unique}, i64);
    Value counts = filledTensor(rewriter, loc, {unique}, arith::ConstantIntOp::create(rewriter, loc, 0, 64));
    Value inverse = emptyTensor(rewriter, loc, {n}, i64);
    auto filled = loop(rewriter, loc, n, ValueRange{y, indices, counts, inverse},
                       [&](OpBuilder &b, Location l, Value i, ValueRange c) {
                         Value f = tensor::ExtractOp::create(b, l, first, i);
                         Value p = tensor::ExtractOp::create(b, l, pos, f);
                         Value p64 = arith::IndexCastOp::create(b, l, i64, p);
                         Value inv = tensor::InsertOp::create(b, l, p64, c[3], i);
                         Value cnt = tensor::ExtractOp::create(b, l, c[2], p);
                         Value cnt1 = arith::AddIOp::create(b, l, cnt, arith::ConstantIntOp::create(b, l, 1, 64));
                         Value cs = tensor::InsertOp::create(b, l, cnt1, c[2], p);
                         SmallVector<Value> next{c[0], c[1], cs, inv};
                         return when(b, l, isFirst(b, l, i), next, [&](OpBuilder &tb, Location tl) {
                           Value ys = tensor::InsertOp::create(tb, tl, at(tb, tl, i), c[0], p);
                           Value is = tensor::InsertOp::create(
                               tb, tl, arith::IndexCastOp::create(tb, tl, i64, i), c[1], p);
                           return SmallVector<Value>{ys, is, cs, inv};
                         });
                       });
    SmallVector<Value> results{filled[0], filled[1], filled[3], filled[2]};
    for (auto [i, r] : llvm::enumerate(op->getResults()))
      if (isa<NoneType>(r.getType()))
        results[i] = Value();
    replaceOp(op, rewriter, results);
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateSelectionPatterns(const ONNXTypeConverter &tc,
                                                         RewritePatternSet &patterns) {
  patterns.add<NonZeroLowering, CompressLowering, UniqueLowering>(tc, patterns.getContext());
}
