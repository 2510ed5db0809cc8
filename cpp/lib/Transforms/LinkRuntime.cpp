//===- LinkRuntime.cpp - The runtime support, and parallel loops on it ----===//
//
// The runtime support (Runtime.mlir: a thread pool and a workspace cache)
// is merged into the module, with the pool's thread-count functions
// exported under the model's prefix. After the lowering to the LLVM
// dialect, a call of an `mlc.parallel_body`
// function (made by mlc-outline-parallel-loops) over [begin, end) becomes
// mlc_parallel_for(task, args, begin, end): the call's other arguments are
// stored in a struct on the stack, and `task` unpacks them and calls the
// body on each chunk.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Parser/Parser.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_LINKRUNTIMEPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

#include "Runtime.inc" // kRuntimeSource

/// Moves the runtime's declarations and definitions into `module`. A function
/// both declare is kept once; one the module declares and the runtime
/// defines (the workspace cache that mlc-emit-c-abi calls) gets its body.
LogicalResult mergeRuntime(ModuleOp module, StringRef prefix) {
  OwningOpRef<ModuleOp> runtime =
      parseSourceString<ModuleOp>(kRuntimeSource, ParserConfig(module.getContext()));
  if (!runtime)
    return module.emitError("onnx-mlc: the built-in runtime does not parse");
  SymbolTable symbols(module);
  for (Operation &op : llvm::make_early_inc_range(runtime->getBody()->getOperations())) {
    if (auto sym = dyn_cast<SymbolOpInterface>(op)) {
      if (Operation *existing = symbols.lookup(sym.getName())) {
        auto fn = dyn_cast<LLVM::LLVMFuncOp>(op);
        auto have = dyn_cast<LLVM::LLVMFuncOp>(existing);
        if (fn && have && have.isExternal() && fn.getFunctionType() == have.getFunctionType()) {
          if (fn.isExternal())
            continue;
          symbols.erase(have); // the definition replaces the declaration
        } else {
          return module.emitError("onnx-mlc: symbol '")
                 << sym.getName() << "' of the runtime is already defined";
        }
      }
    }
    op.moveBefore(module.getBody(), module.getBody()->end());
  }
  for (auto [from, to] : {std::pair<StringRef, StringRef>{"mlc_pool_set_threads", "set_num_threads"},
                          {"mlc_pool_num_threads", "num_threads"}}) {
    auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(from);
    std::string name = (prefix + "_" + to).str();
    if (module.lookupSymbol(name))
      return module.emitError("onnx-mlc: symbol '") << name << "' is already defined";
    fn.setSymName(name);
  }
  return success();
}

/// The task function `body_task(ctx, lo, hi)` that unpacks a struct of
/// `fields` at ctx and calls `body` with them and (lo, hi).
LLVM::LLVMFuncOp buildTask(OpBuilder &b, LLVM::LLVMFuncOp body, LLVM::LLVMStructType fields) {
  Location loc = body.getLoc();
  MLIRContext *ctx = b.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i64 = b.getI64Type();
  b.setInsertionPointAfter(body);
  auto task = LLVM::LLVMFuncOp::create(
      b, loc, (body.getSymName() + "_task").str(),
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr, i64, i64}),
      LLVM::Linkage::Internal);
  Block *entry = task.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  Value packed = LLVM::LoadOp::create(b, loc, fields, entry->getArgument(0));
  SmallVector<Value> args;
  for (int64_t i = 0, e = fields.getBody().size(); i < e; ++i)
    args.push_back(LLVM::ExtractValueOp::create(b, loc, packed, i));
  args.append({entry->getArgument(1), entry->getArgument(2)});
  LLVM::CallOp::create(b, loc, body, args);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return task;
}

struct LinkRuntimePass : onnx_mlc::impl::LinkRuntimePassBase<LinkRuntimePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(mergeRuntime(module, prefix)))
      return signalPassFailure();
    auto parallelFor = module.lookupSymbol<LLVM::LLVMFuncOp>("mlc_parallel_for");
    MLIRContext *ctx = module.getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    DenseMap<Operation *, LLVM::LLVMFuncOp> tasks;
    SmallVector<std::pair<LLVM::CallOp, LLVM::LLVMFuncOp>> calls;
    SymbolTable symbols(module);
    module.walk([&](LLVM::CallOp call) {
      std::optional<StringRef> callee = call.getCallee();
      auto body = callee ? symbols.lookup<LLVM::LLVMFuncOp>(*callee) : nullptr;
      if (body && body->hasAttr("mlc.parallel_body") && call.getNumOperands() >= 2 &&
          call.getOperand(call.getNumOperands() - 1).getType() == i64)
        calls.emplace_back(call, body);
    });
    for (auto [call, body] : calls) {
      ValueRange operands = call.getOperands();
      ValueRange fields = operands.drop_back(2);
      auto packedType = LLVM::LLVMStructType::getLiteral(ctx, llvm::to_vector(fields.getTypes()));
      OpBuilder b(call);
      LLVM::LLVMFuncOp &task = tasks[body];
      if (!task)
        task = buildTask(b, body, packedType);
      // The struct lives in the caller's frame: allocated once, at entry.
      Location loc = call.getLoc();
      auto caller = call->getParentOfType<LLVM::LLVMFuncOp>();
      OpBuilder eb(&caller.getBody().front(), caller.getBody().front().begin());
      Value one = LLVM::ConstantOp::create(eb, loc, i64, 1);
      Value slot = LLVM::AllocaOp::create(eb, loc, ptr, packedType, one);
      b.setInsertionPoint(call);
      Value packed = LLVM::UndefOp::create(b, loc, packedType);
      for (auto [i, v] : llvm::enumerate(fields))
        packed = LLVM::InsertValueOp::create(b, loc, packed, v, i);
      LLVM::StoreOp::create(b, loc, packed, slot);
      Value taskAddress = LLVM::AddressOfOp::create(b, loc, task);
      LLVM::CallOp::create(b, loc, parallelFor,
                           ValueRange{taskAddress, slot, operands[operands.size() - 2],
                                      operands.back()});
      call.erase();
    }
  }
};

} // namespace
