//===- OutlineKernels.cpp - One function per loop nest --------------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_OUTLINEKERNELSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

bool isKernel(Operation *op) {
  return isa<linalg::LinalgOp>(op) || isa<scf::ForOp>(op);
}

/// Moves `op` into a new function `name` placed after `after` and calls it;
/// returns the new function.
func::FuncOp outline(Operation *op, Operation *after, StringRef name) {
  // What the nest reads from outside: its operands and values captured by
  // its regions. Constants are rematerialized inside instead.
  SetVector<Value> used(op->operand_begin(), op->operand_end());
  getUsedValuesDefinedAbove(op->getRegions(), used);
  SmallVector<Value> args;
  SmallVector<Operation *> constants;
  for (Value v : used) {
    Operation *def = v.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>())
      constants.push_back(def);
    else
      args.push_back(v);
  }
  OpBuilder b(after);
  b.setInsertionPointAfter(after);
  Location loc = op->getLoc();
  auto fn = func::FuncOp::create(b, loc, name,
                                 b.getFunctionType(ValueRange(args).getTypes(), {}));
  fn.setPrivate();
  // Not exported, so that several models link into one program; not inlined
  // back, which would undo the point of outlining.
  fn->setAttr("llvm.linkage", LLVM::LinkageAttr::get(b.getContext(), LLVM::Linkage::Internal));
  fn->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
  fn->setAttr("mlc.kernel", b.getUnitAttr());
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping mapping;
  for (auto [outer, inner] : llvm::zip(args, entry->getArguments()))
    mapping.map(outer, inner);
  for (Operation *c : constants)
    b.clone(*c, mapping);
  b.clone(*op, mapping);
  func::ReturnOp::create(b, loc);
  OpBuilder callBuilder(op);
  func::CallOp::create(callBuilder, loc, fn, args);
  op->erase();
  return fn;
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
      unsigned counter = 0;
      Operation *after = fn;
      for (Operation *op : kernels) {
        std::string name;
        do
          name = (fn.getSymName() + "_kernel_" + Twine(counter++)).str();
        while (symbols.lookup(name));
        after = outline(op, after, name);
        symbols.insert(after);
      }
    }
  }
};

} // namespace
