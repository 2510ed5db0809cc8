//===- PackWeights.cpp - Constant operands in the kernel's panels ---------===//
//
// A register tile of a contraction reads, at each k, a row segment of B (the
// tile's columns). Read from B as the model stores it, these segments lie a
// whole row apart; with rows of a power-of-two size every k maps to the
// same cache sets, so the tile's panel of B never stays in cache however
// often the tiles of rows reuse it. When B is a constant (a linear layer's
// weights), its copy laid out panel by panel (each tile's columns
// contiguous, k after k) is made here, at compile time, for the tile that
// mlc-configure-kernels chose.
//
// A constant A (a convolution's weights) is left as it is: packed into
// panels of rows, its broadcasts become adjacent loads that LLVM merges
// into one vector load and a shuffle per row, and ResNet-50 ran 15% slower.
//
//===----------------------------------------------------------------------===//
#include "KernelPlans.h"
#include "onnx_mlc/Target/ExternalConstants.h"
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

/// The global holding `global`'s value, a `rows` x `cols` matrix, in
/// panels of `width` columns: [p][i][w] holds [i][p * width + w], zero past
/// the last column. Made once per width.
memref::GlobalOp panelsOf(memref::GlobalOp global, int64_t rows, int64_t cols, int64_t width,
                          SymbolTable &symbols) {
  std::string name = (global.getSymName() + "_panels" + Twine(width)).str();
  if (auto existing = symbols.lookup<memref::GlobalOp>(name))
    return existing;
  Attribute value = *global.getInitialValue();
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (dense && dense.isSplat()) // nothing to gain
    return {};
  Type elemType = global.getType().getElementType();
  std::vector<char> unused; // denseBytes expands splats there; they are skipped above
  std::optional<ArrayRef<char>> bytes = denseBytes(value, unused);
  unsigned bits = elemType.getIntOrFloatBitWidth();
  if (!bytes || bits % 8 != 0 || (int64_t)bytes->size() != rows * cols * bits / 8)
    return {};
  int64_t elem = bits / 8, panels = llvm::divideCeil(cols, width);
  std::vector<char> packed(panels * rows * width * elem, 0);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t i = 0; i < rows; ++i) {
      int64_t first = p * width, count = std::min(width, cols - first);
      std::memcpy(&packed[(p * rows + i) * width * elem], &(*bytes)[(i * cols + first) * elem],
                  count * elem);
    }
  SmallVector<int64_t> shape{panels, rows, width};
  Attribute panelsValue = DenseResourceElementsAttr::get(
      RankedTensorType::get(shape, elemType), "packed_panels",
      HeapAsmResourceBlob::allocateAndCopyWithAlign(packed, alignof(std::max_align_t)));
  OpBuilder b(global);
  b.setInsertionPointAfter(global);
  auto panelsGlobal = memref::GlobalOp::create(b, global.getLoc(), name, b.getStringAttr("private"),
                                               MemRefType::get(shape, elemType), panelsValue,
                                               /*constant=*/true, b.getI64IntegerAttr(64));
  symbols.insert(panelsGlobal);
  return panelsGlobal;
}

/// The panels of the contraction's B for tiles `width` wide, when it is a
/// constant matrix indexed by (k, n), after any leading dims of size 1,
/// that spans more than one tile; or none.
FlatSymbolRefAttr packB(linalg::LinalgOp op, const ContractionPlan &plan, int64_t width,
                        SymbolTable &symbols) {
  Value matrix = op.getDpsInputs()[1];
  auto type = cast<MemRefType>(matrix.getType());
  memref::GlobalOp global = constantGlobal(matrix);
  if (!global || !type.hasStaticShape() || type.getRank() < 2 || !type.getLayout().isIdentity() ||
      llvm::any_of(type.getShape().drop_back(2), [](int64_t size) { return size != 1; }))
    return {};
  AffineExpr k = getAffineDimExpr(plan.k, op.getContext()),
             n = getAffineDimExpr(plan.n, op.getContext());
  int64_t rows = type.getDimSize(type.getRank() - 2), cols = type.getDimSize(type.getRank() - 1);
  if (op.getIndexingMapsArray()[1].getResults().take_back(2) != ArrayRef({k, n}) || cols <= width)
    return {};
  memref::GlobalOp panels = panelsOf(global, rows, cols, width, symbols);
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
      config->panelsB = packB(op, *plan, config->vectors * config->lanes, symbols);
      op->setAttr(KernelConfig::kAttrName, config->toAttr(op.getContext()));
    });
  }
};

} // namespace
