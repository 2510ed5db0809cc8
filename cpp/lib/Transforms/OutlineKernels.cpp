//===- OutlineKernels.cpp - One function per loop nest --------------------===//
#include "Outlining.h"
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_OUTLINEKERNELSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

bool isKernel(Operation *op) {
  return isa<linalg::LinalgOp, scf::ForOp, scf::ParallelOp>(op);
}

/// Moves `op` into a new function `name` placed after `after` and calls it;
/// returns the new function and the call.
std::pair<func::FuncOp, func::CallOp> outline(Operation *op, Operation *after, StringRef name) {
  onnx_mlc::Captures captures = onnx_mlc::collectCaptures(op->getOperands(), op->getRegions());
  OpBuilder b(after);
  IRMapping mapping;
  Location loc = op->getLoc();
  func::FuncOp fn =
      onnx_mlc::createOutlinedFunction(b, loc, after, name, captures, {}, mapping);
  fn->setAttr("mlc.kernel", b.getUnitAttr());
  b.clone(*op, mapping);
  func::ReturnOp::create(b, loc);
  OpBuilder callBuilder(op);
  auto call = func::CallOp::create(callBuilder, loc, fn, captures.args);
  op->erase();
  return {fn, call};
}

/// A hash of what `fn` computes: its type and its ops, whatever their
/// locations and the values they use.
llvm::hash_code bodyHash(func::FuncOp fn) {
  llvm::hash_code h = hash_value(fn.getFunctionType());
  fn.getBody().walk([&](Operation *op) {
    h = llvm::hash_combine(h, OperationEquivalence::computeHash(
                                  op, OperationEquivalence::ignoreHashValue,
                                  OperationEquivalence::ignoreHashValue,
                                  OperationEquivalence::IgnoreLocations));
  });
  return h;
}

struct OutlineKernelsPass : onnx_mlc::impl::OutlineKernelsPassBase<OutlineKernelsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp fn : functions) {
      if (fn.isExternal())
        continue;
      // The outermost nests, also those under the scf.if of a run-time
      // check or a broadcast, which would otherwise stay in one function.
      SmallVector<Operation *> kernels;
      fn.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (!isKernel(op) || op->getNumResults() != 0)
          return WalkResult::advance();
        kernels.push_back(op);
        return WalkResult::skip();
      });
      if (kernels.empty() || (kernels.size() < 2 && !all))
        continue;
      // Nests that compute the same thing on other buffers (the repeated
      // blocks of a network) share one kernel: LLVM compiles each once.
      DenseMap<llvm::hash_code, SmallVector<func::FuncOp>> seen;
      Operation *after = fn;
      for (Operation *op : kernels) {
        auto [kernel, call] =
            outline(op, after, onnx_mlc::uniqueSymbolName(symbols, fn.getSymName().str() + "_kernel"));
        SmallVector<func::FuncOp> &same = seen[bodyHash(kernel)];
        auto twin = llvm::find_if(same, [&](func::FuncOp other) {
          return other.getFunctionType() == kernel.getFunctionType() &&
                 OperationEquivalence::isRegionEquivalentTo(&other.getBody(), &kernel.getBody(),
                                                            OperationEquivalence::IgnoreLocations);
        });
        if (twin != same.end()) {
          call.setCallee((*twin).getSymName());
          kernel->erase();
          continue;
        }
        same.push_back(kernel);
        symbols.insert(kernel);
        after = kernel;
      }
    }
  }
};

} // namespace
