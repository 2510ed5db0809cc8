//===- Outlining.cpp - Moving code into functions of its own --------------===//
#include "Outlining.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace onnx_mlc {

Captures collectCaptures(ValueRange reads, MutableArrayRef<Region> regions) {
  SetVector<Value> used(reads.begin(), reads.end());
  getUsedValuesDefinedAbove(regions, used);
  Captures captures;
  for (Value v : used) {
    Operation *def = v.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>())
      captures.constants.push_back(def);
    else
      captures.args.push_back(v);
  }
  return captures;
}

func::FuncOp createOutlinedFunction(OpBuilder &b, Location loc, Operation *after, StringRef name,
                                    const Captures &captures, TypeRange extraArgs,
                                    IRMapping &mapping) {
  SmallVector<Type> argTypes(ValueRange(captures.args).getTypes());
  argTypes.append(extraArgs.begin(), extraArgs.end());
  b.setInsertionPointAfter(after);
  auto fn = func::FuncOp::create(b, loc, name, b.getFunctionType(argTypes, {}));
  fn.setPrivate();
  // Not exported, so that several models link into one program; not inlined
  // back, which would undo the point of outlining.
  fn->setAttr("llvm.linkage", LLVM::LinkageAttr::get(b.getContext(), LLVM::Linkage::Internal));
  fn->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (auto [outer, inner] : llvm::zip(captures.args, entry->getArguments()))
    mapping.map(outer, inner);
  for (Operation *c : captures.constants)
    b.clone(*c, mapping);
  return fn;
}

std::string uniqueSymbolName(SymbolTable &table, StringRef base) {
  for (unsigned n = 0;; ++n) {
    std::string name = (base + "_" + Twine(n)).str();
    if (!table.lookup(name))
      return name;
  }
}

} // namespace onnx_mlc
