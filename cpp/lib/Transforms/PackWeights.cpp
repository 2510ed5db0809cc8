//===- PackWeights.cpp - Constant operands in the kernel's panels ---------===//
//
// A register tile of a contraction reads, at each k, a few scalars of A (one
// per row) and a row segment of B (the tile's columns). Read from the
// matrices as the model stores them, these are short pieces of rows that
// lie a whole row apart; for B with rows of a power-of-two size, every k
// maps to the same cache sets, so a tile's panel of B never stays in cache
// however often it is reused. When A or B is a constant, its copy laid out
// panel by panel (each tile's operand contiguous, k after k) is made here,
// at compile time, for the tile that mlc-configure-kernels chose.
//
//===----------------------------------------------------------------------===//
#include "KernelPlans.h"
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/Twine.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_PACKWEIGHTSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;
using namespace onnx_mlc;

namespace {

/// The bytes of a constant global's value in memory order; none for a
/// splat (nothing to gain) or a released resource.
std::optional<ArrayRef<char>> valueBytes(memref::GlobalOp global) {
  Attribute value = *global.getInitialValue();
  if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(value))
    return dense.isSplat() ? std::nullopt : std::optional(dense.getRawData());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
  return std::nullopt;
}

/// The global holding `global`'s matrix in panels `width` wide along its
/// dim `along` (0 or 1): [p][i][w] holds [p * width + w][i] (along 0) or
/// [i][p * width + w] (along 1), zero past the edge. Made once per layout.
memref::GlobalOp panelsOf(memref::GlobalOp global, unsigned along, int64_t width,
                          SymbolTable &symbols) {
  std::string name = (global.getSymName() + "_panels" + Twine(along) + "x" + Twine(width)).str();
  if (auto existing = symbols.lookup<memref::GlobalOp>(name))
    return existing;
  MemRefType type = global.getType();
  std::optional<ArrayRef<char>> bytes = valueBytes(global);
  unsigned bits = type.getElementTypeBitWidth();
  if (!bytes || bits % 8 != 0 || (int64_t)bytes->size() != type.getNumElements() * bits / 8)
    return {};
  int64_t elem = bits / 8, rows = type.getDimSize(0), cols = type.getDimSize(1);
  int64_t wide = along == 0 ? rows : cols, other = along == 0 ? cols : rows;
  int64_t panels = llvm::divideCeil(wide, width);
  std::vector<char> packed(panels * other * width * elem, 0);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t i = 0; i < other; ++i)
      for (int64_t w = 0; w < width && p * width + w < wide; ++w) {
        int64_t j = p * width + w;
        int64_t from = along == 0 ? j * cols + i : i * cols + j;
        std::memcpy(&packed[((p * other + i) * width + w) * elem], &(*bytes)[from * elem], elem);
      }
  SmallVector<int64_t> shape{panels, other, width};
  auto tensorType = RankedTensorType::get(shape, type.getElementType());
  Attribute value = DenseResourceElementsAttr::get(
      tensorType, "packed_panels",
      HeapAsmResourceBlob::allocateAndCopyWithAlign(packed, alignof(std::max_align_t)));
  OpBuilder b(global);
  b.setInsertionPointAfter(global);
  auto panelsGlobal = memref::GlobalOp::create(
      b, global.getLoc(), name, b.getStringAttr("private"),
      MemRefType::get(shape, type.getElementType()), value, /*constant=*/true,
      b.getI64IntegerAttr(64));
  symbols.insert(panelsGlobal);
  return panelsGlobal;
}

/// The panels of the contraction's operand `operand` (0 for A, 1 for B)
/// for tiles `width` wide, when it is a constant matrix indexed exactly by
/// (m, k) or (k, n) that spans more than one tile; or none.
FlatSymbolRefAttr packOperand(linalg::LinalgOp op, const ContractionPlan &plan,
                              unsigned operand, int64_t width, SymbolTable &symbols) {
  memref::GlobalOp global = constantGlobal(op.getDpsInputs()[operand]);
  if (!global || !global.getType().hasStaticShape() || global.getType().getRank() != 2 ||
      !global.getType().getLayout().isIdentity())
    return {};
  MLIRContext *context = op.getContext();
  AffineExpr m = getAffineDimExpr(plan.m, context), n = getAffineDimExpr(plan.n, context),
             k = getAffineDimExpr(plan.k, context);
  SmallVector<AffineExpr> want = operand == 0 ? SmallVector<AffineExpr>{m, k}
                                              : SmallVector<AffineExpr>{k, n};
  unsigned along = operand == 0 ? 0 : 1;
  if (op.getIndexingMapsArray()[operand].getResults() != ArrayRef<AffineExpr>(want) ||
      global.getType().getDimSize(along) <= width)
    return {};
  memref::GlobalOp panels = panelsOf(global, along, width, symbols);
  return panels ? FlatSymbolRefAttr::get(panels.getSymNameAttr()) : FlatSymbolRefAttr();
}

struct PackWeightsPass : onnx_mlc::impl::PackWeightsPassBase<PackWeightsPass> {
  void runOnOperation() override {
    SymbolTable symbols(getOperation());
    getOperation().walk([&](linalg::LinalgOp op) {
      std::optional<KernelConfig> config = KernelConfig::of(op);
      std::optional<ContractionPlan> plan = planContraction(op);
      if (!config || !plan)
        return;
      config->panelsA = packOperand(op, *plan, 0, config->rows, symbols);
      config->panelsB = packOperand(op, *plan, 1, config->vectors * config->lanes, symbols);
      op->setAttr(KernelConfig::kAttrName, config->toAttr(op.getContext()));
    });
  }
};

} // namespace
