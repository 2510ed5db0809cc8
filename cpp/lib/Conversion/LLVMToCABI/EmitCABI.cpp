//===- EmitCABI.cpp - The exported C entry points of a compiled model -----===//
//
// Runs on the bufferized module, before the lowering to LLVM, and writes the
// C ABI that onnx_mlc-c/ModelABI.h defines. The run entry checks every
// descriptor, builds the memref descriptors of the inputs and of the
// static-shaped outputs from the caller's pointers and sizes, and casts them
// with unrealized_conversion_cast (once func and memref are lowered those
// casts meet their inverses and vanish). Outputs whose shape is known only
// at run time are returned by the model function, already allocated; they
// are handed to the caller or copied into the caller's buffer.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Conversion/Passes.h"
#include "onnx_mlc-c/ModelABI.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_EMITCABIPASS
#include "onnx_mlc/Conversion/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

/// The ONNX dtype (mlc_dtype) of an ONNX element type, or 0 if it has none.
int32_t onnxDtype(Type t) {
  if (t.isF32()) return MLC_FLOAT;
  if (t.isUnsignedInteger(8)) return MLC_UINT8;
  if (t.isSignlessInteger(8)) return MLC_INT8;
  if (t.isUnsignedInteger(16)) return MLC_UINT16;
  if (t.isSignlessInteger(16)) return MLC_INT16;
  if (t.isSignlessInteger(32)) return MLC_INT32;
  if (t.isSignlessInteger(64)) return MLC_INT64;
  if (t.isSignlessInteger(1)) return MLC_BOOL;
  if (t.isF16()) return MLC_FLOAT16;
  if (t.isF64()) return MLC_DOUBLE;
  if (t.isUnsignedInteger(32)) return MLC_UINT32;
  if (t.isUnsignedInteger(64)) return MLC_UINT64;
  if (t.isBF16()) return MLC_BFLOAT16;
  return 0;
}

/// The messages of P_status_message, indexed by mlc_status.
const char *const kStatusMessages[] = {
    "ok",
    "wrong number of inputs",
    "wrong number of outputs",
    "a null pointer was passed",
    "a tensor has the wrong dtype",
    "a tensor has the wrong rank",
    "a tensor has the wrong shape",
    "sizes that share a dimension name differ",
    "the inputs give an invalid shape inside the model",
    "out of memory",
};

/// One input or output of the model.
struct TensorSig {
  std::string name;
  int32_t dtype;
  MemRefType type; // the buffer type (storage element type)
  SmallVector<std::string> dimNames;
  /// Outputs: returned by the model function (shape known at run time)
  /// rather than passed in as an out-parameter.
  bool returned = false;
  int64_t bytesPerElement() const {
    return std::max<int64_t>(1, type.getElementType().getIntOrFloatBitWidth() / 8);
  }
};

struct EmitCABIPass : onnx_mlc::impl::EmitCABIPassBase<EmitCABIPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entry = module.lookupSymbol<func::FuncOp>("main_graph");
    if (!entry) {
      module.emitError("mlc-emit-c-abi: no function @main_graph");
      return signalPassFailure();
    }
    SmallVector<TensorSig> inputs, outputs;
    if (failed(readSignature(entry, inputs, outputs)))
      return signalPassFailure();
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    declareLibc(b, module);
    emitRun(b, entry, inputs, outputs);
    emitFree(b);
    emitVersionAndMessages(b);
    emitSignature(b, "input", inputs);
    emitSignature(b, "output", outputs);
  }

  std::string sym(StringRef suffix) { return prefix + "_" + suffix.str(); }

  LogicalResult readSignature(func::FuncOp entry, SmallVector<TensorSig> &inputs,
                              SmallVector<TensorSig> &outputs) {
    auto inNames = entry->getAttrOfType<ArrayAttr>("mlc.input_names");
    auto outNames = entry->getAttrOfType<ArrayAttr>("mlc.output_names");
    FunctionType fnType = entry.getFunctionType();
    if (!inNames || !outNames || fnType.getNumInputs() < inNames.size()) {
      entry.emitError("mlc-emit-c-abi: expects a bufferized @main_graph with "
                      "mlc.input_names and mlc.output_names");
      return failure();
    }
    auto types = [&](StringRef attr, size_t i) -> Type {
      if (auto a = entry->getAttrOfType<ArrayAttr>(attr))
        if (i < a.size())
          if (auto t = dyn_cast<TypeAttr>(a[i]))
            return cast<ShapedType>(t.getValue()).getElementType();
      return {};
    };
    auto dims = [&](StringRef attr, size_t i, int64_t rank) {
      SmallVector<std::string> names(rank);
      if (auto a = entry->getAttrOfType<ArrayAttr>(attr))
        if (i < a.size())
          if (auto list = dyn_cast<ArrayAttr>(a[i]))
            for (auto [d, n] : llvm::enumerate(list))
              if (d < (size_t)rank)
                if (auto s = dyn_cast<StringAttr>(n))
                  names[d] = s.str();
      return names;
    };
    auto make = [&](StringRef name, Type argType, Type onnxElem, StringRef dimsAttr,
                    size_t i) -> FailureOr<TensorSig> {
      auto memref = dyn_cast<MemRefType>(argType);
      if (!memref || !memref.getLayout().isIdentity()) {
        entry.emitError("mlc-emit-c-abi: '") << name << "' has unsupported type " << argType;
        return failure();
      }
      int32_t dtype = onnxDtype(onnxElem ? onnxElem : memref.getElementType());
      if (!dtype) {
        entry.emitError("mlc-emit-c-abi: '") << name << "' has no ONNX dtype";
        return failure();
      }
      return TensorSig{name.str(), dtype, memref, dims(dimsAttr, i, memref.getRank())};
    };
    size_t numIn = inNames.size();
    for (size_t i = 0; i < numIn; ++i) {
      auto sig = make(cast<StringAttr>(inNames[i]).getValue(), fnType.getInput(i),
                      types("mlc.input_types", i), "mlc.input_dims", i);
      if (failed(sig))
        return failure();
      inputs.push_back(*sig);
    }
    // Static-shaped outputs are trailing arguments, the rest are results
    // after the status.
    ArrayRef<Type> results = fnType.getResults();
    hasStatus = !results.empty() && results[0].isInteger(32);
    if (hasStatus)
      results = results.drop_front();
    size_t nextArg = numIn, nextResult = 0;
    auto outTypes = entry->getAttrOfType<ArrayAttr>("mlc.output_types");
    for (size_t i = 0; i < outNames.size(); ++i) {
      StringRef name = cast<StringAttr>(outNames[i]).getValue();
      // Outputs of static shape were made out-parameters
      // (mlc-static-results-to-out-params); the rest are results.
      bool isArg;
      if (outTypes && i < outTypes.size())
        isArg = cast<ShapedType>(cast<TypeAttr>(outTypes[i]).getValue()).hasStaticShape();
      else
        isArg = nextResult >= results.size();
      Type t = isArg ? fnType.getInput(nextArg++) : nextResult < results.size()
                                                        ? results[nextResult++]
                                                        : Type();
      if (!t) {
        entry.emitError("mlc-emit-c-abi: output '") << name << "' is neither an argument nor a result";
        return failure();
      }
      auto sig = make(name, t, types("mlc.output_types", i), "mlc.output_dims", i);
      if (failed(sig))
        return failure();
      sig->returned = !isArg;
      outputs.push_back(*sig);
    }
    // The workspace (mlc-plan-workspace) is the last argument.
    if (auto size = entry->getAttrOfType<IntegerAttr>("mlc.workspace_size"))
      workspaceSize = size.getInt();
    size_t numArgs = fnType.getNumInputs() - (workspaceSize ? 1 : 0);
    if (nextArg != numArgs || nextResult != results.size()) {
      entry.emitError("mlc-emit-c-abi: the signature does not match the output names");
      return failure();
    }
    return success();
  }

  void declareLibc(OpBuilder &b, ModuleOp module) {
    MLIRContext *ctx = b.getContext();
    Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = b.getI64Type();
    auto declare = [&](StringRef name, Type result, ArrayRef<Type> args) {
      if (!module.lookupSymbol(name))
        LLVM::LLVMFuncOp::create(b, module.getLoc(), name,
                                 LLVM::LLVMFunctionType::get(result, args));
    };
    declare("aligned_alloc", ptr, {i64, i64});
    declare("free", LLVM::LLVMVoidType::get(ctx), {ptr});
    // The workspace cache of the runtime (Runtime.mlir), linked in later.
    declare("mlc_workspace_take", ptr, {i64});
    declare("mlc_workspace_give", LLVM::LLVMVoidType::get(ctx), {ptr});
  }

  /// Branches to a new block when `cond` holds, and otherwise to a block
  /// built by `onFailure` (which must end it); continues in the new block.
  void check(OpBuilder &b, Location loc, Value cond, function_ref<void(OpBuilder &)> onFailure) {
    Region *region = b.getInsertionBlock()->getParent();
    Block *next = new Block(), *fail = new Block();
    region->push_back(fail);
    region->push_back(next);
    cf::CondBranchOp::create(b, loc, cond, next, fail);
    OpBuilder fb = OpBuilder::atBlockBegin(fail);
    onFailure(fb);
    b.setInsertionPointToStart(next);
  }

  void emitRun(OpBuilder &b, func::FuncOp entry, ArrayRef<TensorSig> inputs,
               ArrayRef<TensorSig> outputs) {
    MLIRContext *ctx = b.getContext();
    Location loc = entry.getLoc();
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    // struct mlc_tensor { void *data; int64_t *shape; int32_t dtype; int32_t rank; }
    auto tensorStruct = LLVM::LLVMStructType::getLiteral(ctx, {ptr, ptr, i32, i32});

    auto fn = func::FuncOp::create(b, loc, sym("run"),
                                   b.getFunctionType({ptr, i64, ptr, i64}, {i32}));
    Block *body = fn.addEntryBlock();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    Value inArray = body->getArgument(0), outArray = body->getArgument(2);

    auto c64 = [&](int64_t v) -> Value { return arith::ConstantIntOp::create(b, loc, i64, v); };
    auto eq = [&](Value v, int64_t expected) -> Value {
      Value c = arith::ConstantIntOp::create(b, loc, v.getType(), expected);
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, c);
    };
    Value nullPtr = LLVM::ZeroOp::create(b, loc, ptr);
    auto notNull = [&](Value p) -> Value {
      return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, p, nullPtr);
    };
    auto fail = [&](int32_t code) {
      return [=](OpBuilder &fb) {
        func::ReturnOp::create(fb, loc, ValueRange{arith::ConstantIntOp::create(fb, loc, code, 32)});
      };
    };
    auto fieldPtr = [&](Value array, int64_t index, int32_t f) -> Value {
      return LLVM::GEPOp::create(b, loc, ptr, tensorStruct, array,
                                 ArrayRef<LLVM::GEPArg>{(int32_t)index, f});
    };
    auto field = [&](Value array, int64_t index, int32_t f, Type t) -> Value {
      return LLVM::LoadOp::create(b, loc, t, fieldPtr(array, index, f));
    };
    auto elementPtr = [&](Value base, Value index, Type elem) -> Value {
      return LLVM::GEPOp::create(b, loc, ptr, elem, base, ArrayRef<LLVM::GEPArg>{index});
    };

    check(b, loc, eq(body->getArgument(1), inputs.size()), fail(MLC_ERR_INPUT_COUNT));
    check(b, loc, eq(body->getArgument(3), outputs.size()), fail(MLC_ERR_OUTPUT_COUNT));
    if (!inputs.empty())
      check(b, loc, notNull(inArray), fail(MLC_ERR_NULL_POINTER));
    if (!outputs.empty())
      check(b, loc, notNull(outArray), fail(MLC_ERR_NULL_POINTER));

    // Checks a descriptor's dtype and rank; returns its sizes (loaded from
    // `shape`, which must not be null when the rank is positive).
    auto checkHeader = [&](Value array, int64_t i, const TensorSig &sig) {
      check(b, loc, eq(field(array, i, 2, i32), sig.dtype), fail(MLC_ERR_DTYPE));
      int64_t rank = sig.type.getRank();
      check(b, loc, eq(field(array, i, 3, i32), rank), fail(MLC_ERR_RANK));
      Value shape = field(array, i, 1, ptr);
      if (rank > 0)
        check(b, loc, notNull(shape), fail(MLC_ERR_NULL_POINTER));
      return shape;
    };
    auto loadSizes = [&](Value shape, const TensorSig &sig) {
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < sig.type.getRank(); ++d)
        sizes.push_back(LLVM::LoadOp::create(b, loc, i64, elementPtr(shape, c64(d), i64)));
      return sizes;
    };

    // Inputs: static sizes must match, dynamic ones be >= 0, and sizes that
    // share a dim_param agree.
    llvm::StringMap<Value> named;
    SmallVector<Value> callArgs;
    for (auto [i, sig] : llvm::enumerate(inputs)) {
      Value data = field(inArray, i, 0, ptr);
      check(b, loc, notNull(data), fail(MLC_ERR_NULL_POINTER));
      Value shape = checkHeader(inArray, i, sig);
      SmallVector<Value> sizes = loadSizes(shape, sig);
      for (auto [d, size] : llvm::enumerate(sizes)) {
        if (!sig.type.isDynamicDim(d)) {
          check(b, loc, eq(size, sig.type.getDimSize(d)), fail(MLC_ERR_SHAPE));
          continue;
        }
        check(b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, size, c64(0)),
              fail(MLC_ERR_SHAPE));
        const std::string &dimName = sig.dimNames[d];
        if (dimName.empty())
          continue;
        if (Value first = named.lookup(dimName))
          check(b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size, first),
                fail(MLC_ERR_DIM_MISMATCH));
        else
          named[dimName] = size;
      }
      callArgs.push_back(descriptor(b, loc, data, sizes, sig.type));
    }

    // Outputs: check every descriptor before allocating anything.
    SmallVector<Value> outShapes;
    for (auto [i, sig] : llvm::enumerate(outputs)) {
      Value shape = checkHeader(outArray, i, sig);
      outShapes.push_back(shape);
      if (sig.returned)
        continue;
      Value data = field(outArray, i, 0, ptr);
      // With a caller's buffer, the shape given must be the output's.
      Value given = notNull(data);
      for (auto [d, size] : llvm::enumerate(loadSizes(shape, sig))) {
        Value ok = arith::OrIOp::create(
            b, loc, arith::XOrIOp::create(b, loc, given, arith::ConstantIntOp::create(b, loc, 1, 1)),
            eq(size, sig.type.getDimSize(d)));
        check(b, loc, ok, fail(MLC_ERR_SHAPE));
      }
    }
    // Allocate the static outputs the caller left to the library; on any
    // failure from here on, free what was allocated and restore NULL.
    SmallVector<Value> allocatedHere(outputs.size());
    auto freeAllocated = [&](OpBuilder &fb) {
      for (auto [i, owned] : llvm::enumerate(allocatedHere)) {
        if (!owned)
          continue;
        // free(NULL) does nothing, so a caller's buffer is left alone; a
        // buffer allocated here is freed and the caller's NULL restored.
        LLVM::CallOp::create(fb, loc, TypeRange{}, "free", ValueRange{owned});
        Value slot = LLVM::GEPOp::create(fb, loc, ptr, tensorStruct, outArray,
                                         ArrayRef<LLVM::GEPArg>{(int32_t)i, 0});
        Value current = LLVM::LoadOp::create(fb, loc, ptr, slot);
        Value mine = LLVM::ICmpOp::create(fb, loc, LLVM::ICmpPredicate::eq, current, owned);
        LLVM::StoreOp::create(fb, loc,
                              LLVM::SelectOp::create(fb, loc, mine, LLVM::ZeroOp::create(fb, loc, ptr), current),
                              slot);
      }
    };
    for (auto [i, sig] : llvm::enumerate(outputs)) {
      if (sig.returned)
        continue;
      Value slot = fieldPtr(outArray, i, 0);
      Value data = LLVM::LoadOp::create(b, loc, ptr, slot);
      Value wasNull = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, data, nullPtr);
      int64_t bytes = sig.type.getNumElements() * sig.bytesPerElement();
      int64_t rounded = std::max<int64_t>(64, (bytes + 63) / 64 * 64);
      Block *allocBlock = new Block(), *join = new Block();
      join->addArgument(ptr, loc);
      join->addArgument(ptr, loc);
      Region *region = b.getInsertionBlock()->getParent();
      region->push_back(allocBlock);
      region->push_back(join);
      cf::CondBranchOp::create(b, loc, wasNull, allocBlock, ValueRange{}, join,
                               ValueRange{data, nullPtr});
      {
        OpBuilder ab = OpBuilder::atBlockBegin(allocBlock);
        Value p = LLVM::CallOp::create(
                      ab, loc, TypeRange{ptr}, "aligned_alloc",
                      ValueRange{arith::ConstantIntOp::create(ab, loc, i64, 64),
                                 arith::ConstantIntOp::create(ab, loc, i64, rounded)})
                      .getResult();
        cf::BranchOp::create(ab, loc, join, ValueRange{p, p});
      }
      b.setInsertionPointToStart(join);
      Value buffer = join->getArgument(0), owned = join->getArgument(1);
      Value gotMemory = notNull(buffer);
      check(b, loc, gotMemory, [&](OpBuilder &fb) {
        freeAllocated(fb);
        func::ReturnOp::create(fb, loc, ValueRange{arith::ConstantIntOp::create(fb, loc, MLC_ERR_OUT_OF_MEMORY, 32)});
      });
      allocatedHere[i] = owned;
      LLVM::StoreOp::create(b, loc, buffer, slot);
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < sig.type.getRank(); ++d) {
        sizes.push_back(c64(sig.type.getDimSize(d)));
        LLVM::StoreOp::create(b, loc, sizes.back(), elementPtr(outShapes[i], c64(d), i64));
      }
      callArgs.push_back(descriptor(b, loc, buffer, sizes, sig.type));
    }

    // The intermediate buffers' workspace (mlc-plan-workspace): a block the
    // runtime keeps between calls, handed back as soon as the model returns.
    Value workspace;
    if (workspaceSize) {
      workspace = LLVM::CallOp::create(b, loc, TypeRange{ptr}, "mlc_workspace_take",
                                       ValueRange{c64(workspaceSize)})
                      .getResult();
      check(b, loc, notNull(workspace), [&](OpBuilder &fb) {
        freeAllocated(fb);
        func::ReturnOp::create(
            fb, loc, ValueRange{arith::ConstantIntOp::create(fb, loc, MLC_ERR_OUT_OF_MEMORY, 32)});
      });
      callArgs.push_back(descriptor(b, loc, workspace, {c64(workspaceSize)},
                                    MemRefType::get({workspaceSize}, b.getI8Type())));
    }
    auto call = func::CallOp::create(b, loc, entry, callArgs);
    if (workspace)
      LLVM::CallOp::create(b, loc, TypeRange{}, "mlc_workspace_give", ValueRange{workspace});
    ValueRange returned = call.getResults();
    // The returned outputs' pointers (allocated by the model, so free-able)
    // and sizes.
    SmallVector<Value> retPtrs;
    SmallVector<SmallVector<Value>> retSizes;
    auto freeReturned = [&](OpBuilder &fb) {
      for (Value p : retPtrs)
        LLVM::CallOp::create(fb, loc, TypeRange{}, "free", ValueRange{p});
    };
    {
      size_t next = hasStatus ? 1 : 0;
      for (const TensorSig &sig : outputs) {
        if (!sig.returned)
          continue;
        Value m = returned[next++];
        Value addr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, m);
        Value addr64 = arith::IndexCastOp::create(b, loc, i64, addr);
        retPtrs.push_back(LLVM::IntToPtrOp::create(b, loc, ptr, addr64));
        SmallVector<Value> sizes;
        for (int64_t d = 0; d < sig.type.getRank(); ++d)
          sizes.push_back(arith::IndexCastOp::create(
              b, loc, i64, memref::DimOp::create(b, loc, m, d).getResult()));
        retSizes.push_back(sizes);
      }
    }
    if (hasStatus) {
      Value status = returned[0];
      check(b, loc, eq(status, MLC_OK), [&](OpBuilder &fb) {
        freeAllocated(fb);
        freeReturned(fb);
        func::ReturnOp::create(fb, loc, ValueRange{status});
      });
    }
    // Hand over or copy the returned outputs.
    size_t r = 0;
    for (auto [i, sig] : llvm::enumerate(outputs)) {
      if (!sig.returned)
        continue;
      Value slot = fieldPtr(outArray, i, 0);
      Value data = LLVM::LoadOp::create(b, loc, ptr, slot);
      Value given = notNull(data);
      // Sizes must match a caller's buffer.
      for (auto [d, size] : llvm::enumerate(retSizes[r])) {
        Value want = LLVM::LoadOp::create(b, loc, i64, elementPtr(outShapes[i], c64(d), i64));
        Value ok = arith::OrIOp::create(
            b, loc, arith::XOrIOp::create(b, loc, given, arith::ConstantIntOp::create(b, loc, 1, 1)),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size, want));
        check(b, loc, ok, [&](OpBuilder &fb) {
          freeAllocated(fb);
          freeReturned(fb);
          func::ReturnOp::create(fb, loc, ValueRange{arith::ConstantIntOp::create(fb, loc, MLC_ERR_SHAPE, 32)});
        });
      }
      ++r;
    }
    r = 0;
    for (auto [i, sig] : llvm::enumerate(outputs)) {
      if (!sig.returned)
        continue;
      Value slot = fieldPtr(outArray, i, 0);
      Value data = LLVM::LoadOp::create(b, loc, ptr, slot);
      Value given = notNull(data);
      Value count = c64(1);
      for (Value s : retSizes[r])
        count = arith::MulIOp::create(b, loc, count, s);
      Value bytes = arith::MulIOp::create(b, loc, count, c64(sig.bytesPerElement()));
      Block *copyBlock = new Block(), *handBlock = new Block(), *join = new Block();
      Region *region = b.getInsertionBlock()->getParent();
      region->push_back(copyBlock);
      region->push_back(handBlock);
      region->push_back(join);
      cf::CondBranchOp::create(b, loc, given, copyBlock, handBlock);
      {
        OpBuilder cb = OpBuilder::atBlockBegin(copyBlock);
        LLVM::MemcpyOp::create(cb, loc, data, retPtrs[r], bytes, /*isVolatile=*/false);
        LLVM::CallOp::create(cb, loc, TypeRange{}, "free", ValueRange{retPtrs[r]});
        cf::BranchOp::create(cb, loc, join);
      }
      {
        OpBuilder hb = OpBuilder::atBlockBegin(handBlock);
        LLVM::StoreOp::create(hb, loc, retPtrs[r], slot);
        for (auto [d, size] : llvm::enumerate(retSizes[r]))
          LLVM::StoreOp::create(
              hb, loc, size,
              LLVM::GEPOp::create(hb, loc, ptr, i64, outShapes[i],
                                  ArrayRef<LLVM::GEPArg>{(int32_t)d}));
        cf::BranchOp::create(hb, loc, join);
      }
      b.setInsertionPointToStart(join);
      ++r;
    }
    func::ReturnOp::create(b, loc, ValueRange{arith::ConstantIntOp::create(b, loc, MLC_OK, 32)});
    // Only the C ABI is exported; the model function gets internal linkage.
    entry.setPrivate();
    entry->setAttr("llvm.linkage", LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
  }

  /// The memref descriptor of a contiguous, row-major buffer at `data`.
  Value descriptor(OpBuilder &b, Location loc, Value data, ArrayRef<Value> sizes,
                   MemRefType type) {
    MLIRContext *ctx = b.getContext();
    Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = b.getI64Type();
    int64_t rank = type.getRank();
    SmallVector<Type> fields{ptr, ptr, i64};
    if (rank > 0) {
      fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
      fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    }
    auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
    Value desc = LLVM::PoisonOp::create(b, loc, descType);
    desc = LLVM::InsertValueOp::create(b, loc, desc, data, ArrayRef<int64_t>{0});
    desc = LLVM::InsertValueOp::create(b, loc, desc, data, ArrayRef<int64_t>{1});
    Value stride = arith::ConstantIntOp::create(b, loc, i64, 1);
    desc = LLVM::InsertValueOp::create(b, loc, desc, arith::ConstantIntOp::create(b, loc, i64, 0),
                                       ArrayRef<int64_t>{2});
    for (int64_t d = rank - 1; d >= 0; --d) {
      desc = LLVM::InsertValueOp::create(b, loc, desc, sizes[d], ArrayRef<int64_t>{3, d});
      desc = LLVM::InsertValueOp::create(b, loc, desc, stride, ArrayRef<int64_t>{4, d});
      stride = arith::MulIOp::create(b, loc, stride, sizes[d]);
    }
    return UnrealizedConversionCastOp::create(b, loc, type, desc).getResult(0);
  }

  /// void <prefix>_free(void *data): releases an output the library allocated.
  void emitFree(OpBuilder &b) {
    Location loc = b.getUnknownLoc();
    Type ptr = LLVM::LLVMPointerType::get(b.getContext());
    auto fn = func::FuncOp::create(b, loc, sym("free"), b.getFunctionType({ptr}, {}));
    OpBuilder fb = OpBuilder::atBlockBegin(fn.addEntryBlock());
    LLVM::CallOp::create(fb, loc, TypeRange{}, "free", ValueRange{fn.getArgument(0)});
    func::ReturnOp::create(fb, loc);
  }

  /// A constant global array, internal to the library.
  LLVM::GlobalOp addGlobal(OpBuilder &b, Location loc, StringRef name, Type elem,
                           Attribute values, int64_t count) {
    auto type = LLVM::LLVMArrayType::get(elem, std::max<int64_t>(count, 1));
    return LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true, LLVM::Linkage::Internal,
                                  sym(name), values);
  }

  /// A table of NUL-separated strings and the offsets of each.
  std::pair<LLVM::GlobalOp, LLVM::GlobalOp> addStrings(OpBuilder &b, Location loc, StringRef name,
                                                       ArrayRef<std::string> strings) {
    std::string text;
    SmallVector<int32_t> offsets;
    for (const std::string &s : strings) {
      offsets.push_back(text.size());
      text += s;
      text.push_back('\0');
    }
    if (text.empty())
      text.push_back('\0');
    if (offsets.empty())
      offsets.push_back(0);
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    auto chars = addGlobal(b, loc, name.str() + "_text", i8, b.getStringAttr(text), text.size());
    auto offs = addGlobal(
        b, loc, name.str() + "_offsets", i32,
        DenseElementsAttr::get(RankedTensorType::get({(int64_t)offsets.size()}, i32),
                               ArrayRef<int32_t>(offsets)),
        offsets.size());
    return {chars, offs};
  }

  Value loadGlobal(OpBuilder &b, Location loc, LLVM::GlobalOp g, Type t, Value index) {
    Type ptr = LLVM::LLVMPointerType::get(b.getContext());
    Value base = LLVM::AddressOfOp::create(b, loc, g);
    Value p = LLVM::GEPOp::create(b, loc, ptr, g.getType(), base, ArrayRef<LLVM::GEPArg>{0, index});
    return LLVM::LoadOp::create(b, loc, t, p);
  }
  Value globalElement(OpBuilder &b, Location loc, LLVM::GlobalOp g, Value index) {
    Type ptr = LLVM::LLVMPointerType::get(b.getContext());
    Value base = LLVM::AddressOfOp::create(b, loc, g);
    return LLVM::GEPOp::create(b, loc, ptr, g.getType(), base, ArrayRef<LLVM::GEPArg>{0, index});
  }

  /// `i` when it is in [0, n), else 0; and whether it was.
  std::pair<Value, Value> clampIndex(OpBuilder &b, Location loc, Value i, int64_t n) {
    Value zero = arith::ConstantIntOp::create(b, loc, 0, 32);
    Value inRange = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, i, zero),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i,
                              arith::ConstantIntOp::create(b, loc, n, 32)));
    return {arith::SelectOp::create(b, loc, inRange, i, zero), inRange};
  }

  void emitVersionAndMessages(OpBuilder &b) {
    Location loc = b.getUnknownLoc();
    Type ptr = LLVM::LLVMPointerType::get(b.getContext()), i32 = b.getI32Type();
    {
      auto fn = func::FuncOp::create(b, loc, sym("abi_version"), b.getFunctionType({}, {i32}));
      OpBuilder fb = OpBuilder::atBlockBegin(fn.addEntryBlock());
      func::ReturnOp::create(fb, loc, ValueRange{arith::ConstantIntOp::create(fb, loc, MLC_ABI_VERSION, 32)});
    }
    {
      // int64_t <prefix>_workspace_size(void): the bytes of the workspace a
      // call uses for intermediate buffers (mlc-plan-workspace).
      Type i64 = b.getI64Type();
      auto fn = func::FuncOp::create(b, loc, sym("workspace_size"), b.getFunctionType({}, {i64}));
      OpBuilder fb = OpBuilder::atBlockBegin(fn.addEntryBlock());
      func::ReturnOp::create(fb, loc,
                             ValueRange{arith::ConstantIntOp::create(fb, loc, i64, workspaceSize)});
    }
    SmallVector<std::string> messages(std::begin(kStatusMessages), std::end(kStatusMessages));
    messages.push_back("unknown status");
    auto [text, offsets] = addStrings(b, loc, "_status", messages);
    auto fn = func::FuncOp::create(b, loc, sym("status_message"), b.getFunctionType({i32}, {ptr}));
    OpBuilder fb = OpBuilder::atBlockBegin(fn.addEntryBlock());
    auto [safe, inRange] = clampIndex(fb, loc, fn.getArgument(0), messages.size() - 1);
    Value index = arith::SelectOp::create(
        fb, loc, inRange, safe, arith::ConstantIntOp::create(fb, loc, messages.size() - 1, 32));
    Value off = loadGlobal(fb, loc, offsets, i32, index);
    func::ReturnOp::create(fb, loc, ValueRange{globalElement(fb, loc, text, off)});
  }

  void emitSignature(OpBuilder &b, StringRef kind, ArrayRef<TensorSig> sigs) {
    Location loc = b.getUnknownLoc();
    MLIRContext *ctx = b.getContext();
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    int64_t n = sigs.size();

    SmallVector<int32_t> dtypes, ranks, dimOffsets;
    SmallVector<int64_t> dims;
    SmallVector<std::string> names, dimNames;
    for (const TensorSig &s : sigs) {
      dtypes.push_back(s.dtype);
      ranks.push_back(s.type.getRank());
      dimOffsets.push_back(dims.size());
      for (int64_t d = 0; d < s.type.getRank(); ++d) {
        dims.push_back(s.type.isDynamicDim(d) ? -1 : s.type.getDimSize(d));
        dimNames.push_back(s.dimNames[d]);
      }
      names.push_back(s.name);
    }
    auto i32Array = [&](SmallVector<int32_t> v) {
      if (v.empty())
        v.push_back(0);
      return DenseElementsAttr::get(RankedTensorType::get({(int64_t)v.size()}, i32),
                                    ArrayRef<int32_t>(v));
    };
    std::string base = "_" + kind.str();
    auto dtypeG = addGlobal(b, loc, base + "_dtypes", i32, i32Array(dtypes), n);
    auto rankG = addGlobal(b, loc, base + "_ranks", i32, i32Array(ranks), n);
    auto dimOffG = addGlobal(b, loc, base + "_dim_offsets", i32, i32Array(dimOffsets), n);
    SmallVector<int64_t> dimValues = dims;
    if (dimValues.empty())
      dimValues.push_back(0);
    auto dimsG = addGlobal(b, loc, base + "_dims", i64,
                           DenseElementsAttr::get(
                               RankedTensorType::get({(int64_t)dimValues.size()}, i64),
                               ArrayRef<int64_t>(dimValues)),
                           dimValues.size());
    auto [nameText, nameOffsets] = addStrings(b, loc, base + "_names", names);
    auto [dimText, dimTextOffsets] = addStrings(b, loc, base + "_dim_names", dimNames);

    // int32_t <prefix>_num_<kind>s(void)
    {
      auto fn = func::FuncOp::create(b, loc, sym(("num_" + kind + "s").str()),
                                     b.getFunctionType({}, {i32}));
      OpBuilder fb = OpBuilder::atBlockBegin(fn.addEntryBlock());
      func::ReturnOp::create(fb, loc, ValueRange{arith::ConstantIntOp::create(fb, loc, n, 32)});
    }
    // Accessors indexed by i; out of range gives `fallback`.
    auto accessor = [&](StringRef what, Type result, auto computeFn) {
      auto fn = func::FuncOp::create(b, loc, sym((kind + "_" + what).str()),
                                     b.getFunctionType({i32}, {result}));
      OpBuilder fb = OpBuilder::atBlockBegin(fn.addEntryBlock());
      auto [safe, inRange] = clampIndex(fb, loc, fn.getArgument(0), n);
      auto [value, fallback] = computeFn(fb, safe);
      func::ReturnOp::create(fb, loc, ValueRange{arith::SelectOp::create(fb, loc, inRange, value, fallback)});
    };
    auto constI32 = [&](OpBuilder &fb, int32_t v) -> Value {
      return arith::ConstantIntOp::create(fb, loc, v, 32);
    };
    accessor("dtype", i32, [&](OpBuilder &fb, Value i) {
      return std::pair(loadGlobal(fb, loc, dtypeG, i32, i), constI32(fb, 0));
    });
    accessor("rank", i32, [&](OpBuilder &fb, Value i) {
      return std::pair(loadGlobal(fb, loc, rankG, i32, i), constI32(fb, -1));
    });
    accessor("shape", ptr, [&](OpBuilder &fb, Value i) {
      Value off = loadGlobal(fb, loc, dimOffG, i32, i);
      return std::pair(globalElement(fb, loc, dimsG, off), (Value)LLVM::ZeroOp::create(fb, loc, ptr));
    });
    accessor("name", ptr, [&](OpBuilder &fb, Value i) {
      Value off = loadGlobal(fb, loc, nameOffsets, i32, i);
      return std::pair(globalElement(fb, loc, nameText, off), (Value)LLVM::ZeroOp::create(fb, loc, ptr));
    });
    // const char *<prefix>_<kind>_dim_name(int32_t i, int32_t d)
    {
      auto fn = func::FuncOp::create(b, loc, sym((kind + "_dim_name").str()),
                                     b.getFunctionType({i32, i32}, {ptr}));
      OpBuilder fb = OpBuilder::atBlockBegin(fn.addEntryBlock());
      auto [safe, inRange] = clampIndex(fb, loc, fn.getArgument(0), n);
      Value rank = loadGlobal(fb, loc, rankG, i32, safe);
      Value d = fn.getArgument(1);
      Value dOk = arith::AndIOp::create(
          fb, loc, arith::CmpIOp::create(fb, loc, arith::CmpIPredicate::sge, d, constI32(fb, 0)),
          arith::CmpIOp::create(fb, loc, arith::CmpIPredicate::slt, d, rank));
      Value ok = arith::AndIOp::create(fb, loc, inRange, dOk);
      Value flat = arith::AddIOp::create(fb, loc, loadGlobal(fb, loc, dimOffG, i32, safe),
                                         arith::SelectOp::create(fb, loc, ok, d, constI32(fb, 0)));
      flat = arith::SelectOp::create(fb, loc, ok, flat, constI32(fb, 0));
      Value off = loadGlobal(fb, loc, dimTextOffsets, i32, flat);
      Value name = globalElement(fb, loc, dimText, off);
      func::ReturnOp::create(
          fb, loc, ValueRange{arith::SelectOp::create(fb, loc, ok, name, LLVM::ZeroOp::create(fb, loc, ptr))});
    }
  }

  bool hasStatus = false;
  int64_t workspaceSize = 0; // @main_graph's mlc.workspace_size; 0: none
};

} // namespace
