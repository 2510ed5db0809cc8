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
// When the vectors run along m instead (see KernelConfig::alongM), the
// constant is A, and its panels hold `width` rows of A side by side, k after
// k. Otherwise a constant A (a convolution's weights) is left as it is:
// packed into panels of rows, its broadcasts become adjacent loads that
// LLVM merges into one vector load and a shuffle per row, and ResNet-50
// ran 15% slower.
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

/// The global holding `global`'s value, a `rows` x `cols` matrix M, in
/// panels of `width` columns: [p][i][w] holds M[i][p * width + w], zero
/// past the last column. With `transposed`, M is the transpose of the
/// global's `cols` x `rows` matrix. Made once per width, orientation and
/// shape.
memref::GlobalOp panelsOf(memref::GlobalOp global, int64_t rows, int64_t cols, int64_t width,
                          bool transposed, SymbolTable &symbols) {
  std::string name =
      (global.getSymName() + (transposed ? "_tpanels" : "_panels") + Twine(width)).str();
  int64_t panels = llvm::divideCeil(cols, width);
  SmallVector<int64_t> shape{panels, rows, width};
  // The same weights viewed as another matrix get panels of their own
  // (SymbolTable::insert renames them).
  if (auto existing = symbols.lookup<memref::GlobalOp>(name))
    if (existing.getType().getShape() == ArrayRef(shape))
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
  int64_t elem = bits / 8;
  std::vector<char> packed(panels * rows * width * elem, 0);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t i = 0; i < rows; ++i) {
      int64_t first = p * width, count = std::min(width, cols - first);
      char *to = &packed[(p * rows + i) * width * elem];
      if (!transposed) {
        std::memcpy(to, &(*bytes)[(i * cols + first) * elem], count * elem);
        continue;
      }
      for (int64_t w = 0; w < count; ++w)
        std::memcpy(to + w * elem, &(*bytes)[((first + w) * rows + i) * elem], elem);
    }
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

/// The panels of the operand that the contraction's vectors are loaded
/// from, for tiles `width` wide: B indexed (k, n), or A indexed (m, k) when
/// the vectors run along m; when it is a constant matrix, and B spans more
/// than one tile (A is transposed, which pays even for one). Or none.
FlatSymbolRefAttr packVectorOperand(linalg::LinalgOp op, const ContractionPlan &plan,
                                    bool alongM, int64_t width, SymbolTable &symbols) {
  std::optional<ConstantMatrix> matrix = alongM ? constantMatrix(op, 0, plan.m, plan.k)
                                                : constantMatrix(op, 1, plan.k, plan.n);
  if (!matrix)
    return {};
  // Rows k by columns along the vectors.
  int64_t rows = alongM ? matrix->cols : matrix->rows, cols = alongM ? matrix->rows : matrix->cols;
  if (!alongM && cols <= width)
    return {};
  memref::GlobalOp panels = panelsOf(matrix->global, rows, cols, width, alongM, symbols);
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
      config->panels = packVectorOperand(op, *plan, config->alongM,
                                         config->vectors * config->lanes, symbols);
      op->setAttr(KernelConfig::kAttrName, config->toAttr(op.getContext()));
    });
  }
};

} // namespace
