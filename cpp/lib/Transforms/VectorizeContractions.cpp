//===- VectorizeContractions.cpp - Register-tiled vector matmul kernels ---===//
//
// The kernel is the classic outer-product micro-kernel: an MR x NR block of
// C lives in MR * NR / lanes vector registers for the whole k loop; each k
// step loads one row segment of B (contiguous along n), broadcasts MR
// scalars of A and issues one FMA per register. Where sizes are static,
// edge tiles are just smaller instances of the same kernel (fewer rows, a
// masked last vector), chosen at compile time; where they are known only at
// run time, the leftover rows run as one tile that repeats the last row
// (more than half a tile left) or in blocks of 4, 2 and 1 rows (for a tile
// of 8), and the leftover columns under masks computed at run time.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_VECTORIZECONTRACTIONSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

/// Which loops of a contraction play which role.
struct ContractionPlan {
  unsigned m, n, k;
  SmallVector<unsigned> outer; // every other (parallel) loop
  SmallVector<int64_t> sizes;  // static loop sizes (kDynamic if not)
};

bool hasUnitInnerStride(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getRank() > 0 && type.isLastDimUnitStride();
}

std::optional<unsigned> innermostDim(AffineMap map) {
  if (map.getNumResults() == 0)
    return std::nullopt;
  if (auto d = dyn_cast<AffineDimExpr>(map.getResults().back()))
    return d.getPosition();
  return std::nullopt;
}

/// Recognizes C[.., m, n] += A[.., m|k ..] * B[.., k, n] on memrefs, B and
/// C contiguous along n.
std::optional<ContractionPlan> planContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  Type elem = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  if (!isa<FloatType>(elem))
    return std::nullopt;
  for (Value v : op->getOperands())
    if (getElementTypeOrSelf(v.getType()) != elem)
      return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->k.size() != 1 || dims->m.empty() || dims->n.empty())
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  std::optional<unsigned> bInner = innermostDim(maps[1]), cInner = innermostDim(maps[2]);
  if (!bInner || bInner != cInner || !llvm::is_contained(dims->n, *bInner))
    return std::nullopt;
  Value b = op.getDpsInputs()[1], c = op.getDpsInits()[0];
  if (!hasUnitInnerStride(b) || !hasUnitInnerStride(c))
    return std::nullopt;
  ContractionPlan plan;
  plan.sizes = op.getStaticLoopRanges();
  plan.n = *bInner;
  plan.k = dims->k.front();
  // The m loop is the one A and C vary along that is innermost in C.
  plan.m = dims->m.back();
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (d != plan.m && d != plan.n && d != plan.k)
      plan.outer.push_back(d);
  return plan;
}

/// The elementwise op applied in place to the contraction's result right
/// after it (a fused activation, see activateInPlace in the ONNX lowering):
/// a generic whose only operand is the contraction's init buffer, with a
/// body of elementwise arith/math ops on scalars. Its body can then run on
/// the accumulators before they are stored.
linalg::GenericOp findEpilogue(linalg::LinalgOp op) {
  auto next = dyn_cast_or_null<linalg::GenericOp>(op->getNextNode());
  if (!next || next.getNumDpsInputs() != 0 || next.getNumDpsInits() != 1 ||
      next.getDpsInits()[0] != op.getDpsInits()[0] || next.getNumReductionLoops() != 0 ||
      !next.getIndexingMapsArray()[0].isIdentity())
    return {};
  Block *body = next.getBody();
  for (Operation &inner : body->without_terminator()) {
    bool scalar = llvm::all_of(inner.getResultTypes(),
                               [](Type t) { return t.isIntOrIndexOrFloat(); });
    if (!scalar || inner.getNumRegions() != 0 ||
        !(isa<arith::ConstantOp>(inner) || OpTrait::hasElementwiseMappableTraits(&inner)))
      return {};
    for (Value v : inner.getOperands())
      if (v.getParentBlock() != body && !v.getDefiningOp<arith::ConstantOp>())
        return {};
  }
  return next;
}

class KernelEmitter {
public:
  KernelEmitter(linalg::LinalgOp op, const ContractionPlan &plan, linalg::GenericOp epilogue,
                unsigned lanes, unsigned rows, unsigned cols)
      : op(op), plan(plan), epilogue(epilogue), lanes(lanes), tileRows(rows), tileCols(cols),
        elem(getElementTypeOrSelf(op.getDpsInits()[0].getType())),
        vecType(VectorType::get({lanes}, elem)) {}

  /// Replaces `op` (and its epilogue) by the loop nest.
  void emit() {
    OpBuilder b(op);
    a = op.getDpsInputs()[0];
    bMat = op.getDpsInputs()[1];
    c = op.getDpsInits()[0];
    ivs.assign(op.getNumLoops(), Value());
    for (Range r : op.createLoopRanges(b, op.getLoc()))
      sizes.push_back(r.size);
    emitOuter(b, op.getLoc(), 0);
    op->erase();
    if (epilogue)
      epilogue->erase();
  }

private:
  Value idx(OpBuilder &b, Location loc, int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value value(OpBuilder &b, Location loc, OpFoldResult v) {
    if (std::optional<int64_t> c = getConstantIntValue(v))
      return idx(b, loc, *c);
    return cast<Value>(v);
  }

  void forLoop(OpBuilder &b, Location loc, OpFoldResult lb, OpFoldResult ub, int64_t step,
               function_ref<void(OpBuilder &, Value)> body) {
    std::optional<int64_t> cl = getConstantIntValue(lb), cu = getConstantIntValue(ub);
    if (cl && cu && *cu - *cl <= step) { // at most one iteration: no loop
      if (*cu > *cl)
        body(b, idx(b, loc, *cl));
      return;
    }
    scf::ForOp::create(b, loc, value(b, loc, lb), value(b, loc, ub), idx(b, loc, step),
                       ValueRange{},
                       [&](OpBuilder &nb, Location, Value iv, ValueRange) {
                         body(nb, iv);
                         scf::YieldOp::create(nb, loc);
                       });
  }

  /// `size` rounded down to a multiple of `step`.
  OpFoldResult roundDown(OpBuilder &b, Location loc, OpFoldResult size, int64_t step) {
    if (std::optional<int64_t> c = getConstantIntValue(size))
      return b.getIndexAttr(*c - *c % step);
    Value v = cast<Value>(size);
    return arith::SubIOp::create(b, loc, v, arith::RemUIOp::create(b, loc, v, idx(b, loc, step)))
        .getResult();
  }

  void emitOuter(OpBuilder &b, Location loc, size_t i) {
    if (i < plan.outer.size()) {
      unsigned d = plan.outer[i];
      forLoop(b, loc, b.getIndexAttr(0), sizes[d], 1, [&](OpBuilder &nb, Value iv) {
        ivs[d] = iv;
        emitOuter(nb, loc, i + 1);
      });
      return;
    }
    // n tiles outermost so that one B panel (K x NR) is reused by every m tile.
    OpFoldResult n = sizes[plan.n];
    OpFoldResult nFull = roundDown(b, loc, n, tileCols);
    int64_t vecs = tileCols / lanes;
    forLoop(b, loc, b.getIndexAttr(0), nFull, tileCols, [&](OpBuilder &nb, Value n0) {
      emitRows(nb, loc, n0, vecs, SmallVector<Value>(vecs));
    });
    Value n0 = value(b, loc, nFull);
    if (std::optional<int64_t> cn = getConstantIntValue(n)) {
      int64_t cols = *cn % tileCols;
      if (cols == 0)
        return;
      SmallVector<Value> masks;
      for (int64_t j = 0; j < (int64_t)llvm::divideCeil(cols, lanes); ++j)
        masks.push_back(maskFor(b, loc, j, cols));
      emitRows(b, loc, n0, masks.size(), masks);
      return;
    }
    // The leftover columns, fewer than a tile, under run-time masks.
    Value live = arith::SubIOp::create(b, loc, value(b, loc, n), n0);
    Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, live, idx(b, loc, 0));
    auto rest = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
    OpBuilder rb = rest.getThenBodyBuilder();
    SmallVector<Value> masks;
    for (int64_t j = 0; j < vecs; ++j) {
      Value left = arith::SubIOp::create(rb, loc, live, idx(rb, loc, j * lanes));
      Value count = arith::MaxSIOp::create(
          rb, loc, idx(rb, loc, 0), arith::MinSIOp::create(rb, loc, left, idx(rb, loc, lanes)));
      masks.push_back(vector::CreateMaskOp::create(
          rb, loc, VectorType::get({lanes}, rb.getI1Type()), ValueRange{count}));
    }
    emitRows(rb, loc, n0, vecs, masks);
  }

  /// Tiles of `tileRows` rows over m at columns n0.., then the rows left.
  void emitRows(OpBuilder &b, Location loc, Value n0, int64_t vecs, ArrayRef<Value> masks) {
    OpFoldResult m = sizes[plan.m];
    OpFoldResult mFull = roundDown(b, loc, m, tileRows);
    forLoop(b, loc, b.getIndexAttr(0), mFull, tileRows, [&](OpBuilder &mb, Value m0) {
      emitTile(mb, loc, m0, n0, tileRows, vecs, masks);
    });
    if (std::optional<int64_t> cm = getConstantIntValue(m)) {
      if (*cm > *getConstantIntValue(mFull))
        emitTile(b, loc, value(b, loc, mFull), n0, *cm % tileRows, vecs, masks);
      return;
    }
    if (tileRows == 1)
      return;
    // Fewer than a tile of rows left. More than half a tile: one tile whose
    // rows past m repeat the last row (storing the same values), so that B
    // is read once. Fewer: blocks of halving powers of two, each if it fits.
    Value rows = value(b, loc, m);
    Value row = value(b, loc, mFull);
    Value left = arith::SubIOp::create(b, loc, rows, row);
    Value many = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, left,
                                       idx(b, loc, tileRows / 2));
    auto split = scf::IfOp::create(b, loc, many, /*withElseRegion=*/true);
    OpBuilder tb = split.getThenBodyBuilder();
    Value last = arith::SubIOp::create(tb, loc, rows, idx(tb, loc, 1));
    emitTile(tb, loc, row, n0, tileRows, vecs, masks, last);
    OpBuilder eb = split.getElseBodyBuilder();
    int64_t block = 1;
    while (block * 2 <= tileRows / 2)
      block *= 2;
    for (; block >= 1; block /= 2) {
      Value rest = arith::SubIOp::create(eb, loc, rows, row);
      Value fits =
          arith::CmpIOp::create(eb, loc, arith::CmpIPredicate::sge, rest, idx(eb, loc, block));
      auto ifOp = scf::IfOp::create(eb, loc, fits, /*withElseRegion=*/false);
      OpBuilder bb = ifOp.getThenBodyBuilder();
      emitTile(bb, loc, row, n0, block, vecs, masks);
      row = arith::SelectOp::create(eb, loc, fits, offset(eb, loc, row, block), row);
    }
  }

  /// Indices into operand `operand` with the m, n and k loops at the given
  /// positions and the outer loops at their induction variables.
  SmallVector<Value> indices(OpBuilder &b, Location loc, unsigned operand, Value m, Value n,
                             Value k) {
    AffineMap map = op.getIndexingMapsArray()[operand];
    SmallVector<Value> result;
    for (AffineExpr e : map.getResults()) {
      unsigned d = cast<AffineDimExpr>(e).getPosition();
      result.push_back(d == plan.m ? m : d == plan.n ? n : d == plan.k ? k : ivs[d]);
    }
    return result;
  }

  Value offset(OpBuilder &b, Location loc, Value base, int64_t delta) {
    return delta == 0 ? base
                      : arith::AddIOp::create(b, loc, base, idx(b, loc, delta)).getResult();
  }

  /// The mask of the j-th vector of a `cols`-wide row, or null if full.
  Value maskFor(OpBuilder &b, Location loc, int64_t j, int64_t cols) {
    int64_t live = std::min<int64_t>(lanes, cols - j * lanes);
    if (live == (int64_t)lanes)
      return Value();
    return vector::ConstantMaskOp::create(b, loc, VectorType::get({lanes}, b.getI1Type()),
                                          ArrayRef<int64_t>{live});
  }

  Value load(OpBuilder &b, Location loc, Value base, ValueRange at, Value mask) {
    if (!mask)
      return vector::LoadOp::create(b, loc, vecType, base, at);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(vecType));
    return vector::MaskedLoadOp::create(b, loc, vecType, base, at, mask, zero);
  }

  void store(OpBuilder &b, Location loc, Value v, Value base, ValueRange at, Value mask) {
    if (!mask)
      vector::StoreOp::create(b, loc, v, base, at);
    else
      vector::MaskedStoreOp::create(b, loc, base, at, mask, v);
  }

  /// The epilogue's body applied to a vector of accumulators.
  Value applyEpilogue(OpBuilder &b, Location loc, Value acc) {
    if (!epilogue)
      return acc;
    Block *body = epilogue.getBody();
    IRMapping map;
    map.map(body->getArgument(0), acc);
    auto splat = [&](Value scalar) {
      return vector::BroadcastOp::create(b, loc, VectorType::get({lanes}, scalar.getType()),
                                         scalar)
          .getResult();
    };
    for (Operation &inner : body->without_terminator()) {
      for (Value v : inner.getOperands())
        if (!map.contains(v)) // a constant from outside the body
          map.map(v, splat(b.clone(*v.getDefiningOp())->getResult(0)));
      if (isa<arith::ConstantOp>(inner)) {
        map.map(inner.getResult(0), splat(b.clone(inner)->getResult(0)));
        continue;
      }
      Operation *vectorized = b.clone(inner, map);
      for (Value r : vectorized->getResults())
        r.setType(VectorType::get({lanes}, r.getType()));
    }
    Value result = body->getTerminator()->getOperand(0);
    return map.contains(result) ? map.lookup(result)
                                : splat(b.clone(*result.getDefiningOp())->getResult(0));
  }

  /// An MR x NR tile of rows x vecs vectors at (m0, n0); a null mask is a
  /// full vector.
  /// `rows` x `vecs` vectors of C at (m0, n0); with `lastRow`, rows past it
  /// repeat it.
  void emitTile(OpBuilder &b, Location loc, Value m0, Value n0, int64_t rows, int64_t vecs,
                ArrayRef<Value> masks, Value lastRow = Value()) {
    SmallVector<Value> rowAt, colAt;
    for (int64_t j = 0; j < vecs; ++j)
      colAt.push_back(offset(b, loc, n0, j * lanes));
    for (int64_t i = 0; i < rows; ++i) {
      Value r = offset(b, loc, m0, i);
      rowAt.push_back(lastRow ? arith::MinSIOp::create(b, loc, r, lastRow).getResult() : r);
    }
    Value zeroK = idx(b, loc, 0);
    SmallVector<Value> acc;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vecs; ++j)
        acc.push_back(load(b, loc, c, indices(b, loc, 2, rowAt[i], colAt[j], zeroK), masks[j]));
    auto kLoop = scf::ForOp::create(
        b, loc, zeroK, value(b, loc, sizes[plan.k]), idx(b, loc, 1), acc,
        [&](OpBuilder &kb, Location, Value k, ValueRange carried) {
          SmallVector<Value> bRow, next;
          for (int64_t j = 0; j < vecs; ++j)
            bRow.push_back(load(kb, loc, bMat, indices(kb, loc, 1, m0, colAt[j], k), masks[j]));
          for (int64_t i = 0; i < rows; ++i) {
            Value s = memref::LoadOp::create(kb, loc, a, indices(kb, loc, 0, rowAt[i], n0, k));
            Value splat = vector::BroadcastOp::create(kb, loc, vecType, s);
            for (int64_t j = 0; j < vecs; ++j)
              next.push_back(
                  vector::FMAOp::create(kb, loc, splat, bRow[j], carried[i * vecs + j]));
          }
          scf::YieldOp::create(kb, loc, next);
        });
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vecs; ++j)
        store(b, loc, applyEpilogue(b, loc, kLoop.getResult(i * vecs + j)), c,
              indices(b, loc, 2, rowAt[i], colAt[j], zeroK), masks[j]);
  }

  linalg::LinalgOp op;
  const ContractionPlan &plan;
  linalg::GenericOp epilogue;
  unsigned lanes, tileRows, tileCols;
  Type elem;
  VectorType vecType;
  SmallVector<Value> ivs;
  SmallVector<OpFoldResult> sizes; // loop sizes, constant or read at run time
  Value a, bMat, c;
};

struct VectorizeContractionsPass
    : onnx_mlc::impl::VectorizeContractionsPassBase<VectorizeContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, ContractionPlan>> work;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<ContractionPlan> plan = planContraction(op))
        work.emplace_back(op, *plan);
    });
    for (auto &[op, plan] : work) {
      unsigned bits = getElementTypeOrSelf(op.getDpsInits()[0].getType()).getIntOrFloatBitWidth();
      unsigned lanes = std::max(1u, vectorBits / bits);
      // A tile of rows x vecs accumulators needs rows * vecs + vecs + 1
      // vector registers (with the B vectors and the broadcast). Normally
      // two vectors per row and as many rows as fit, up to 8; with fewer
      // rows than that (a matrix-vector product), wider rows instead, so
      // that enough independent FMA chains hide the FMA latency.
      int regs = std::max<int>(vectorRegisters, 4);
      int64_t m = plan.sizes[plan.m];
      int vecs = 2;
      int rows = std::clamp<int>((regs - 1 - vecs) / vecs, 1, 8);
      if (!ShapedType::isDynamic(m) && m < rows) {
        rows = m;
        vecs = std::clamp<int>((regs - 1) / (rows + 1), 2, 8);
      }
      KernelEmitter(op, plan, findEpilogue(op), lanes, rows, vecs * lanes).emit();
    }
  }
};

} // namespace
