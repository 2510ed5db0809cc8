//===- KernelPlans.cpp - Loop nests the vector kernels handle -------------===//
#include "KernelPlans.h"

#include "mlir/Analysis/FlatLinearValueConstraints.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AffineExprVisitor.h"

using namespace mlir;

namespace onnx_mlc {

namespace {

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

} // namespace

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

/// The coefficients of `e`, a linear function of the loop dims with no
/// constant term, or none (a floordiv or mod flattens into local variables).
static std::optional<SmallVector<int64_t>> linearCoefficients(AffineExpr e, unsigned numDims) {
  SmallVector<int64_t> flat; // dims, locals, constant
  if (failed(getFlattenedAffineExpr(e, numDims, 0, &flat)) || flat.size() != numDims + 1 ||
      flat.back() != 0)
    return std::nullopt;
  flat.pop_back();
  return flat;
}

memref::GlobalOp constantGlobal(Value v) {
  while (isa_and_nonnull<memref::CollapseShapeOp, memref::ExpandShapeOp>(v.getDefiningOp()))
    v = v.getDefiningOp()->getOperand(0);
  auto get = v.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return {};
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(get, get.getNameAttr());
  if (!global || !global.getConstant() || !global.getInitialValue() ||
      !isa<DenseElementsAttr, DenseResourceElementsAttr>(*global.getInitialValue()))
    return {};
  return global;
}

std::optional<ConstantMatrix> constantMatrix(linalg::LinalgOp op, unsigned operand, unsigned row,
                                             unsigned col) {
  Value matrix = op.getDpsInputs()[operand];
  auto type = cast<MemRefType>(matrix.getType());
  memref::GlobalOp global = constantGlobal(matrix);
  if (!global || !type.hasStaticShape() || type.getRank() < 2 || !type.getLayout().isIdentity() ||
      llvm::any_of(type.getShape().drop_back(2), [](int64_t size) { return size != 1; }))
    return std::nullopt;
  AffineExpr r = getAffineDimExpr(row, op.getContext()), c = getAffineDimExpr(col, op.getContext());
  if (op.getIndexingMapsArray()[operand].getResults().take_back(2) != ArrayRef({r, c}))
    return std::nullopt;
  return ConstantMatrix{global, type.getDimSize(type.getRank() - 2),
                        type.getDimSize(type.getRank() - 1)};
}

/// The bytes a buffer may occupy: the buffer it is a view of and, within a
/// view of the workspace at a constant offset, [begin, end).
namespace {
struct Extent {
  Value root;
  int64_t begin = 0, end = std::numeric_limits<int64_t>::max();
};
} // namespace

static Extent extentOf(Value v) {
  Extent extent;
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>()) {
    if (auto planned = dyn_cast<memref::ViewOp>(view.getOperation())) {
      std::optional<int64_t> shift = getConstantIntValue(planned.getByteShift());
      MemRefType type = planned.getType();
      if (shift && type.hasStaticShape() && type.getElementType().isIntOrFloat()) {
        extent.begin = *shift;
        extent.end = *shift + type.getNumElements() * type.getElementTypeBitWidth() / 8;
      }
    }
    v = view.getViewSource();
  }
  extent.root = v;
  return extent;
}

bool disjoint(Value a, Value b) {
  Extent x = extentOf(a), y = extentOf(b);
  if (x.root != y.root)
    return true;
  return x.end <= y.begin || y.end <= x.begin;
}

std::optional<Im2colRead> im2colRead(linalg::LinalgOp op) {
  Value b = op.getDpsInputs()[1];
  SmallVector<ReassociationIndices> groups;
  auto collapse = b.getDefiningOp<memref::CollapseShapeOp>();
  Value buffer = collapse ? collapse.getSrc() : b;
  auto bufferType = cast<MemRefType>(buffer.getType());
  if (collapse)
    groups = collapse.getReassociationIndices();
  else
    for (int64_t d = 0; d < bufferType.getRank(); ++d)
      groups.push_back({d});
  if (!buffer.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  // The buffer may be reused (bufferization shares it between convolutions
  // of one shape): it is written only by whole copies, read only by
  // products, all in op's block, and op is the only reader of the copy
  // before it, up to the next one.
  auto isCopy = [&](Operation *user) {
    auto generic = dyn_cast<linalg::GenericOp>(user);
    return generic && generic.getNumDpsInputs() == 1 && generic.getNumDpsInits() == 1 &&
           generic.getDpsInits()[0] == buffer && generic.hasPureBufferSemantics() &&
           generic.getNumReductionLoops() == 0 &&
           generic.getMatchingIndexingMap(generic.getDpsInitOperand(0)).isIdentity() &&
           generic.getBody()->getTerminator()->getOperand(0) == generic.getBody()->getArgument(0);
  };
  // Products read the buffer directly or through collapses of it (one per
  // convolution, or one that CSE shared).
  SmallVector<Operation *> copies, readers;
  auto isReader = [&](Operation *user) {
    return user->getBlock() == op->getBlock() && isa<linalg::LinalgOp>(user);
  };
  for (Operation *user : buffer.getUsers()) {
    if (isa<memref::DeallocOp>(user))
      continue;
    if (user->getBlock() != op->getBlock())
      return std::nullopt;
    if (isCopy(user)) {
      copies.push_back(user);
    } else if (isa<memref::CollapseShapeOp>(user)) {
      for (Operation *viewUser : user->getUsers()) {
        if (!isReader(viewUser))
          return std::nullopt;
        readers.push_back(viewUser);
      }
    } else if (isReader(user)) {
      readers.push_back(user);
    } else {
      return std::nullopt;
    }
  }
  if (copies.empty())
    return std::nullopt;
  // The copy op reads, the last before it, and the next one after it.
  Operation *last = nullptr, *next = nullptr;
  for (Operation *c : copies) {
    if (c->isBeforeInBlock(op)) {
      if (!last || last->isBeforeInBlock(c))
        last = c;
    } else if (!next || c->isBeforeInBlock(next)) {
      next = c;
    }
  }
  if (!last)
    return std::nullopt;
  for (Operation *reader : readers)
    if (reader != op.getOperation() && last->isBeforeInBlock(reader) &&
        (!next || reader->isBeforeInBlock(next)))
      return std::nullopt;
  auto copy = cast<linalg::GenericOp>(last);
  Value source = copy.getDpsInputs()[0];
  auto sourceType = dyn_cast<MemRefType>(source.getType());
  if (!sourceType || !sourceType.hasStaticShape() || !sourceType.getLayout().isIdentity() ||
      sourceType.getElementType() != bufferType.getElementType() || !bufferType.hasStaticShape())
    return std::nullopt;
  // Nothing writes or frees the source until the product has read it; the
  // product itself writes only C (and its epilogue, C again).
  if (!disjoint(source, op.getDpsInits()[0]))
    return std::nullopt;
  for (Operation *between = copy->getNextNode(); between != op.getOperation();
       between = between->getNextNode()) {
    if (isMemoryEffectFree(between) || isa<memref::AllocOp>(between))
      continue;
    auto writer = dyn_cast<linalg::LinalgOp>(between);
    if (!writer || !llvm::all_of(writer.getDpsInits(),
                                 [&](Value written) { return disjoint(source, written); }))
      return std::nullopt;
  }
  // Each copy loop's coefficient in the source's linear position.
  AffineMap inMap = copy.getMatchingIndexingMap(copy.getDpsInputOperand(0));
  unsigned loops = copy.getNumLoops();
  SmallVector<int64_t> coefficients(loops, 0);
  int64_t stride = 1;
  for (int64_t r = sourceType.getRank() - 1; r >= 0; --r) {
    std::optional<SmallVector<int64_t>> c = linearCoefficients(inMap.getResult(r), loops);
    if (!c)
      return std::nullopt;
    for (unsigned d = 0; d < loops; ++d)
      coefficients[d] += (*c)[d] * stride;
    stride *= sourceType.getDimSize(r);
  }
  Im2colRead read{copy, source, {}};
  for (ReassociationIndices &group : groups) {
    read.groups.emplace_back();
    for (int64_t d : group)
      read.groups.back().push_back({bufferType.getDimSize(d), coefficients[d]});
  }
  return read;
}

std::pair<int64_t, int64_t> Im2colRead::innermost(linalg::LinalgOp op, unsigned loop) const {
  unsigned p = *op.getIndexingMapsArray()[1].getResultPosition(
      getAffineDimExpr(loop, op.getContext()));
  return groups[p].back();
}

std::optional<int64_t> staticStride(Value v, unsigned dim) {
  auto type = dyn_cast<MemRefType>(v.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type || dim >= type.getRank() || failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(strides[dim]))
    return std::nullopt;
  return strides[dim];
}

bool isScalarElementwise(Block *body) {
  for (Operation &inner : body->without_terminator()) {
    bool scalar = llvm::all_of(inner.getResultTypes(),
                               [](Type t) { return t.isIntOrIndexOrFloat(); });
    if (!scalar || inner.getNumRegions() != 0 ||
        !(isa<arith::ConstantOp>(inner) || OpTrait::hasElementwiseMappableTraits(&inner)))
      return false;
    for (Value v : inner.getOperands())
      if (v.getParentBlock() != body && !v.getDefiningOp<arith::ConstantOp>())
        return false;
  }
  return true;
}

std::optional<WindowPlan> planWindow(linalg::GenericOp op) {
  using utils::IteratorType;
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op.getNumDpsInputs() < 1 ||
      op.getNumDpsInputs() > 2 || op.getNumLoops() != 6)
    return std::nullopt;
  for (Value v : op->getOperands())
    if (!getElementTypeOrSelf(v.getType()).isF32() || !hasUnitInnerStride(v))
      return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap xMap = maps[0], outMap = maps.back();
  if (outMap.getNumResults() != 4 || !outMap.isProjectedPermutation() || xMap.getNumResults() != 4)
    return std::nullopt;
  WindowPlan plan;
  unsigned *roles[] = {&plan.n, &plan.c, &plan.oh, &plan.ow};
  for (unsigned i = 0; i < 4; ++i)
    *roles[i] = cast<AffineDimExpr>(outMap.getResult(i)).getPosition();
  SmallVector<IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<unsigned> reductions;
  for (unsigned d = 0; d < 6; ++d)
    if (iters[d] == IteratorType::reduction)
      reductions.push_back(d);
  if (reductions.size() != 2 || xMap.getResult(0) != getAffineDimExpr(plan.n, op.getContext()) ||
      xMap.getResult(1) != getAffineDimExpr(plan.c, op.getContext()))
    return std::nullopt;
  std::optional<SmallVector<int64_t>> rows = linearCoefficients(xMap.getResult(2), 6);
  std::optional<SmallVector<int64_t>> cols = linearCoefficients(xMap.getResult(3), 6);
  if (!rows || !cols)
    return std::nullopt;
  // Rows vary with oh and one reduction (kh), columns with ow and the other.
  auto only = [](ArrayRef<int64_t> c, unsigned a, unsigned b) {
    for (unsigned i = 0; i < c.size(); ++i)
      if (i != a && i != b && c[i] != 0)
        return false;
    return c[a] > 0 && c[b] > 0;
  };
  plan.kh = (*rows)[reductions[0]] ? reductions[0] : reductions[1];
  plan.kw = plan.kh == reductions[0] ? reductions[1] : reductions[0];
  if (!only(*rows, plan.oh, plan.kh) || !only(*cols, plan.ow, plan.kw))
    return std::nullopt;
  plan.strides[0] = (*rows)[plan.oh];
  plan.strides[1] = (*cols)[plan.ow];
  plan.dilations[0] = (*rows)[plan.kh];
  plan.dilations[1] = (*cols)[plan.kw];
  // A second input holds one value per vector: it must not vary along ow.
  if (op.getNumDpsInputs() == 2 && maps[1].isFunctionOfDim(plan.ow))
    return std::nullopt;
  Block *body = op.getBody();
  if (!isScalarElementwise(body))
    return std::nullopt;
  // acc + x * w, the convolution, becomes one FMA per tap.
  plan.multiplyAdd = false;
  auto add = body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (op.getNumDpsInputs() == 2 && add && body->getOperations().size() == 3 &&
      add.getLhs() == body->getArgument(2))
    if (auto mul = add.getRhs().getDefiningOp<arith::MulFOp>())
      plan.multiplyAdd =
          (mul.getLhs() == body->getArgument(0) && mul.getRhs() == body->getArgument(1)) ||
          (mul.getLhs() == body->getArgument(1) && mul.getRhs() == body->getArgument(0));
  return plan;
}

std::optional<CopyPlan> planCopy(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op.getNumLoops() == 0 ||
      op.getNumReductionLoops() != 0 || op.getBlock()->getOperations().size() != 1)
    return std::nullopt;
  Value out = op.getDpsInits()[0];
  Type elem = getElementTypeOrSelf(out.getType());
  unsigned bits = elem.isIntOrFloat() ? elem.getIntOrFloatBitWidth() : 0;
  if (!hasUnitInnerStride(out) || !llvm::is_contained({8u, 16u, 32u, 64u}, bits))
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!outMap.isPermutation())
    return std::nullopt;
  CopyPlan plan;
  plan.inner = cast<AffineDimExpr>(outMap.getResults().back()).getPosition();
  Value yielded = op.getBlock()->getTerminator()->getOperand(0);
  auto arg = dyn_cast<BlockArgument>(yielded);
  if (!arg || arg.getOwner() != op.getBlock()) { // a value from outside: a fill
    plan.scalar = yielded;
    return plan;
  }
  if (arg.getArgNumber() >= op.getNumDpsInputs())
    return std::nullopt;
  OpOperand *input = op.getDpsInputOperand(arg.getArgNumber());
  if (!isa<ShapedType>(input->get().getType())) { // linalg.fill's scalar
    plan.scalar = input->get();
    return plan;
  }
  if (!hasUnitInnerStride(input->get()) || getElementTypeOrSelf(input->get().getType()) != elem)
    return std::nullopt;
  // The input's innermost index steps along `inner`, the others do not.
  AffineMap inMap = op.getMatchingIndexingMap(input);
  unsigned numDims = inMap.getNumDims();
  for (auto [i, e] : llvm::enumerate(inMap.getResults())) {
    std::optional<SmallVector<int64_t>> c = linearCoefficients(e, numDims);
    if (!c)
      return std::nullopt;
    bool last = i + 1 == inMap.getNumResults();
    if (last ? (*c)[plan.inner] < 1 : (*c)[plan.inner] != 0)
      return std::nullopt;
    if (last)
      plan.stride = (*c)[plan.inner];
  }
  return plan;
}

DictionaryAttr KernelConfig::toAttr(MLIRContext *context) const {
  Builder b(context);
  SmallVector<NamedAttribute> entries = {b.getNamedAttr("lanes", b.getI64IntegerAttr(lanes)),
                                         b.getNamedAttr("rows", b.getI64IntegerAttr(rows)),
                                         b.getNamedAttr("vectors", b.getI64IntegerAttr(vectors))};
  if (parallelDim)
    entries.push_back(b.getNamedAttr("parallel_dim", b.getI64IntegerAttr(*parallelDim)));
  if (alongM)
    entries.push_back(b.getNamedAttr("along_m", b.getUnitAttr()));
  if (panels)
    entries.push_back(b.getNamedAttr("panels", panels));
  return b.getDictionaryAttr(entries);
}

std::optional<KernelConfig> KernelConfig::of(Operation *op) {
  auto dict = op->getAttrOfType<DictionaryAttr>(kAttrName);
  if (!dict)
    return std::nullopt;
  auto get = [&](StringRef key, int64_t min) -> std::optional<unsigned> {
    auto v = dict.getAs<IntegerAttr>(key);
    if (!v || v.getInt() < min || v.getInt() > 1024)
      return std::nullopt;
    return v.getInt();
  };
  std::optional<unsigned> lanes = get("lanes", 1), rows = get("rows", 1),
                          vectors = get("vectors", 1);
  if (!lanes || !rows || !vectors)
    return std::nullopt;
  return KernelConfig{*lanes, *rows, *vectors, dict.contains("along_m"), get("parallel_dim", 0),
                      dict.getAs<FlatSymbolRefAttr>("panels")};
}

} // namespace onnx_mlc
