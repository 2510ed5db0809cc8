//===- FreeEarly.cpp - mlc-free-early -------------------------------------===//
#include "onnx_mlc/Transforms/Passes.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_FREEEARLYPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

/// The last op of `block` that may read `buffer`, directly or through a
/// value derived from it; null if a use escapes the block.
Operation *lastUse(Block *block, Value buffer, Operation *dealloc) {
  // Any memref result of an op that reads an alias is taken as an alias
  // too: views, casts, and region ops whose results may forward it.
  SmallVector<Value> aliases{buffer};
  DenseSet<Value> seen{buffer};
  Operation *last = buffer.getDefiningOp();
  while (!aliases.empty()) {
    Value v = aliases.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (user == dealloc)
        continue;
      Operation *anchor = block->findAncestorOpInBlock(*user);
      if (!anchor)
        return nullptr;
      if (last->isBeforeInBlock(anchor))
        last = anchor;
      for (Operation *op : {user, anchor})
        for (Value r : op->getResults())
          if (isa<BaseMemRefType>(r.getType()) && seen.insert(r).second)
            aliases.push_back(r);
    }
  }
  return last;
}

struct FreeEarlyPass : onnx_mlc::impl::FreeEarlyPassBase<FreeEarlyPass> {
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](memref::DeallocOp d) { deallocs.push_back(d); });
    for (memref::DeallocOp d : deallocs) {
      Value buffer = d.getMemref();
      auto alloc = buffer.getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != d->getBlock())
        continue;
      Operation *last = lastUse(d->getBlock(), buffer, d);
      if (last && last->isBeforeInBlock(d))
        d->moveAfter(last);
    }
  }
};

} // namespace
