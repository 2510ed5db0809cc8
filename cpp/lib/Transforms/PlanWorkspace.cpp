//===- PlanWorkspace.cpp - One workspace for the model's buffers ----------===//
//
// After mlc-free-early every intermediate buffer of @main_graph's entry
// block lives from its memref.alloc to its memref.dealloc. This pass lays
// those of static size out in one workspace, by the intervals in which they
// live: buffers whose lifetimes do not overlap share bytes. @main_graph takes
// the workspace as a trailing argument, and the C entry point supplies it
// from a block kept between calls (mlc_workspace_take/give, Runtime.mlir),
// so that a call neither allocates nor touches fresh pages for them.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "llvm/Support/MathExtras.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_PLANWORKSPACEPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  int64_t bytes, start, end, offset = -1;
};

/// The bytes of a static, row-major buffer of byte-sized elements, or none.
std::optional<int64_t> staticBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getMemorySpace())
    return std::nullopt;
  Type elem = type.getElementType();
  if (!elem.isIntOrIndexOrFloat() || elem.isIndex() || elem.getIntOrFloatBitWidth() % 8)
    return std::nullopt;
  return type.getNumElements() * (elem.getIntOrFloatBitWidth() / 8);
}

struct PlanWorkspacePass : onnx_mlc::impl::PlanWorkspacePassBase<PlanWorkspacePass> {
  void runOnOperation() override {
    auto fn = getOperation().lookupSymbol<func::FuncOp>("main_graph");
    if (!fn || fn.isExternal())
      return;
    Block &entry = fn.getBody().front();
    DenseMap<Operation *, int64_t> position;
    for (auto [i, op] : llvm::enumerate(entry))
      position[&op] = i;
    SmallVector<Buffer> buffers;
    for (auto alloc : entry.getOps<memref::AllocOp>()) {
      std::optional<int64_t> bytes = staticBytes(alloc.getType());
      if (!bytes || *bytes == 0 || alloc.getAlignment().value_or(1) > kAlignment)
        continue;
      SmallVector<memref::DeallocOp> deallocs;
      for (Operation *user : alloc->getUsers())
        if (auto d = dyn_cast<memref::DeallocOp>(user))
          deallocs.push_back(d);
      if (deallocs.size() != 1 || deallocs[0]->getBlock() != &entry)
        continue;
      buffers.push_back({alloc, deallocs[0], llvm::alignTo(*bytes, kAlignment),
                         position[alloc], position[deallocs[0]]});
    }
    if (buffers.empty())
      return;
    // Largest first, each at the lowest offset clear of the buffers already
    // placed whose lifetimes overlap its own.
    SmallVector<Buffer *> order;
    for (Buffer &b : buffers)
      order.push_back(&b);
    llvm::stable_sort(order, [](Buffer *a, Buffer *b) { return a->bytes > b->bytes; });
    int64_t total = 0;
    SmallVector<Buffer *> placed;
    for (Buffer *b : order) {
      SmallVector<std::pair<int64_t, int64_t>> taken;
      for (Buffer *p : placed)
        if (p->start < b->end && b->start < p->end)
          taken.push_back({p->offset, p->offset + p->bytes});
      llvm::sort(taken);
      int64_t offset = 0;
      for (auto [lo, hi] : taken) {
        if (offset + b->bytes <= lo)
          break;
        offset = std::max(offset, hi);
      }
      b->offset = offset;
      total = std::max(total, offset + b->bytes);
      placed.push_back(b);
    }
    OpBuilder builder(fn.getContext());
    auto wsType = MemRefType::get({total}, builder.getI8Type());
    unsigned index = fn.getNumArguments();
    if (failed(fn.insertArgument(index, wsType, {}, fn.getLoc())))
      return signalPassFailure();
    Value workspace = fn.getArgument(index);
    fn->setAttr("mlc.workspace_size", builder.getI64IntegerAttr(total));
    for (Buffer &b : buffers) {
      builder.setInsertionPoint(b.alloc);
      Location loc = b.alloc.getLoc();
      Value offset = arith::ConstantIndexOp::create(builder, loc, b.offset);
      Value view = memref::ViewOp::create(builder, loc, b.alloc.getType(), workspace, offset,
                                          ValueRange{});
      b.alloc.replaceAllUsesWith(view);
      b.dealloc->erase();
      b.alloc->erase();
    }
  }
};

} // namespace
