//===- VectorizeContractions.cpp - Vector kernels, as configured ----------===//
//
// Three kernels, each built as mlc-configure-kernels configured it:
// contractions (KernelEmitter), window reductions (WindowEmitter) and
// copies and fills (CopyEmitter).
//
// The contraction kernel is the classic outer-product micro-kernel: an MR x
// NR block of C lives in MR * NR / lanes vector registers for the whole k
// loop; each k step loads one row segment of B (contiguous along n),
// broadcasts MR scalars of A and issues one FMA per register (a constant B
// is read from its panels, see mlc-pack-weights). Where sizes
// are static, edge tiles are just smaller instances of the same kernel
// (fewer rows, a masked last vector), chosen at compile time; where they
// are known only at run time, the leftover rows run as one tile that
// repeats the last row (more than half a tile left) or in blocks of 4, 2
// and 1 rows (for a tile of 8), and the leftover columns under masks
// computed at run time.
//
//===----------------------------------------------------------------------===//
#include "KernelPlans.h"
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_VECTORIZECONTRACTIONSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;
using namespace onnx_mlc;

namespace {

/// `scalar` in every lane of a vector.
Value splat(OpBuilder &b, Location loc, Value scalar, unsigned lanes) {
  return vector::BroadcastOp::create(b, loc, VectorType::get({lanes}, scalar.getType()), scalar);
}

/// The indices that `indexing` gives at the loop values `dims`.
SmallVector<Value> indicesOf(OpBuilder &b, Location loc, AffineMap indexing, ValueRange dims) {
  SmallVector<Value> at;
  for (AffineExpr e : indexing.getResults())
    at.push_back(
        affine::AffineApplyOp::create(b, loc, AffineMap::get(indexing.getNumDims(), 0, e), dims));
  return at;
}

/// The element of `input` that `indexing` picks at the loop values `dims`,
/// in every lane: an operand that holds one value per vector (a bias, a
/// filter tap).
Value loadPerVector(OpBuilder &b, Location loc, Value input, AffineMap indexing, ValueRange dims,
                    unsigned lanes) {
  return splat(b, loc, memref::LoadOp::create(b, loc, input, indicesOf(b, loc, indexing, dims)),
               lanes);
}

/// The ops of `body` cloned on vectors of `lanes`, its block arguments
/// given by `map`; constants become splats. Returns the yielded value.
Value vectorizeBody(OpBuilder &b, Location loc, Block *body, IRMapping &map, unsigned lanes) {
  for (Operation &inner : body->without_terminator()) {
    for (Value v : inner.getOperands())
      if (!map.contains(v)) // a constant from outside the body
        map.map(v, splat(b, loc, b.clone(*v.getDefiningOp())->getResult(0), lanes));
    if (isa<arith::ConstantOp>(inner)) {
      map.map(inner.getResult(0), splat(b, loc, b.clone(inner)->getResult(0), lanes));
      continue;
    }
    Operation *vectorized = b.clone(inner, map);
    for (Value r : vectorized->getResults())
      r.setType(VectorType::get({lanes}, r.getType()));
  }
  Value result = body->getTerminator()->getOperand(0);
  if (map.contains(result))
    return map.lookup(result);
  return splat(b, loc, b.clone(*result.getDefiningOp())->getResult(0), lanes);
}

/// The distance, in elements, between the values of `input` (an operand of
/// an epilogue) at consecutive positions along `columnDim`, when it is read
/// in vectors along that dim: one of its indices steps by one with it, no
/// other index varies with it, and that index's stride is static. 1 for a
/// residual sum in the output's layout, vectors along its rows; the row
/// length for one with the vectors down its columns (gathered).
std::optional<int64_t> vectorStride(linalg::GenericOp epilogue, OpOperand *input,
                                    unsigned columnDim) {
  AffineMap map = epilogue.getMatchingIndexingMap(input);
  auto type = dyn_cast<MemRefType>(input->get().getType());
  if (!type || type.getRank() == 0 || !type.isLastDimUnitStride())
    return std::nullopt;
  AffineExpr column = getAffineDimExpr(columnDim, epilogue.getContext());
  std::optional<unsigned> position;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    if (!e.isFunctionOfDim(columnDim))
      continue;
    AffineExpr rest = simplifyAffineExpr(e - column, map.getNumDims(), map.getNumSymbols());
    if (position || rest.isFunctionOfDim(columnDim))
      return std::nullopt;
    position = i;
  }
  if (!position)
    return std::nullopt;
  return staticStride(input->get(), *position);
}

/// Whether `input` of an epilogue reads the contraction's result itself:
/// the epilogue's own buffer, at the element it writes. The accumulators
/// hold that value.
bool readsResult(linalg::GenericOp epilogue, OpOperand *input) {
  return input->get() == epilogue.getDpsInits()[0] &&
         epilogue.getMatchingIndexingMap(input).isIdentity();
}

/// The elementwise op applied in place to the contraction's result right
/// after it (a fused bias, residual sum and activation, see buildConvolution
/// in the ONNX lowering): a generic over the contraction's init buffer,
/// with a body of elementwise arith/math ops on scalars, whose other inputs
/// either do not vary along the buffer's dim `columnDim` (the one the
/// kernel's vectors run along; a value per row, such as a bias) or are
/// read in vectors along it (vectorStride). Its body can then run on the
/// accumulators before they are stored.
linalg::GenericOp findEpilogue(linalg::LinalgOp op, unsigned columnDim) {
  auto next = dyn_cast_or_null<linalg::GenericOp>(op->getNextNode());
  if (!next || next.getNumDpsInits() != 1 || next.getDpsInits()[0] != op.getDpsInits()[0] ||
      next.getNumReductionLoops() != 0 ||
      !next.getMatchingIndexingMap(next.getDpsInitOperand(0)).isIdentity())
    return {};
  for (OpOperand *input : next.getDpsInputOperands()) {
    if (readsResult(next, input))
      continue;
    // Any other view of the result is not written yet when the epilogue runs.
    if (!isa<MemRefType>(input->get().getType()) || !disjoint(input->get(), op.getDpsInits()[0]) ||
        (next.getMatchingIndexingMap(input).isFunctionOfDim(columnDim) &&
         !vectorStride(next, input, columnDim)))
      return {};
  }
  if (!isScalarElementwise(next.getBody()))
    return {};
  return next;
}

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
Value value(OpBuilder &b, Location loc, OpFoldResult v) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return idx(b, loc, *c);
  return cast<Value>(v);
}

void forLoop(OpBuilder &b, Location loc, OpFoldResult lb, OpFoldResult ub, int64_t step,
             function_ref<void(OpBuilder &, Value)> body, bool parallel = false) {
  std::optional<int64_t> cl = getConstantIntValue(lb), cu = getConstantIntValue(ub);
  if (cl && cu && *cu - *cl <= step) { // at most one iteration: no loop
    if (*cu > *cl)
      body(b, idx(b, loc, *cl));
    return;
  }
  if (parallel) {
    scf::ParallelOp::create(b, loc, ValueRange{value(b, loc, lb)}, ValueRange{value(b, loc, ub)},
                            ValueRange{idx(b, loc, step)},
                            [&](OpBuilder &nb, Location, ValueRange iv) { body(nb, iv[0]); });
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

/// Calls `body` for each vector of `lanes` elements in [0, width): with its
/// first element and, for the last one when it is partial, a
/// vector.create_mask of the lanes left (null for a full vector).
void forVectors(OpBuilder &b, Location loc, OpFoldResult width, unsigned lanes,
                function_ref<void(OpBuilder &, Value, Value)> body) {
  OpFoldResult full = roundDown(b, loc, width, lanes);
  forLoop(b, loc, b.getIndexAttr(0), full, lanes,
          [&](OpBuilder &nb, Value start) { body(nb, start, Value()); });
  std::optional<int64_t> cw = getConstantIntValue(width);
  if (cw && *cw % lanes == 0)
    return;
  Value start = value(b, loc, full);
  Value live = cw ? idx(b, loc, *cw % lanes)
                  : arith::SubIOp::create(b, loc, value(b, loc, width), start).getResult();
  auto maskType = VectorType::get({lanes}, b.getI1Type());
  Value mask = vector::CreateMaskOp::create(b, loc, maskType, ValueRange{live});
  if (cw) {
    body(b, start, mask);
    return;
  }
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, live, idx(b, loc, 0));
  auto rest = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  OpBuilder rb = rest.getThenBodyBuilder();
  body(rb, start, mask);
}

Value scaled(OpBuilder &b, Location loc, Value v, int64_t factor) {
  return factor == 1 ? v : arith::MulIOp::create(b, loc, v, idx(b, loc, factor)).getResult();
}

/// Where a window's reads may fall outside its input (padding folded into
/// the kernel): lanes whose column is outside [0, width), and every lane
/// when `rowInside` is false, read `pad` instead.
struct Bounds {
  Value width, rowInside, pad;
};

/// `lanes` lane positions `first + offsets[i]` as a vector of indices.
Value lanePositions(OpBuilder &b, Location loc, Value first, ArrayRef<int64_t> offsets) {
  auto type = VectorType::get({(int64_t)offsets.size()}, b.getIndexType());
  Value steps = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, offsets));
  return arith::AddIOp::create(b, loc, vector::BroadcastOp::create(b, loc, type, first), steps);
}

/// The lanes of `positions` inside `bounds`, and in `mask` if there is one.
Value insideMask(OpBuilder &b, Location loc, Value positions, const Bounds &bounds, Value mask) {
  auto type = cast<VectorType>(positions.getType());
  auto maskType = VectorType::get(type.getShape(), b.getI1Type());
  auto compare = [&](arith::CmpIPredicate p, Value bound) {
    return arith::CmpIOp::create(b, loc, p, positions,
                                 vector::BroadcastOp::create(b, loc, type, bound));
  };
  Value fromStart = compare(arith::CmpIPredicate::sge, idx(b, loc, 0));
  Value beforeEnd = compare(arith::CmpIPredicate::slt, bounds.width);
  Value inside = arith::AndIOp::create(b, loc, fromStart, beforeEnd);
  inside = arith::AndIOp::create(b, loc, inside,
                                 vector::BroadcastOp::create(b, loc, maskType, bounds.rowInside));
  return mask ? arith::AndIOp::create(b, loc, inside, mask).getResult() : inside;
}

/// The offsets of a gather or scatter of `lanes` lanes `stride` apart: 32-bit
/// when they fit (x86 then gathers 16 lanes per instruction, not 8).
Value laneOffsets(OpBuilder &b, Location loc, int64_t lanes, int64_t stride) {
  bool narrow = (lanes - 1) * stride <= std::numeric_limits<int32_t>::max();
  Type elem = narrow ? Type(b.getI32Type()) : Type(b.getIndexType());
  auto type = VectorType::get({lanes}, elem);
  SmallVector<APInt> offsets;
  for (int64_t i = 0; i < lanes; ++i)
    offsets.push_back(APInt(narrow ? 32 : 64, i * stride));
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, offsets));
}

/// A vector of `type` read from `base` at `at` on, along its innermost
/// dim, `stride` apart: consecutive values for 1; for 2, 2 * lanes - 1
/// consecutive values (never past the last one needed) with the even ones
/// kept; a gather otherwise. Lanes off in `mask` (a vector.create_mask, or
/// null for all) are not read and hold 0; with `bounds`, lanes outside
/// them are not read and hold its pad value.
Value loadStrided(OpBuilder &b, Location loc, Value base, ValueRange at, int64_t stride,
                  VectorType type, Value mask, const Bounds *bounds = nullptr) {
  int64_t lanes = type.getNumElements();
  auto passFor = [&](VectorType t) -> Value {
    return bounds ? splat(b, loc, bounds->pad, t.getNumElements())
                  : arith::ConstantOp::create(b, loc, b.getZeroAttr(t)).getResult();
  };
  auto offsets = [&](int64_t count, int64_t step) {
    SmallVector<int64_t> o;
    for (int64_t i = 0; i < count; ++i)
      o.push_back(i * step);
    return o;
  };
  Value column = at.back();
  if (stride == 1) {
    if (bounds)
      mask = insideMask(b, loc, lanePositions(b, loc, column, offsets(lanes, 1)), *bounds, mask);
    if (!mask)
      return vector::LoadOp::create(b, loc, type, base, at);
    return vector::MaskedLoadOp::create(b, loc, type, base, at, mask, passFor(type));
  }
  // A wide read and a shuffle for 2, under a mask of a run-time count.
  if (stride == 2 && (!mask || mask.getDefiningOp<vector::CreateMaskOp>())) {
    auto wide = VectorType::get({2 * lanes}, type.getElementType());
    auto wideMask = VectorType::get({2 * lanes}, b.getI1Type());
    Value readMask;
    if (mask) {
      Value live = cast<vector::CreateMaskOp>(mask.getDefiningOp()).getOperand(0);
      Value count = arith::SubIOp::create(b, loc, scaled(b, loc, live, 2), idx(b, loc, 1));
      readMask = vector::CreateMaskOp::create(b, loc, wideMask, ValueRange{count});
    } else {
      readMask =
          vector::ConstantMaskOp::create(b, loc, wideMask, ArrayRef<int64_t>{2 * lanes - 1});
    }
    if (bounds)
      readMask = insideMask(b, loc, lanePositions(b, loc, column, offsets(2 * lanes, 1)), *bounds,
                            readMask);
    Value both = vector::MaskedLoadOp::create(b, loc, wide, base, at, readMask, passFor(wide));
    return vector::ShuffleOp::create(b, loc, both, both, offsets(lanes, 2));
  }
  Value indices = laneOffsets(b, loc, lanes, stride);
  Value all = mask ? mask
                   : vector::ConstantMaskOp::create(b, loc, VectorType::get({lanes}, b.getI1Type()),
                                                    ArrayRef<int64_t>{lanes});
  if (bounds)
    all = insideMask(b, loc, lanePositions(b, loc, column, offsets(lanes, stride)), *bounds, all);
  return vector::GatherOp::create(b, loc, type, base, at, indices, all, passFor(type));
}

/// Stores `v` at `at` in `base`, only the lanes in `mask` if there is one.
void storeMasked(OpBuilder &b, Location loc, Value v, Value base, ValueRange at, Value mask) {
  if (mask)
    vector::MaskedStoreOp::create(b, loc, base, at, mask, v);
  else
    vector::StoreOp::create(b, loc, v, base, at);
}

/// Transposes in place the square matrix whose rows are `rows`, as many
/// as each has lanes (a power of two): in log2(lanes) rounds of shuffles,
/// round h exchanging, between rows i and i + h (i without bit h), the
/// elements whose column differs from the row in bit h.
void transposeSquare(OpBuilder &b, Location loc, MutableArrayRef<Value> rows) {
  int64_t lanes = rows.size();
  for (int64_t h = 1; h < lanes; h *= 2)
    for (int64_t i = 0; i < lanes; ++i) {
      if (i & h)
        continue;
      // Lanes of the pair, concatenated: [0, lanes) row i, then row i + h.
      SmallVector<int64_t> low, high;
      for (int64_t l = 0; l < lanes; ++l) {
        low.push_back(l & h ? lanes + l - h : l);
        high.push_back(l & h ? lanes + l : l + h);
      }
      Value first = vector::ShuffleOp::create(b, loc, rows[i], rows[i + h], low);
      rows[i + h] = vector::ShuffleOp::create(b, loc, rows[i], rows[i + h], high);
      rows[i] = first;
    }
}

/// The fill of the kernel's init buffer before it, with nothing between but
/// ops that touch no memory (views, index arithmetic) and the ops `skipped`
/// (zeros before a product, see buildConvolution; -inf before a max pool):
/// the accumulators can start at the filled value instead of reading the
/// buffer, and the fill goes.
linalg::FillOp findInitFill(linalg::LinalgOp op, ArrayRef<Operation *> skipped = {}) {
  Operation *previous = op->getPrevNode();
  while (previous && (llvm::is_contained(skipped, previous) || isMemoryEffectFree(previous)))
    previous = previous->getPrevNode();
  auto fill = dyn_cast_or_null<linalg::FillOp>(previous);
  if (!fill || fill.getOutputs()[0] != op.getDpsInits()[0])
    return {};
  return fill;
}

/// The body of `epilogue` (see findEpilogue, whose `columnDim` is given)
/// applied to `acc`, a vector of `lanes` accumulators whose first element
/// is at `at` in the buffer; `mask` (or none) says which lanes are live.
Value applyEpilogueTo(OpBuilder &b, Location loc, linalg::GenericOp epilogue,
                      unsigned columnDim, Value acc, unsigned lanes, ValueRange at, Value mask) {
  Block *body = epilogue.getBody();
  IRMapping map;
  for (OpOperand *input : epilogue.getDpsInputOperands()) {
    AffineMap indexing = epilogue.getMatchingIndexingMap(input);
    Value v;
    if (readsResult(epilogue, input)) {
      v = acc;
    } else if (std::optional<int64_t> stride = vectorStride(epilogue, input, columnDim)) {
      auto type = VectorType::get({lanes}, getElementTypeOrSelf(input->get().getType()));
      v = loadStrided(b, loc, input->get(), indicesOf(b, loc, indexing, at), *stride, type, mask);
    } else {
      v = loadPerVector(b, loc, input->get(), indexing, at, lanes);
    }
    map.map(body->getArgument(input->getOperandNumber()), v);
  }
  map.map(body->getArgument(epilogue.getNumDpsInputs()), acc);
  return vectorizeBody(b, loc, body, map, lanes);
}

/// The contraction kernel. Its vectors run along n (C's rows), or along m
/// (down C's columns) when so configured; the tile's "rows" are then
/// columns of C, and A and B trade roles.
class KernelEmitter {
public:
  /// Null unless `config` can be built for `op`: with the vectors along m,
  /// A and C must have static strides along m.
  static std::optional<KernelEmitter> get(linalg::LinalgOp op, const ContractionPlan &plan,
                                          KernelConfig config) {
    // Vectors along m take static sizes (tiles of static rows, transposed)
    // and a power of two of lanes; otherwise along n, B as it is.
    if (config.alongM && (ShapedType::isDynamic(plan.sizes[plan.m]) ||
                          ShapedType::isDynamic(plan.sizes[plan.n]) ||
                          !llvm::isPowerOf2_32(config.lanes) || config.lanes < 2)) {
      config.alongM = false;
      config.panels = {};
    }
    unsigned vecDim = config.alongM ? plan.m : plan.n, vecOperand = config.alongM ? 0 : 1;
    auto position = [&](unsigned operand, unsigned dim) {
      return op.getIndexingMapsArray()[operand].getResultPosition(
          getAffineDimExpr(dim, op.getContext()));
    };
    // C's dims along n (where the epilogue's vectors run: with the vectors
    // along m, after the tile is transposed) and along m.
    std::optional<unsigned> cN = position(2, plan.n), cM = position(2, plan.m);
    std::optional<unsigned> vecColumn = position(vecOperand, vecDim);
    if (!cN || !cM || !vecColumn)
      return std::nullopt;
    std::optional<int64_t> vecStride = staticStride(op.getDpsInputs()[vecOperand], *vecColumn);
    std::optional<int64_t> cStride =
        staticStride(op.getDpsInits()[0], config.alongM ? *cM : *cN);
    // Along n, both are contiguous (see planContraction), if not static.
    if (!config.alongM)
      vecStride = cStride = 1;
    if (!vecStride || !cStride)
      return std::nullopt;
    return KernelEmitter(op, plan, config, *cN, *cM, vecOperand, *vecStride, *cStride);
  }

  /// Replaces `op` (and its epilogue) by the loop nest.
  void emit() {
    OpBuilder b(op);
    vecSource = op.getDpsInputs()[vecOperand];
    scalarSource = op.getDpsInputs()[1 - vecOperand];
    c = op.getDpsInits()[0];
    panelsValue = panels(b, panelsSymbol);
    // With the vectors along m, B gives scalars: an im2col's are read from
    // its source, and the copy goes.
    if (vecDim == plan.m)
      im2col = im2colRead(op);
    if (im2col) {
      // Tiles that divide the image's rows stay in one; tiles of whole rows
      // hold runs of one row each. Otherwise, every row runs alone.
      auto [length, step] = im2col->innermost(op, rowDim);
      im2colStep = step;
      im2colRun = length % tileRows == 0 ? tileRows : tileRows % length == 0 ? length : 1;
      auto type = cast<MemRefType>(im2col->source.getType());
      ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
      flatSource = memref::CollapseShapeOp::create(b, op.getLoc(), im2col->source,
                                                   ArrayRef<ReassociationIndices>{all});
    }
    ivs.assign(op.getNumLoops(), Value());
    for (Range r : op.createLoopRanges(b, op.getLoc()))
      sizes.push_back(r.size);
    emitOuter(b, op.getLoc(), 0);
    op->erase();
    if (im2col)
      im2col->copy->erase();
    if (epilogue)
      epilogue->erase();
    if (initFill)
      initFill->erase();
  }

private:
  KernelEmitter(linalg::LinalgOp op, const ContractionPlan &plan, const KernelConfig &config,
                unsigned columnDim, unsigned mColumnDim, unsigned vecOperand, int64_t vecStride,
                int64_t cStride)
      : op(op), plan(plan), vecDim(config.alongM ? plan.m : plan.n),
        rowDim(config.alongM ? plan.n : plan.m), columnDim(columnDim), mColumnDim(mColumnDim),
        epilogue(findEpilogue(op, columnDim)), initFill(findInitFill(op)),
        panelsSymbol(config.panels), lanes(config.lanes), tileRows(config.rows),
        tileCols(config.vectors * config.lanes), parallelDim(config.parallelDim),
        vecOperand(vecOperand), vecStride(vecStride), cStride(cStride),
        elem(getElementTypeOrSelf(op.getDpsInits()[0].getType())),
        vecType(VectorType::get({lanes}, elem)) {}

  void emitOuter(OpBuilder &b, Location loc, size_t i) {
    if (i < plan.outer.size()) {
      unsigned d = plan.outer[i];
      forLoop(
          b, loc, b.getIndexAttr(0), sizes[d], 1,
          [&](OpBuilder &nb, Value iv) {
            ivs[d] = iv;
            emitOuter(nb, loc, i + 1);
          },
          parallelDim == d);
      return;
    }
    // Tiles along the vectors outermost, so that one panel of the operand
    // they load (K x NR) is reused by every tile of rows.
    OpFoldResult n = sizes[vecDim];
    OpFoldResult nFull = roundDown(b, loc, n, tileCols);
    int64_t vecs = tileCols / lanes;
    forLoop(
        b, loc, b.getIndexAttr(0), nFull, tileCols,
        [&](OpBuilder &nb, Value n0) { emitRows(nb, loc, n0, vecs, SmallVector<Value>(vecs)); },
        parallelDim == vecDim);
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

  /// Tiles of `tileRows` rows at columns n0.., then the rows left.
  void emitRows(OpBuilder &b, Location loc, Value n0, int64_t vecs, ArrayRef<Value> masks) {
    OpFoldResult m = sizes[rowDim];
    OpFoldResult mFull = roundDown(b, loc, m, tileRows);
    forLoop(
        b, loc, b.getIndexAttr(0), mFull, tileRows,
        [&](OpBuilder &mb, Value m0) { emitTile(mb, loc, m0, n0, tileRows, vecs, masks); },
        parallelDim == rowDim);
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

  /// The global `symbol` names (a constant in panels, see KernelConfig),
  /// or null, also if it is not a 3-D buffer of the tile's width.
  Value panels(OpBuilder &b, FlatSymbolRefAttr symbol) {
    if (!symbol)
      return {};
    auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(op, symbol);
    if (!global || global.getType().getRank() != 3 || global.getType().getElementType() != elem ||
        global.getType().getDimSize(2) != tileCols)
      return {};
    return memref::GetGlobalOp::create(b, op.getLoc(), global.getType(), symbol.getValue());
  }

  /// The linear position in the im2col's source of the part of B's indices
  /// that `at` gives, by loop (null for the loops left out).
  Value im2colPosition(OpBuilder &b, Location loc, function_ref<Value(unsigned)> at) {
    AffineExpr position = b.getAffineConstantExpr(0);
    SmallVector<Value> operands;
    for (auto [p, e] : llvm::enumerate(op.getIndexingMapsArray()[1].getResults())) {
      Value index = at(cast<AffineDimExpr>(e).getPosition());
      if (!index)
        continue;
      // The index delinearized over the group's loops, innermost last.
      AffineExpr x = b.getAffineDimExpr(operands.size());
      operands.push_back(index);
      int64_t inner = 1;
      for (auto [size, coefficient] : llvm::reverse(im2col->groups[p])) {
        position = position + (x.floorDiv(inner) % size) * coefficient;
        inner *= size;
      }
    }
    return affine::AffineApplyOp::create(b, loc, AffineMap::get(operands.size(), 0, position),
                                         operands);
  }

  /// Indices into operand `operand` with the loops of the tile's rows, of
  /// its vectors and k at the given positions and the outer loops at their
  /// induction variables.
  SmallVector<Value> indices(OpBuilder &b, Location loc, unsigned operand, Value row, Value col,
                             Value k) {
    AffineMap map = op.getIndexingMapsArray()[operand];
    SmallVector<Value> result;
    for (AffineExpr e : map.getResults()) {
      unsigned d = cast<AffineDimExpr>(e).getPosition();
      result.push_back(d == rowDim ? row : d == vecDim ? col : d == plan.k ? k : ivs[d]);
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

  Value applyEpilogue(OpBuilder &b, Location loc, Value acc, ValueRange at, Value mask) {
    return epilogue ? applyEpilogueTo(b, loc, epilogue, columnDim, acc, lanes, at, mask) : acc;
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
    // Where an im2col's source holds B's scalars for the tile's rows at
    // k = 0: one base per run of rows in one row of the image, and constant
    // offsets from it.
    SmallVector<Value> rowPosition;
    if (im2col)
      for (int64_t i = 0; i < rows; i += im2colRun)
        rowPosition.push_back(im2colPosition(b, loc, [&](unsigned d) {
          return d == plan.k ? Value() : d == rowDim ? rowAt[i] : ivs[d];
        }));
    SmallVector<Value> acc;
    Value filled = initFill ? splat(b, loc, initFill.getInputs()[0], lanes) : Value();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vecs; ++j)
        acc.push_back(initFill ? filled
                               : loadStrided(b, loc, c,
                                             indices(b, loc, 2, rowAt[i], colAt[j], zeroK),
                                             cStride, vecType, masks[j]));
    // A tile's panel starts at its first column; it is zero past the edge,
    // so its vectors need no mask.
    Value panel =
        panelsValue ? arith::DivUIOp::create(b, loc, n0, idx(b, loc, tileCols)) : Value();
    // The next panel is fetched while this one is reused by the tiles of
    // rows: weights used for few columns (a deep layer's 7x7 image) stream
    // from memory, and the hardware prefetcher, seeing the same panel read
    // again, does not run ahead into the next.
    std::optional<int64_t> rowTiles = getConstantIntValue(sizes[rowDim]);
    Value nextPanel = panel && (!rowTiles || *rowTiles > tileRows)
                          ? offset(b, loc, panel, 1)
                          : Value();
    auto kLoop = scf::ForOp::create(
        b, loc, zeroK, value(b, loc, sizes[plan.k]), idx(b, loc, 1), acc,
        [&](OpBuilder &kb, Location, Value k, ValueRange carried) {
          SmallVector<Value> bRow, next;
          for (int64_t j = 0; j < vecs; ++j)
            bRow.push_back(
                panelsValue
                    ? vector::LoadOp::create(kb, loc, vecType, panelsValue,
                                             ValueRange{panel, k, idx(kb, loc, j * lanes)})
                    : loadStrided(kb, loc, vecSource,
                                  indices(kb, loc, vecOperand, m0, colAt[j], k), vecStride,
                                  vecType, masks[j]));
          if (nextPanel)
            for (int64_t j = 0; j < vecs; ++j)
              memref::PrefetchOp::create(kb, loc, panelsValue,
                                         ValueRange{nextPanel, k, idx(kb, loc, j * lanes)},
                                         kb.getBoolAttr(false), kb.getI32IntegerAttr(3),
                                         kb.getBoolAttr(true));
          Value kPosition;
          if (im2col)
            kPosition =
                im2colPosition(kb, loc, [&](unsigned d) { return d == plan.k ? k : Value(); });
          SmallVector<Value> bases;
          for (Value position : rowPosition)
            bases.push_back(arith::AddIOp::create(kb, loc, position, kPosition));
          for (int64_t i = 0; i < rows; ++i) {
            Value at = im2col ? offset(kb, loc, bases[i / im2colRun], i % im2colRun * im2colStep)
                              : Value();
            Value s = im2col ? memref::LoadOp::create(kb, loc, flatSource, ValueRange{at})
                                   .getResult()
                             : memref::LoadOp::create(
                                   kb, loc, scalarSource,
                                   indices(kb, loc, 1 - vecOperand, rowAt[i], n0, k))
                                   .getResult();
            Value splat = vector::BroadcastOp::create(kb, loc, vecType, s);
            for (int64_t j = 0; j < vecs; ++j)
              next.push_back(
                  vector::FMAOp::create(kb, loc, splat, bRow[j], carried[i * vecs + j]));
          }
          scf::YieldOp::create(kb, loc, next);
        });
    if (vecDim == plan.m) {
      storeTransposed(b, loc, kLoop.getResults(), rowAt, colAt, masks);
      return;
    }
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vecs; ++j) {
        SmallVector<Value> at = indices(b, loc, 2, rowAt[i], colAt[j], zeroK);
        Value result = applyEpilogue(b, loc, kLoop.getResult(i * vecs + j), at, masks[j]);
        storeMasked(b, loc, result, c, at, masks[j]);
      }
  }

  /// Stores a tile whose vectors run along m (`acc`, row i's vector j at
  /// [i * vecs + j]) as vectors along n, where C is contiguous: blocks of
  /// `lanes` x `lanes` are transposed in registers, and the epilogue runs
  /// on the transposed vectors. The rows of the tile are static (sizes are,
  /// with the vectors along m).
  void storeTransposed(OpBuilder &b, Location loc, ValueRange acc, ArrayRef<Value> rowAt,
                       ArrayRef<Value> colAt, ArrayRef<Value> masks) {
    int64_t rows = rowAt.size(), vecs = colAt.size();
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(vecType));
    // An epilogue that varies along m alone (a bias) runs on the tile
    // before the transpose: a vector of bias per vector of C, not a
    // broadcast per lane.
    SmallVector<Value> tile(acc);
    bool early = !epilogue || epilogueAlongM();
    if (epilogue && early)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < vecs; ++j)
          tile[i * vecs + j] = applyEpilogueTo(
              b, loc, epilogue, mColumnDim, tile[i * vecs + j], lanes,
              indices(b, loc, 2, rowAt[i], colAt[j], idx(b, loc, 0)), masks[j]);
    // C contiguous along m (n is 1): no transpose.
    if (early && cStride == 1) {
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < vecs; ++j)
          storeMasked(b, loc, tile[i * vecs + j], c,
                      indices(b, loc, 2, rowAt[i], colAt[j], idx(b, loc, 0)), masks[j]);
      return;
    }
    for (int64_t j = 0; j < vecs; ++j) {
      // Lanes past m are not stored.
      int64_t live = masks[j] ? cast<vector::ConstantMaskOp>(masks[j].getDefiningOp())
                                    .getMaskDimSizes()[0]
                              : lanes;
      for (int64_t first = 0; first < rows; first += lanes) {
        int64_t count = std::min<int64_t>(lanes, rows - first);
        SmallVector<Value> block(lanes, zero);
        for (int64_t i = 0; i < count; ++i)
          block[i] = tile[(first + i) * vecs + j];
        transposeSquare(b, loc, block);
        Value mask = count < (int64_t)lanes
                         ? vector::ConstantMaskOp::create(
                               b, loc, VectorType::get({lanes}, b.getI1Type()),
                               ArrayRef<int64_t>{count})
                               .getResult()
                         : Value();
        for (int64_t l = 0; l < live; ++l) {
          SmallVector<Value> at =
              indices(b, loc, 2, rowAt[first], offset(b, loc, colAt[j], l), idx(b, loc, 0));
          Value result = early ? block[l] : applyEpilogue(b, loc, block[l], at, mask);
          storeMasked(b, loc, result, c, at, mask);
        }
      }
    }
  }

  /// Whether the epilogue's inputs, but for the product itself, are
  /// contiguous along m where they vary along it (a bias; a residual when n
  /// is 1): then it runs on the vectors along m, one value per vector for
  /// the inputs that vary along n only.
  bool epilogueAlongM() {
    for (OpOperand *input : epilogue.getDpsInputOperands())
      if (!readsResult(epilogue, input) &&
          epilogue.getMatchingIndexingMap(input).isFunctionOfDim(mColumnDim) &&
          vectorStride(epilogue, input, mColumnDim) != 1)
        return false;
    return true;
  }

  linalg::LinalgOp op;
  ContractionPlan plan;
  unsigned vecDim, rowDim; // the loops along the vectors and the tile's rows
  unsigned columnDim;      // the dim of C along n, where C is contiguous
  unsigned mColumnDim;     // the dim of C along m
  linalg::GenericOp epilogue;
  linalg::FillOp initFill;        // the fill of C just before, if any
  FlatSymbolRefAttr panelsSymbol; // the vector operand's panels, if packed
  unsigned lanes, tileRows, tileCols;
  std::optional<unsigned> parallelDim; // the loop to run in parallel
  unsigned vecOperand;                 // 1 (B), or 0 (A) with the vectors along m
  int64_t vecStride, cStride;          // its and C's strides along the vectors
  Type elem;
  VectorType vecType;
  SmallVector<Value> ivs;
  SmallVector<OpFoldResult> sizes; // loop sizes, constant or read at run time
  Value vecSource, scalarSource, c;
  std::optional<Im2colRead> im2col; // B's im2col, read in place
  Value flatSource;                 // its source, as one dim
  int64_t im2colStep = 0, im2colRun = 1; // tile rows in a run of one image row, and their step
  Value panelsValue; // the vector operand in panels, if packed
};

//===----------------------------------------------------------------------===//
// Depthwise convolutions
//===----------------------------------------------------------------------===//

/// A window's input that is a padded copy of another buffer: a buffer
/// filled with the pad value, then the source copied into its interior. The
/// window can read the source directly, with the pad value outside it.
struct Padding {
  Value source, pad;
  int64_t top, left;
  SmallVector<Operation *> producers; // the fill, the subview, the copy
};

/// The padding of `window`'s input, if it is made that way just for it:
/// its only other users are the fill and the subview the copy writes,
/// both before the window in its block.
std::optional<Padding> findPadding(linalg::GenericOp window) {
  Value padded = window.getDpsInputs()[0];
  Padding padding;
  linalg::CopyOp copy;
  Operation *fill = nullptr;
  for (Operation *user : padded.getUsers()) {
    if (user == window || isa<memref::DeallocOp>(user))
      continue;
    if (user->getBlock() != window->getBlock() || !user->isBeforeInBlock(window))
      return std::nullopt;
    auto linalgUser = dyn_cast<linalg::LinalgOp>(user);
    if (auto subview = dyn_cast<memref::SubViewOp>(user)) {
      if (copy || !subview->hasOneUse() || !subview.hasUnitStride())
        return std::nullopt;
      copy = dyn_cast<linalg::CopyOp>(*subview->user_begin());
      ArrayRef<int64_t> offsets = subview.getStaticOffsets();
      if (!copy || copy.getOutputs()[0] != subview.getResult() || offsets.size() != 4 ||
          offsets[0] != 0 || offsets[1] != 0 || ShapedType::isDynamic(offsets[2]) ||
          ShapedType::isDynamic(offsets[3]) || copy->getBlock() != window->getBlock() ||
          !copy->isBeforeInBlock(window))
        return std::nullopt;
      padding.top = offsets[2];
      padding.left = offsets[3];
      padding.source = copy.getInputs()[0];
      padding.producers.append({copy, subview});
    } else if (linalgUser && !fill && linalgUser.getNumDpsInits() == 1 &&
               linalgUser.getDpsInits()[0] == padded) {
      std::optional<CopyPlan> plan = planCopy(linalgUser);
      if (!plan || !plan->scalar)
        return std::nullopt;
      fill = user;
      padding.pad = plan->scalar;
    } else {
      return std::nullopt;
    }
  }
  // The fill must come first: the copy overwrites the interior.
  auto sourceType = copy ? dyn_cast<MemRefType>(padding.source.getType()) : MemRefType();
  if (!fill || !sourceType || !sourceType.isLastDimUnitStride() || !fill->isBeforeInBlock(copy))
    return std::nullopt;
  // The window now reads the source where it read the copy: the memory
  // planned for the source (free after the copy) must not have been given
  // to what is written from the copy to the end of the window.
  if (!disjoint(padding.source, window.getDpsInits()[0]))
    return std::nullopt;
  for (Operation *op = copy->getNextNode(); op != window; op = op->getNextNode()) {
    if (auto writer = dyn_cast<linalg::LinalgOp>(op)) {
      for (Value written : writer.getDpsInits())
        if (!disjoint(padding.source, written))
          return std::nullopt;
    } else if (!isMemoryEffectFree(op) && !isa<memref::AllocOp>(op)) {
      return std::nullopt;
    }
  }
  padding.producers.push_back(fill);
  return padding;
}

/// Vector code for a window reduction (depthwise convolution, pooling):
/// each output row in vectors of `lanes` (the last one masked), the
/// window's taps combined in a register, the input read with the column
/// stride (a deinterleaving shuffle for 2, a gather otherwise), the fused
/// activation applied before the store; channels in parallel.
class WindowEmitter {
public:
  WindowEmitter(linalg::GenericOp op, WindowPlan plan, const KernelConfig &config)
      : op(op), plan(plan), epilogue(findEpilogue(op, kColumnDim)), padding(findPadding(op)),
        initFill(findInitFill(op, padding ? ArrayRef(padding->producers)
                                          : ArrayRef<Operation *>())),
        lanes(config.lanes),
        parallel(config.parallelDim == plan.c),
        vecType(VectorType::get({lanes}, Float32Type::get(op.getContext()))) {}

  void emit() {
    OpBuilder b(op);
    Location loc = op.getLoc();
    x = op.getDpsInputs()[0];
    out = op.getDpsInits()[0];
    if (padding) {
      x = padding->source;
      height = memref::DimOp::create(b, loc, x, 2);
      width = memref::DimOp::create(b, loc, x, 3);
    }
    for (Range r : cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
      sizes.push_back(r.size);
    ivs.assign(6, Value());
    forLoop(b, loc, b.getIndexAttr(0), sizes[plan.n], 1, [&](OpBuilder &nb, Value n) {
      ivs[plan.n] = n;
      forLoop(
          nb, loc, nb.getIndexAttr(0), sizes[plan.c], 1,
          [&](OpBuilder &fb, Value c) {
            ivs[plan.c] = c;
            forLoop(fb, loc, fb.getIndexAttr(0), sizes[plan.oh], 1, [&](OpBuilder &rb, Value oh) {
              ivs[plan.oh] = oh;
              emitRow(rb, loc);
            });
          },
          parallel);
    });
    op->erase();
    if (epilogue)
      epilogue->erase();
    if (initFill)
      initFill->erase();
    if (padding)
      for (Operation *producer : padding->producers)
        producer->erase();
  }

private:
  void emitRow(OpBuilder &b, Location loc) {
    forVectors(b, loc, sizes[plan.ow], lanes,
               [&](OpBuilder &nb, Value ow0, Value mask) { emitVector(nb, loc, ow0, mask); });
  }

  /// The taps of the window at (kh, kw) = (i, j) combined into `acc`.
  Value combine(OpBuilder &b, Location loc, Value in, Value acc) {
    Block *body = op.getBody();
    Value weight;
    if (op.getNumDpsInputs() == 2 && !body->getArgument(1).use_empty()) {
      // One value per vector (the plan checked its map ignores ow).
      OpOperand *w = op.getDpsInputOperand(1);
      SmallVector<Value> dims(ivs);
      dims[plan.ow] = idx(b, loc, 0);
      weight = loadPerVector(b, loc, w->get(), op.getMatchingIndexingMap(w), dims, lanes);
    }
    if (plan.multiplyAdd)
      return vector::FMAOp::create(b, loc, in, weight, acc);
    IRMapping map;
    map.map(body->getArgument(0), in);
    if (weight)
      map.map(body->getArgument(1), weight);
    map.map(body->getArgument(op.getNumDpsInputs()), acc);
    return vectorizeBody(b, loc, body, map, lanes);
  }

  void emitVector(OpBuilder &b, Location loc, Value ow0, Value mask) {
    Value n = ivs[plan.n], c = ivs[plan.c], oh = ivs[plan.oh];
    SmallVector<Value> outAt{n, c, oh, ow0};
    Value acc = initFill ? splat(b, loc, initFill.getInputs()[0], lanes)
                         : loadStrided(b, loc, out, outAt, 1, vecType, mask);
    Value rowBase = scaled(b, loc, oh, plan.strides[0]);
    Value colBase = scaled(b, loc, ow0, plan.strides[1]);
    std::optional<int64_t> rows = getConstantIntValue(sizes[plan.kh]);
    std::optional<int64_t> cols = getConstantIntValue(sizes[plan.kw]);
    Value result;
    if (padding && !mask && rows && cols) {
      // Most vectors' windows lie inside the source: those read it without
      // bounds; the vectors at its edges, with them.
      Value inside = windowInside(b, loc, rowBase, colBase, *rows, *cols);
      auto split = scf::IfOp::create(b, loc, vecType, inside, /*withElseRegion=*/true);
      OpBuilder tb = split.getThenBodyBuilder();
      scf::YieldOp::create(tb, loc, combineWindow(tb, loc, acc, rowBase, colBase, mask, false));
      OpBuilder eb = split.getElseBodyBuilder();
      scf::YieldOp::create(eb, loc, combineWindow(eb, loc, acc, rowBase, colBase, mask, true));
      result = split.getResult(0);
    } else {
      result = combineWindow(b, loc, acc, rowBase, colBase, mask, padding.has_value());
    }
    if (epilogue)
      result = applyEpilogueTo(b, loc, epilogue, kColumnDim, result, lanes, outAt, mask);
    storeMasked(b, loc, result, out, outAt, mask);
  }

  /// Whether every tap of the window of `rows` x `cols` at (rowBase,
  /// colBase) in the padded input, for every lane, lies in the source.
  Value windowInside(OpBuilder &b, Location loc, Value rowBase, Value colBase, int64_t rows,
                     int64_t cols) {
    auto cmp = [&](arith::CmpIPredicate p, Value l, Value r) {
      return arith::CmpIOp::create(b, loc, p, l, r).getResult();
    };
    Value top = arith::SubIOp::create(b, loc, rowBase, idx(b, loc, padding->top));
    Value left = arith::SubIOp::create(b, loc, colBase, idx(b, loc, padding->left));
    // The last element read: the last lane's last tap (a stride of 2 reads
    // one vector's span of 2 * lanes - 1).
    Value bottom = arith::AddIOp::create(b, loc, top, idx(b, loc, (rows - 1) * plan.dilations[0]));
    Value right = arith::AddIOp::create(
        b, loc, left,
        idx(b, loc, (cols - 1) * plan.dilations[1] + (lanes - 1) * plan.strides[1]));
    Value zero = idx(b, loc, 0);
    Value inside = arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, top, zero),
                                         cmp(arith::CmpIPredicate::sge, left, zero));
    inside = arith::AndIOp::create(b, loc, inside, cmp(arith::CmpIPredicate::slt, bottom, height));
    return arith::AndIOp::create(b, loc, inside, cmp(arith::CmpIPredicate::slt, right, width));
  }

  /// The window's taps for the vector at (rowBase, colBase) combined into
  /// `acc`; with `bounded`, reads outside the source give the pad value.
  Value combineWindow(OpBuilder &b, Location loc, Value acc, Value rowBase, Value colBase,
                      Value mask, bool bounded) {
    Value n = ivs[plan.n], c = ivs[plan.c];
    // The taps of the window's row i combined into acc.
    auto rowOfTaps = [&](OpBuilder &hb, Value i, Value acc) -> Value {
      ivs[plan.kh] = i;
      Value row = arith::AddIOp::create(hb, loc, rowBase, scaled(hb, loc, i, plan.dilations[0]));
      // Reading the unpadded source: rows outside it read only padding
      // (and a row inside it, to keep the address near the buffer).
      std::optional<Bounds> bounds;
      if (padding)
        row = arith::SubIOp::create(hb, loc, row, idx(hb, loc, padding->top));
      if (bounded) {
        Value fromTop = arith::CmpIOp::create(hb, loc, arith::CmpIPredicate::sge, row,
                                              idx(hb, loc, 0));
        Value beforeBottom =
            arith::CmpIOp::create(hb, loc, arith::CmpIPredicate::slt, row, height);
        Value inside = arith::AndIOp::create(hb, loc, fromTop, beforeBottom);
        row = arith::SelectOp::create(hb, loc, inside, row, idx(hb, loc, 0));
        bounds = Bounds{width, inside, padding->pad};
      }
      auto kw = scf::ForOp::create(
          hb, loc, idx(hb, loc, 0), value(hb, loc, sizes[plan.kw]), idx(hb, loc, 1),
          ValueRange{acc}, [&](OpBuilder &wb, Location, Value j, ValueRange accW) {
            ivs[plan.kw] = j;
            Value col =
                arith::AddIOp::create(wb, loc, colBase, scaled(wb, loc, j, plan.dilations[1]));
            if (padding)
              col = arith::SubIOp::create(wb, loc, col, idx(wb, loc, padding->left));
            Value in = loadStrided(wb, loc, x, ValueRange{n, c, row, col}, plan.strides[1],
                                   vecType, mask, bounds ? &*bounds : nullptr);
            scf::YieldOp::create(wb, loc, ValueRange{combine(wb, loc, in, accW[0])});
          });
      return kw.getResult(0);
    };
    std::optional<int64_t> rows = getConstantIntValue(sizes[plan.kh]);
    if (plan.multiplyAdd && rows && *rows > 1 && *rows <= kMaxRowSums) {
      // A sum per row of the window, added up at the end: the rows' FMAs
      // are independent chains, not one chain of every tap.
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(vecType));
      Value result;
      for (int64_t i = 0; i < *rows; ++i) {
        Value sum = rowOfTaps(b, idx(b, loc, i), i == 0 ? acc : zero);
        result = i == 0 ? sum : arith::AddFOp::create(b, loc, result, sum).getResult();
      }
      return result;
    }
    auto kh = scf::ForOp::create(
        b, loc, idx(b, loc, 0), value(b, loc, sizes[plan.kh]), idx(b, loc, 1), ValueRange{acc},
        [&](OpBuilder &hb, Location, Value i, ValueRange accH) {
          scf::YieldOp::create(hb, loc, ValueRange{rowOfTaps(hb, i, accH[0])});
        });
    return kh.getResult(0);
  }

  /// The output's dim the vectors run along (NCHW's W).
  static constexpr unsigned kColumnDim = 3;
  /// Convolution windows of up to this many rows get a sum per row.
  static constexpr int64_t kMaxRowSums = 7;

  linalg::GenericOp op;
  WindowPlan plan;
  linalg::GenericOp epilogue;
  std::optional<Padding> padding; // the padding folded into the reads, if any
  linalg::FillOp initFill; // the fill of the output just before, if any
  unsigned lanes;
  bool parallel; // channels on the thread pool
  VectorType vecType;
  SmallVector<OpFoldResult> sizes; // loop sizes, by loop dim
  SmallVector<Value> ivs;          // the loops' current values, by loop dim
  Value x, out;
  Value height, width;            // the unpadded input's, with padding
};

/// Vector code for a copy or fill (see CopyPlan): loops over the output's
/// other dims in its order, the configured one in parallel; along `inner`,
/// vectors of `lanes`, the last one masked, read with the input's stride.
class CopyEmitter {
public:
  CopyEmitter(linalg::LinalgOp op, const CopyPlan &plan, const KernelConfig &config)
      : op(op), plan(plan), config(config),
        vecType(VectorType::get({config.lanes},
                                getElementTypeOrSelf(op.getDpsInits()[0].getType()))) {}

  void emit() {
    OpBuilder b(op);
    Location loc = op.getLoc();
    for (Range r : op.createLoopRanges(b, loc))
      sizes.push_back(r.size);
    ivs.assign(op.getNumLoops(), Value());
    outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    if (plan.scalar)
      fill = splat(b, loc, plan.scalar, config.lanes);
    emitLoops(b, loc, 0);
    op->erase();
  }

private:
  void emitLoops(OpBuilder &b, Location loc, unsigned result) {
    if (result + 1 < outMap.getNumResults()) {
      unsigned d = outMap.getDimPosition(result);
      forLoop(
          b, loc, b.getIndexAttr(0), sizes[d], 1,
          [&](OpBuilder &nb, Value iv) {
            ivs[d] = iv;
            emitLoops(nb, loc, result + 1);
          },
          config.parallelDim == d);
      return;
    }
    forVectors(b, loc, sizes[plan.inner], config.lanes,
               [&](OpBuilder &vb, Value start, Value mask) {
                 ivs[plan.inner] = start;
                 Value v = fill;
                 if (!v) {
                   OpOperand *input = op.getDpsInputOperand(0);
                   SmallVector<Value> at =
                       indicesOf(vb, loc, op.getMatchingIndexingMap(input), ivs);
                   v = loadStrided(vb, loc, input->get(), at, plan.stride, vecType, mask);
                 }
                 storeMasked(vb, loc, v, op.getDpsInits()[0], indicesOf(vb, loc, outMap, ivs),
                             mask);
               });
  }

  linalg::LinalgOp op;
  CopyPlan plan;
  KernelConfig config;
  VectorType vecType;
  AffineMap outMap;
  Value fill; // the splat a fill stores
  SmallVector<OpFoldResult> sizes;
  SmallVector<Value> ivs;
};

struct VectorizeContractionsPass
    : onnx_mlc::impl::VectorizeContractionsPassBase<VectorizeContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Plans first: emitting a kernel erases the ops around it (fill,
    // epilogue).
    SmallVector<std::tuple<linalg::LinalgOp, ContractionPlan, KernelConfig>> work;
    SmallVector<std::tuple<linalg::GenericOp, WindowPlan, KernelConfig>> windows;
    getOperation().walk([&](linalg::LinalgOp op) {
      std::optional<KernelConfig> config = KernelConfig::of(op);
      if (!config)
        return;
      if (std::optional<ContractionPlan> plan = planContraction(op))
        work.emplace_back(op, *plan, *config);
      else if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
        if (std::optional<WindowPlan> plan = planWindow(generic))
          windows.emplace_back(generic, *plan, *config);
    });
    for (auto &[op, plan, config] : windows)
      WindowEmitter(op, plan, config).emit();
    for (auto &[op, plan, config] : work)
      if (std::optional<KernelEmitter> emitter = KernelEmitter::get(op, plan, config))
        emitter->emit();
    // Copies and fills last: the kernels above absorb some fills.
    SmallVector<std::tuple<linalg::LinalgOp, CopyPlan, KernelConfig>> copies;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<KernelConfig> config = KernelConfig::of(op))
        if (std::optional<CopyPlan> plan = planCopy(op))
          copies.emplace_back(op, *plan, *config);
    });
    for (auto &[op, plan, config] : copies)
      CopyEmitter(op, plan, config).emit();
    // Contractions and convolutions left get scalar loops: the function
    // says how many (the compile report shows it). Pooling windows look
    // like convolutions but do not multiply.
    auto multiplyAccumulates = [](linalg::LinalgOp op) {
      Operation *yield = op.getBlock()->getTerminator();
      if (yield->getNumOperands() == 0)
        return false;
      Operation *sum = yield->getOperand(0).getDefiningOp();
      if (!sum || !isa<arith::AddFOp, arith::AddIOp>(sum))
        return false;
      return llvm::any_of(sum->getOperands(), [](Value v) {
        return isa_and_nonnull<arith::MulFOp, arith::MulIOp>(v.getDefiningOp());
      });
    };
    int64_t scalar = 0;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() > 0 && op.getBlock()->getNumArguments() > 0 &&
          multiplyAccumulates(op) &&
          (linalg::isaContractionOpInterface(op) || linalg::isaConvolutionOpInterface(op)))
        ++scalar;
    });
    if (scalar)
      getOperation()->setAttr("mlc.scalar_contractions",
                              IntegerAttr::get(IntegerType::get(&getContext(), 64), scalar));
  }
};

} // namespace
