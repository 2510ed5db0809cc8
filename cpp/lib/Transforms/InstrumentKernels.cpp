//===- InstrumentKernels.cpp - mlc-instrument-kernels ---------------------===//
//
// Profile builds: a pair of clock reads around every kernel call, added
// into per-site counters the host reads through <prefix>_profile_*.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_INSTRUMENTKERNELSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

/// CLOCK_MONOTONIC on Linux, x86-64 and AArch64 alike.
constexpr int32_t kClockMonotonic = 1;

/// "<node names>\t<op types>" of a kernel call, from its location.
std::string label(Location loc, DictionaryAttr nodeOps) {
  std::string nodes, ops;
  for (StringRef name : onnx_mlc::onnx::nodeNames(loc)) {
    StringAttr op = nodeOps ? nodeOps.getAs<StringAttr>(name) : StringAttr();
    nodes += (nodes.empty() ? "" : "+") + name.str();
    ops += (ops.empty() ? "" : "+") + (op ? op.str() : std::string("?"));
  }
  if (nodes.empty())
    return "(compiler)\t(compiler)";
  // The label format is line- and tab-separated.
  for (char &c : nodes)
    if (c == '\n' || c == '\t')
      c = ' ';
  return nodes + "\t" + ops;
}

struct InstrumentKernelsPass
    : onnx_mlc::impl::InstrumentKernelsPassBase<InstrumentKernelsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto nodeOps = module->getAttrOfType<DictionaryAttr>("mlc.node_ops");

    SmallVector<func::CallOp> sites;
    module.walk([&](func::CallOp call) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      auto caller = call->getParentOfType<func::FuncOp>();
      if (callee && callee->hasAttr("mlc.kernel") && !caller->hasAttr("mlc.kernel"))
        sites.push_back(call);
    });

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = b.getUnknownLoc();
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    int64_t n = sites.size();

    std::string labels;
    for (func::CallOp call : sites)
      labels += label(call.getLoc(), nodeOps) + "\n";
    labels.push_back('\0');
    auto labelsGlobal = LLVM::GlobalOp::create(
        b, loc, LLVM::LLVMArrayType::get(b.getI8Type(), labels.size()), /*isConstant=*/true,
        LLVM::Linkage::Internal, sym("_profile_label_text"), b.getStringAttr(labels));
    auto countersType = LLVM::LLVMArrayType::get(i64, std::max<int64_t>(3 * n, 1));
    auto counters = LLVM::GlobalOp::create(
        b, loc, countersType, /*isConstant=*/false, LLVM::Linkage::Internal,
        sym("_profile_counter_data"), b.getZeroAttr(RankedTensorType::get(
                                          {countersType.getNumElements()}, i64)));

    // The exported accessors.
    auto exported = [&](StringRef name, Type result) {
      auto fn = func::FuncOp::create(b, loc, sym(name), b.getFunctionType({}, {result}));
      return OpBuilder::atBlockBegin(fn.addEntryBlock());
    };
    {
      OpBuilder fb = exported("_profile_size", i64);
      func::ReturnOp::create(fb, loc, ValueRange{arith::ConstantIntOp::create(fb, loc, i64, n)});
    }
    {
      OpBuilder fb = exported("_profile_labels", ptr);
      func::ReturnOp::create(fb, loc, ValueRange{LLVM::AddressOfOp::create(fb, loc, labelsGlobal)});
    }
    {
      OpBuilder fb = exported("_profile_counters", ptr);
      func::ReturnOp::create(fb, loc, ValueRange{LLVM::AddressOfOp::create(fb, loc, counters)});
    }
    if (sites.empty())
      return;

    // i64 now(): CLOCK_MONOTONIC in nanoseconds, through libc.
    auto timespec = LLVM::LLVMStructType::getLiteral(ctx, {i64, i64});
    if (!module.lookupSymbol("clock_gettime"))
      LLVM::LLVMFuncOp::create(b, loc, "clock_gettime", LLVM::LLVMFunctionType::get(i32, {i32, ptr}));
    auto now = func::FuncOp::create(b, loc, sym("_profile_now"), b.getFunctionType({}, {i64}));
    now.setPrivate();
    now->setAttr("llvm.linkage", LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
    {
      OpBuilder fb = OpBuilder::atBlockBegin(now.addEntryBlock());
      Value one = arith::ConstantIntOp::create(fb, loc, i64, 1);
      Value ts = LLVM::AllocaOp::create(fb, loc, ptr, timespec, one);
      Value clock = arith::ConstantIntOp::create(fb, loc, i32, kClockMonotonic);
      LLVM::CallOp::create(fb, loc, TypeRange{i32}, "clock_gettime", ValueRange{clock, ts});
      auto field = [&](int32_t i) {
        Value p = LLVM::GEPOp::create(fb, loc, ptr, timespec, ts, ArrayRef<LLVM::GEPArg>{0, i});
        return LLVM::LoadOp::create(fb, loc, i64, p).getResult();
      };
      Value sec = field(0), nsec = field(1);
      Value ns = arith::AddIOp::create(
          fb, loc, arith::MulIOp::create(fb, loc, sec,
                                         arith::ConstantIntOp::create(fb, loc, i64, 1000000000)),
          nsec);
      func::ReturnOp::create(fb, loc, ValueRange{ns});
    }

    for (auto [i, call] : llvm::enumerate(sites)) {
      OpBuilder cb(call);
      Location callLoc = call.getLoc();
      Value start = func::CallOp::create(cb, callLoc, now, ValueRange{}).getResult(0);
      cb.setInsertionPointAfter(call);
      Value end = func::CallOp::create(cb, callLoc, now, ValueRange{}).getResult(0);
      Value base = LLVM::AddressOfOp::create(cb, callLoc, counters);
      auto slot = [&](int64_t index) {
        return LLVM::GEPOp::create(cb, callLoc, ptr, countersType, base,
                                   ArrayRef<LLVM::GEPArg>{0, (int32_t)index});
      };
      auto add = [&](int64_t index, Value v) {
        LLVM::AtomicRMWOp::create(cb, callLoc, LLVM::AtomicBinOp::add, slot(index), v,
                                  LLVM::AtomicOrdering::monotonic);
      };
      add(3 * i, arith::SubIOp::create(cb, callLoc, end, start));
      add(3 * i + 1, arith::ConstantIntOp::create(cb, callLoc, i64, 1));
      LLVM::AtomicRMWOp::create(cb, callLoc, LLVM::AtomicBinOp::xchg, slot(3 * i + 2), start,
                                LLVM::AtomicOrdering::monotonic);
    }
  }

  std::string sym(StringRef suffix) { return prefix + suffix.str(); }
};

} // namespace
