//===- StaticResultsToOutParams.cpp - mlc-static-results-to-out-params ----===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_STATICRESULTSTOOUTPARAMSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {
struct StaticResultsToOutParamsPass
    : onnx_mlc::impl::StaticResultsToOutParamsPassBase<StaticResultsToOutParamsPass> {
  void runOnOperation() override {
    auto fn = getOperation().lookupSymbol<func::FuncOp>("main_graph");
    if (!fn || fn.isExternal())
      return;
    FunctionType type = fn.getFunctionType();
    SmallVector<Type> args(type.getInputs()), results;
    SmallVector<int64_t> moved; // result index -> out-param argument, or -1
    for (Type t : type.getResults()) {
      // The status (mlc-checks-to-status) and run-time-shaped buffers stay.
      auto memref = dyn_cast<MemRefType>(t);
      if (memref && memref.hasStaticShape()) {
        moved.push_back(args.size());
        args.push_back(memref);
        fn.getBody().addArgument(memref, fn.getLoc());
      } else {
        moved.push_back(-1);
        results.push_back(t);
      }
    }
    DenseMap<Value, Value> placed; // allocations already turned into an argument
    fn.walk([&](func::ReturnOp ret) {
      OpBuilder b(ret);
      SmallVector<Value> kept;
      for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
        if (moved[i] < 0) {
          kept.push_back(llvm::is_contained(kept, v) ? copyOf(b, ret.getLoc(), v) : v);
          continue;
        }
        Value out = fn.getArgument(moved[i]);
        // A buffer allocated for this result becomes the caller's buffer;
        // anything else (an argument, a constant, a second use of the same
        // result) is copied.
        auto alloc = v.getDefiningOp<memref::AllocOp>();
        if (alloc && alloc.getType() == out.getType() && !placed.count(v) &&
            alloc->getBlock() == &fn.getBody().front()) {
          v.replaceUsesWithIf(out, [&](OpOperand &use) { return use.getOwner() != ret; });
          placed[v] = out;
          continue;
        }
        memref::CopyOp::create(b, ret.getLoc(), placed.lookup_or(v, v), out);
      }
      func::ReturnOp::create(b, ret.getLoc(), kept);
      ret.erase();
    });
    for (auto [v, out] : placed)
      v.getDefiningOp()->erase();
    fn.setType(FunctionType::get(&getContext(), args, results));
  }

  /// A new buffer holding `v`'s data: a value listed as two graph outputs
  /// must come back as two buffers, or the caller would own (and free) one
  /// buffer twice.
  static Value copyOf(OpBuilder &b, Location loc, Value v) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type)
      return v;
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(memref::DimOp::create(b, loc, v, d));
    Value copy = memref::AllocOp::create(b, loc, type, sizes);
    memref::CopyOp::create(b, loc, v, copy);
    return copy;
  }
};
} // namespace
