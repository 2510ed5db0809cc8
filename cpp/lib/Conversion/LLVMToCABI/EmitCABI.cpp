//===- EmitCABI.cpp - The exported C entry points of a compiled model -----===//
//
// Runs on the bufferized module, before the lowering to LLVM. The wrapper
// builds each memref descriptor from the caller's raw pointer and casts it
// with unrealized_conversion_cast; once func and memref are lowered, those
// casts meet their inverses and vanish, leaving plain LLVM code.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc/Conversion/Passes.h"

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

/// Error codes of <prefix>_run; the generated header defines the same.
enum ErrorCode : int32_t {
  kOk = 0,
  kBadInputCount = 1,
  kBadOutputCount = 2,
  kNullPointer = 3,
  kBadDtype = 4,
  kBadRank = 5,
  kBadShape = 6,
};

/// ONNX TensorProto.DataType of an element type, or 0 if it has none.
int32_t onnxDtype(Type t) {
  if (t.isF32()) return 1;
  if (t.isUnsignedInteger(8)) return 2;
  if (t.isSignlessInteger(8)) return 3;
  if (t.isUnsignedInteger(16)) return 4;
  if (t.isSignlessInteger(16)) return 5;
  if (t.isSignlessInteger(32)) return 6;
  if (t.isSignlessInteger(64)) return 7;
  if (t.isSignlessInteger(1)) return 9;
  if (t.isF16()) return 10;
  if (t.isF64()) return 11;
  if (t.isUnsignedInteger(32)) return 12;
  if (t.isUnsignedInteger(64)) return 13;
  if (t.isBF16()) return 16;
  return 0;
}

struct TensorSig {
  std::string name;
  MemRefType type;
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
    auto inNames = entry->getAttrOfType<ArrayAttr>("mlc.input_names");
    auto outNames = entry->getAttrOfType<ArrayAttr>("mlc.output_names");
    FunctionType fnType = entry.getFunctionType();
    if (!inNames || !outNames || fnType.getNumResults() != 0 ||
        fnType.getNumInputs() != inNames.size() + outNames.size()) {
      entry.emitError("mlc-emit-c-abi: expects a bufferized @main_graph with "
                      "out-parameters and mlc.input_names/mlc.output_names");
      return signalPassFailure();
    }
    SmallVector<TensorSig> inputs, outputs;
    for (auto [i, argType] : llvm::enumerate(fnType.getInputs())) {
      auto memref = dyn_cast<MemRefType>(argType);
      if (!memref || !memref.getLayout().isIdentity() || !memref.hasStaticShape() ||
          !onnxDtype(memref.getElementType())) {
        entry.emitError("mlc-emit-c-abi: argument ")
            << i << " has unsupported type " << argType;
        return signalPassFailure();
      }
      bool isInput = i < inNames.size();
      StringRef name = cast<StringAttr>(isInput ? inNames[i] : outNames[i - inNames.size()])
                           .getValue();
      (isInput ? inputs : outputs).push_back({name.str(), memref});
    }
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    emitRun(b, entry, inputs, outputs);
    emitSignature(b, "input", inputs);
    emitSignature(b, "output", outputs);
  }

  std::string sym(StringRef suffix) { return prefix + "_" + suffix.str(); }

  /// Ends the current block with a branch to `error` (returning `code`)
  /// unless `cond` holds, and continues in a fresh block.
  void check(OpBuilder &b, Location loc, Value cond, Block *error, int32_t code) {
    Region *region = b.getInsertionBlock()->getParent();
    Block *next = new Block();
    region->push_back(next);
    Value c = arith::ConstantIntOp::create(b, loc, code, 32);
    cf::CondBranchOp::create(b, loc, cond, next, ValueRange{}, error, ValueRange{c});
    b.setInsertionPointToStart(next);
  }

  void emitRun(OpBuilder &b, func::FuncOp entry, ArrayRef<TensorSig> inputs,
               ArrayRef<TensorSig> outputs) {
    MLIRContext *ctx = b.getContext();
    Location loc = entry.getLoc();
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    // struct mlc_tensor { void *data; const int64_t *shape; int32_t dtype; int32_t rank; }
    auto tensorStruct = LLVM::LLVMStructType::getLiteral(ctx, {ptr, ptr, i32, i32});

    auto fn = func::FuncOp::create(b, loc, sym("run"),
                                   b.getFunctionType({ptr, i64, ptr, i64}, {i32}));
    Block *body = fn.addEntryBlock();
    Block *error = new Block();
    fn.getBody().push_back(error);
    error->addArgument(i32, loc);
    OpBuilder eb = OpBuilder::atBlockBegin(error);
    func::ReturnOp::create(eb, loc, error->getArgument(0));

    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    auto eqI64 = [&](Value v, int64_t expected) -> Value {
      Type t = v.getType();
      Value c = arith::ConstantIntOp::create(b, loc, t, expected);
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, c);
    };
    check(b, loc, eqI64(body->getArgument(1), inputs.size()), error, kBadInputCount);
    check(b, loc, eqI64(body->getArgument(3), outputs.size()), error, kBadOutputCount);
    Value nullPtr = LLVM::ZeroOp::create(b, loc, ptr);
    auto notNull = [&](Value p) {
      return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, p, nullPtr);
    };
    if (!inputs.empty())
      check(b, loc, notNull(body->getArgument(0)), error, kNullPointer);
    if (!outputs.empty())
      check(b, loc, notNull(body->getArgument(2)), error, kNullPointer);

    SmallVector<Value> callArgs;
    auto unpack = [&](Value array, int64_t index, const TensorSig &sig) {
      auto field = [&](int32_t f, Type t) -> Value {
        Value p = LLVM::GEPOp::create(b, loc, ptr, tensorStruct, array,
                                      ArrayRef<LLVM::GEPArg>{(int32_t)index, f});
        return LLVM::LoadOp::create(b, loc, t, p);
      };
      Value data = field(0, ptr);
      check(b, loc, notNull(data), error, kNullPointer);
      check(b, loc, eqI64(field(2, i32), onnxDtype(sig.type.getElementType())), error,
            kBadDtype);
      int64_t rank = sig.type.getRank();
      check(b, loc, eqI64(field(3, i32), rank), error, kBadRank);
      if (rank > 0) {
        Value shape = field(1, ptr);
        check(b, loc, notNull(shape), error, kNullPointer);
        for (int64_t d = 0; d < rank; ++d) {
          Value p = LLVM::GEPOp::create(b, loc, ptr, i64, shape,
                                        ArrayRef<LLVM::GEPArg>{(int32_t)d});
          check(b, loc, eqI64(LLVM::LoadOp::create(b, loc, i64, p), sig.type.getDimSize(d)),
                error, kBadShape);
        }
      }
      // The descriptor of a contiguous, row-major buffer at `data`.
      SmallVector<Type> fields{ptr, ptr, i64};
      if (rank > 0) {
        fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
        fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
      }
      auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
      Value desc = LLVM::PoisonOp::create(b, loc, descType);
      desc = LLVM::InsertValueOp::create(b, loc, desc, data, ArrayRef<int64_t>{0});
      desc = LLVM::InsertValueOp::create(b, loc, desc, data, ArrayRef<int64_t>{1});
      auto constI64 = [&](int64_t v) {
        return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
      };
      desc = LLVM::InsertValueOp::create(b, loc, desc, constI64(0), ArrayRef<int64_t>{2});
      int64_t stride = 1;
      for (int64_t d = rank - 1; d >= 0; --d) {
        desc = LLVM::InsertValueOp::create(b, loc, desc, constI64(sig.type.getDimSize(d)),
                                           ArrayRef<int64_t>{3, d});
        desc = LLVM::InsertValueOp::create(b, loc, desc, constI64(stride),
                                           ArrayRef<int64_t>{4, d});
        stride *= sig.type.getDimSize(d);
      }
      callArgs.push_back(
          UnrealizedConversionCastOp::create(b, loc, sig.type, desc).getResult(0));
    };
    for (auto [i, sig] : llvm::enumerate(inputs))
      unpack(body->getArgument(0), i, sig);
    for (auto [i, sig] : llvm::enumerate(outputs))
      unpack(body->getArgument(2), i, sig);
    func::CallOp::create(b, loc, entry, callArgs);
    func::ReturnOp::create(b, loc, ValueRange{arith::ConstantIntOp::create(b, loc, kOk, 32)});
    // Only the C ABI is exported; the model function gets internal linkage.
    entry.setPrivate();
    entry->setAttr("llvm.linkage", LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
  }

  /// A constant global array and an accessor `T <prefix>_<kind>_<what>(int32_t i)`
  /// that returns `load(global[offsetOf(i)])`, or `fallback` out of range.
  LLVM::GlobalOp addGlobal(OpBuilder &b, Location loc, StringRef name, Type elem,
                           Attribute values, int64_t count) {
    auto type = LLVM::LLVMArrayType::get(elem, std::max<int64_t>(count, 1));
    return LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true,
                                  LLVM::Linkage::Internal, sym(name), values);
  }

  void emitSignature(OpBuilder &b, StringRef kind, ArrayRef<TensorSig> sigs) {
    MLIRContext *ctx = b.getContext();
    Location loc = b.getUnknownLoc();
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    Type i32 = b.getI32Type(), i64 = b.getI64Type(), i8 = b.getI8Type();
    int64_t n = sigs.size();

    SmallVector<int32_t> dtypes, ranks, dimOffsets, nameOffsets;
    SmallVector<int64_t> dims;
    std::string names;
    for (const TensorSig &s : sigs) {
      dtypes.push_back(onnxDtype(s.type.getElementType()));
      ranks.push_back(s.type.getRank());
      dimOffsets.push_back(dims.size());
      dims.append(s.type.getShape().begin(), s.type.getShape().end());
      nameOffsets.push_back(names.size());
      names += s.name;
      names.push_back('\0');
    }
    auto padded = [](auto values) {
      if (values.empty())
        values.push_back(0);
      return values;
    };
    auto i32Array = [&](SmallVector<int32_t> v) {
      v = padded(v);
      return DenseElementsAttr::get(RankedTensorType::get({(int64_t)v.size()}, i32),
                                    ArrayRef<int32_t>(v));
    };
    std::string base = "_" + kind.str();
    auto dtypeG = addGlobal(b, loc, base + "_dtypes", i32, i32Array(dtypes), n);
    auto rankG = addGlobal(b, loc, base + "_ranks", i32, i32Array(ranks), n);
    auto dimOffG = addGlobal(b, loc, base + "_dim_offsets", i32, i32Array(dimOffsets), n);
    auto nameOffG = addGlobal(b, loc, base + "_name_offsets", i32, i32Array(nameOffsets), n);
    SmallVector<int64_t> dimValues = padded(dims);
    auto dimsG = addGlobal(
        b, loc, base + "_dims", i64,
        DenseElementsAttr::get(RankedTensorType::get({(int64_t)dimValues.size()}, i64),
                               ArrayRef<int64_t>(dimValues)),
        dimValues.size());
    if (names.empty())
      names.push_back('\0');
    auto namesG = addGlobal(b, loc, base + "_names", i8, b.getStringAttr(names), names.size());

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
      Value i = fn.getArgument(0);
      Value zero = arith::ConstantIntOp::create(fb, loc, 0, 32);
      Value inRange = arith::AndIOp::create(
          fb, loc,
          arith::CmpIOp::create(fb, loc, arith::CmpIPredicate::sge, i, zero),
          arith::CmpIOp::create(fb, loc, arith::CmpIPredicate::slt, i,
                                arith::ConstantIntOp::create(fb, loc, n, 32)));
      Value safe = arith::SelectOp::create(fb, loc, inRange, i, zero);
      auto load = [&](LLVM::GlobalOp g, Type t, Value index) -> Value {
        Value base = LLVM::AddressOfOp::create(fb, loc, g);
        Value p = LLVM::GEPOp::create(fb, loc, ptr, g.getType(), base,
                                      ArrayRef<LLVM::GEPArg>{0, index});
        return LLVM::LoadOp::create(fb, loc, t, p);
      };
      auto elementPtr = [&](LLVM::GlobalOp g, Value index) -> Value {
        Value base = LLVM::AddressOfOp::create(fb, loc, g);
        return LLVM::GEPOp::create(fb, loc, ptr, g.getType(), base,
                                   ArrayRef<LLVM::GEPArg>{0, index});
      };
      auto [value, fallback] = computeFn(fb, safe, load, elementPtr);
      func::ReturnOp::create(
          fb, loc, ValueRange{arith::SelectOp::create(fb, loc, inRange, value, fallback)});
    };
    auto constI32 = [&](OpBuilder &fb, int32_t v) -> Value {
      return arith::ConstantIntOp::create(fb, loc, v, 32);
    };
    accessor("dtype", i32, [&](OpBuilder &fb, Value i, auto load, auto) {
      return std::pair(load(dtypeG, i32, i), constI32(fb, 0));
    });
    accessor("rank", i32, [&](OpBuilder &fb, Value i, auto load, auto) {
      return std::pair(load(rankG, i32, i), constI32(fb, -1));
    });
    accessor("shape", ptr, [&](OpBuilder &fb, Value i, auto load, auto elementPtr) {
      Value off = load(dimOffG, i32, i);
      return std::pair(elementPtr(dimsG, off), (Value)LLVM::ZeroOp::create(fb, loc, ptr));
    });
    accessor("name", ptr, [&](OpBuilder &fb, Value i, auto load, auto elementPtr) {
      Value off = load(nameOffG, i32, i);
      return std::pair(elementPtr(namesG, off), (Value)LLVM::ZeroOp::create(fb, loc, ptr));
    });
  }
};

} // namespace
