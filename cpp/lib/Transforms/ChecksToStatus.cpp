//===- ChecksToStatus.cpp - mlc-checks-to-status --------------------------===//
#include "onnx_mlc/Transforms/Passes.h"
#include "onnx_mlc-c/ModelABI.h"

#include "mlir/IR/Builders.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_CHECKSTOSTATUSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

/// Empty values of `types` for the failure path: tensors of size 0 in every
/// dynamic dimension, zeros otherwise.
SmallVector<Value> emptyResults(OpBuilder &b, Location loc, TypeRange types) {
  SmallVector<Value> values;
  for (Type t : types) {
    if (auto tensor = dyn_cast<RankedTensorType>(t)) {
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      SmallVector<Value> sizes(tensor.getNumDynamicDims(), zero);
      values.push_back(tensor::EmptyOp::create(b, loc, tensor, sizes));
    } else {
      values.push_back(arith::ConstantOp::create(b, loc, b.getZeroAttr(t)));
    }
  }
  return values;
}

/// Turns the first check in `block` (whose terminator returns or yields
/// (status, values...)) into an scf.if around the rest of the block, and
/// recurses into it.
void nestAfterFirstCheck(Block *block) {
  auto it = llvm::find_if(*block, [](Operation &op) { return isa<cf::AssertOp>(op); });
  if (it == block->end())
    return;
  auto check = cast<cf::AssertOp>(*it);
  Operation *terminator = block->getTerminator();
  Location loc = check.getLoc();
  OpBuilder b(check);
  auto branch = scf::IfOp::create(b, loc, terminator->getOperandTypes(), check.getArg(),
                                  /*withElseRegion=*/true);
  // Everything after the check, terminator included, moves into `then`,
  // where the terminator becomes a yield.
  Block *then = branch.thenBlock();
  then->getOperations().splice(then->end(), block->getOperations(),
                               std::next(Block::iterator(check)), block->end());
  Operation *moved = then->getTerminator();
  OpBuilder tb(moved);
  scf::YieldOp::create(tb, moved->getLoc(), moved->getOperands());
  OpBuilder eb = OpBuilder::atBlockBegin(branch.elseBlock());
  SmallVector<Value> failed = emptyResults(eb, loc, terminator->getOperandTypes());
  failed[0] = arith::ConstantIntOp::create(eb, loc, MLC_ERR_RUNTIME_SHAPE, 32);
  scf::YieldOp::create(eb, loc, failed);
  // The block now ends with the original kind of terminator.
  OpBuilder ab = OpBuilder::atBlockEnd(block);
  Operation *end = ab.clone(*moved);
  end->setOperands(branch.getResults());
  moved->erase();
  check.erase();
  nestAfterFirstCheck(then);
}

struct ChecksToStatusPass : onnx_mlc::impl::ChecksToStatusPassBase<ChecksToStatusPass> {
  void runOnOperation() override {
    auto fn = getOperation().lookupSymbol<func::FuncOp>("main_graph");
    if (!fn || fn.isExternal())
      return;
    if (!fn.getBody().hasOneBlock()) {
      fn.emitError("mlc-checks-to-status: expects a function of one block");
      return signalPassFailure();
    }
    WalkResult nested = fn.walk([&](cf::AssertOp check) {
      if (check->getParentOp() != fn) {
        check.emitError("a run-time check inside a loop or branch is not supported yet");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (nested.wasInterrupted())
      return signalPassFailure();

    MLIRContext *ctx = &getContext();
    SmallVector<Type> results{IntegerType::get(ctx, 32)};
    llvm::append_range(results, fn.getResultTypes());
    auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
    OpBuilder b(ret);
    SmallVector<Value> values{arith::ConstantIntOp::create(b, ret.getLoc(), MLC_OK, 32)};
    llvm::append_range(values, ret.getOperands());
    ret->setOperands(values);
    fn.setType(FunctionType::get(ctx, fn.getArgumentTypes(), results));
    nestAfterFirstCheck(&fn.getBody().front());
  }
};
} // namespace
