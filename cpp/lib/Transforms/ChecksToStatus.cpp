//===- ChecksToStatus.cpp - mlc-checks-to-status --------------------------===//
#include "onnx_mlc/Transforms/Passes.h"
#include "onnx_mlc-c/ModelABI.h"

#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_CHECKSTOSTATUSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kOutOfMemory = "out of memory";

/// The status a failed check returns: MLC_ERR_OUT_OF_MEMORY for the checks
/// guardAllocation adds, MLC_ERR_RUNTIME_SHAPE for the lowering's.
int32_t statusOf(cf::AssertOp check) {
  return check.getMsg() == kOutOfMemory ? MLC_ERR_OUT_OF_MEMORY : MLC_ERR_RUNTIME_SHAPE;
}

/// Checks around an allocation whose size the inputs decide: before it, that
/// the size fits in kMaxTensorBytes (so that its computation cannot
/// overflow and malloc is not asked for the impossible); after it, that
/// malloc did not fail. A huge Pad, Expand or Range then returns
/// MLC_ERR_OUT_OF_MEMORY instead of writing through a null pointer.
void guardAllocation(memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  Location loc = alloc.getLoc();
  OpBuilder b(alloc);
  auto index = [&](uint64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Type elem = type.getElementType();
  if (!elem.isIntOrIndexOrFloat())
    return;
  int64_t fixed = elem.isIndex() ? 8 : llvm::divideCeil(elem.getIntOrFloatBitWidth(), 8);
  for (int64_t s : type.getShape())
    if (!ShapedType::isDynamic(s))
      fixed *= s; // checked at compile time to be at most kMaxTensorBytes
  Value limit = index(onnx_mlc::onnx::kMaxTensorBytes);
  Value bytes = index(fixed), fits = arith::ConstantIntOp::create(b, loc, 1, 1);
  for (Value size : alloc.getDynamicSizes()) {
    // bytes * size <= limit, tested as bytes <= limit / size to not overflow.
    Value divisor = arith::MaxUIOp::create(b, loc, size, index(1));
    Value room = arith::DivUIOp::create(b, loc, limit, divisor);
    Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, bytes, room);
    fits = arith::AndIOp::create(b, loc, fits, ok);
    bytes = arith::MulIOp::create(b, loc, bytes, size);
  }
  cf::AssertOp::create(b, loc, fits, kOutOfMemory);
  b.setInsertionPointAfter(alloc);
  Value pointer = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, alloc);
  Value allocated = arith::OrIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, pointer, index(0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, bytes, index(0)));
  cf::AssertOp::create(b, loc, allocated, kOutOfMemory);
}

/// Empty values of `types` for the failure path: buffers of size 0 in every
/// dynamic dimension, zeros otherwise.
SmallVector<Value> emptyResults(OpBuilder &b, Location loc, TypeRange types) {
  SmallVector<Value> values;
  for (Type t : types) {
    if (auto memref = dyn_cast<MemRefType>(t)) {
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      SmallVector<Value> sizes(memref.getNumDynamicDims(), zero);
      values.push_back(memref::AllocOp::create(b, loc, memref, sizes));
    } else {
      values.push_back(arith::ConstantOp::create(b, loc, b.getZeroAttr(t)));
    }
  }
  return values;
}

/// The ops of `block` after `prefix` (or all, if null) that compute
/// `value`, in block order, if they are all pure; nullopt otherwise.
std::optional<SmallVector<Operation *>> pureSliceAfter(Value value, Block *block,
                                                       Operation *prefix) {
  SetVector<Operation *> slice;
  SmallVector<Value> work{value};
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != block ||
        (prefix && (def == prefix || def->isBeforeInBlock(prefix))) || !slice.insert(def))
      continue;
    if (!isPure(def) || def->getNumRegions() != 0)
      return std::nullopt;
    llvm::append_range(work, def->getOperands());
  }
  SmallVector<Operation *> ops = slice.takeVector();
  llvm::sort(ops, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ops;
}

/// Moves every check whose condition is computed by pure ops alone, with
/// those ops, to the top of `body`. Most conditions compare input sizes, so
/// a model's checks collapse into a few scf.ifs instead of nesting once per
/// layer, which would make every later rewrite quadratic in the depth.
void hoistChecks(Block &body) {
  Operation *prefix = nullptr; // the last op moved to the top
  auto moveToTop = [&](Operation *op) {
    if (prefix)
      op->moveAfter(prefix);
    else
      op->moveBefore(&body.front());
    prefix = op;
  };
  for (cf::AssertOp check : llvm::to_vector(body.getOps<cf::AssertOp>())) {
    std::optional<SmallVector<Operation *>> slice =
        pureSliceAfter(check.getArg(), &body, prefix);
    if (!slice)
      continue;
    for (Operation *op : *slice)
      moveToTop(op);
    moveToTop(check);
  }
}

/// Folds the checks that follow `check`, with only pure ops in between, into
/// it: those ops move above it and the conditions are and-ed. A run of
/// checks then nests one scf.if rather than one each.
void mergeFollowingChecks(cf::AssertOp check) {
  SmallVector<Operation *> pending;
  Value cond = check.getArg();
  for (Operation *op = check->getNextNode(); op && !op->hasTrait<OpTrait::IsTerminator>();) {
    Operation *next = op->getNextNode();
    if (auto other = dyn_cast<cf::AssertOp>(op); other && statusOf(other) == statusOf(check)) {
      for (Operation *p : pending)
        p->moveBefore(check);
      pending.clear();
      OpBuilder b(check);
      cond = arith::AndIOp::create(b, other.getLoc(), cond, other.getArg());
      other.erase();
    } else if (isPure(op) && op->getNumRegions() == 0) {
      pending.push_back(op);
    } else {
      break;
    }
    op = next;
  }
  check.getArgMutable().assign(cond);
}

/// Turns the first check in `block` (whose terminator returns or yields
/// (status, values...)) into an scf.if around the rest of the block, and
/// recurses into it.
void nestAfterFirstCheck(Block *block) {
  auto it = llvm::find_if(*block, [](Operation &op) { return isa<cf::AssertOp>(op); });
  if (it == block->end())
    return;
  auto check = cast<cf::AssertOp>(*it);
  mergeFollowingChecks(check);
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
  failed[0] = arith::ConstantIntOp::create(eb, loc, statusOf(check), 32);
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
    for (auto alloc : llvm::to_vector(fn.getBody().front().getOps<memref::AllocOp>()))
      if (!alloc.getDynamicSizes().empty())
        guardAllocation(alloc);

    MLIRContext *ctx = &getContext();
    SmallVector<Type> results{IntegerType::get(ctx, 32)};
    llvm::append_range(results, fn.getResultTypes());
    auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
    OpBuilder b(ret);
    SmallVector<Value> values{arith::ConstantIntOp::create(b, ret.getLoc(), MLC_OK, 32)};
    llvm::append_range(values, ret.getOperands());
    ret->setOperands(values);
    fn.setType(FunctionType::get(ctx, fn.getArgumentTypes(), results));
    hoistChecks(fn.getBody().front());
    nestAfterFirstCheck(&fn.getBody().front());
  }
};
} // namespace
