//===- OutlineParallelLoops.cpp - Parallel loop bodies for the pool -------===//
//
// The thread pool (Runtime.mlir) runs a function on chunks [lo, hi) of an
// iteration space. This pass gives each outermost scf.parallel that shape:
// its body moves into a function taking what the body reads and a range of
// iteration numbers, and the loop becomes a call over [0, trip count).
// mlc-link-runtime later turns those calls into thread-pool tasks.
//
//===----------------------------------------------------------------------===//
#include "Outlining.h"
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_OUTLINEPARALLELLOOPSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

/// Replaces the one-dimensional `loop` by a call of a new function `name`.
func::FuncOp outline(scf::ParallelOp loop, Operation *after, StringRef name) {
  Location loc = loop.getLoc();
  Value lb = loop.getLowerBound()[0], ub = loop.getUpperBound()[0], step = loop.getStep()[0];
  // The body needs the lower bound and step to number its iterations.
  onnx_mlc::Captures captures =
      onnx_mlc::collectCaptures(ValueRange{lb, step}, loop->getRegions());
  OpBuilder b(after);
  IRMapping mapping;
  Type index = b.getIndexType();
  func::FuncOp fn = onnx_mlc::createOutlinedFunction(b, loc, after, name, captures,
                                                     {index, index}, mapping);
  fn->setAttr("mlc.parallel_body", b.getUnitAttr());
  Block *entry = &fn.getBody().front();
  Value begin = entry->getArgument(entry->getNumArguments() - 2);
  Value end = entry->getArgument(entry->getNumArguments() - 1);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  scf::ForOp::create(b, loc, begin, end, one, ValueRange{},
                     [&](OpBuilder &nb, Location l, Value i, ValueRange) {
                       Value iv = arith::AddIOp::create(
                           nb, l, mapping.lookupOrDefault(lb),
                           arith::MulIOp::create(nb, l, i, mapping.lookupOrDefault(step)));
                       mapping.map(loop.getInductionVars()[0], iv);
                       for (Operation &op : loop.getBody()->without_terminator())
                         nb.clone(op, mapping);
                       scf::YieldOp::create(nb, l);
                     });
  func::ReturnOp::create(b, loc);

  OpBuilder cb(loop);
  // ceil((ub - lb) / step) iterations, none if ub <= lb.
  Value span = arith::SubIOp::create(cb, loc, ub, lb);
  Value zero = arith::ConstantIndexOp::create(cb, loc, 0);
  Value trips = arith::CeilDivSIOp::create(cb, loc, arith::MaxSIOp::create(cb, loc, span, zero),
                                           step);
  SmallVector<Value> args(captures.args);
  args.append({zero, trips});
  func::CallOp::create(cb, loc, fn, args);
  loop->erase();
  return fn;
}

struct OutlineParallelLoopsPass
    : onnx_mlc::impl::OutlineParallelLoopsPassBase<OutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp fn : functions) {
      SmallVector<scf::ParallelOp> loops;
      fn.walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
        if (loop.getNumLoops() == 1 && loop.getNumReductions() == 0)
          loops.push_back(loop);
        return WalkResult::skip(); // nested parallel loops run serially
      });
      Operation *after = fn;
      for (scf::ParallelOp loop : loops) {
        after = outline(loop, after,
                        onnx_mlc::uniqueSymbolName(symbols, fn.getSymName().str() + "_parallel"));
        symbols.insert(after);
      }
    }
  }
};

} // namespace
