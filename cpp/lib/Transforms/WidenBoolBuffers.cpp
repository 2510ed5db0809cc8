//===- WidenBoolBuffers.cpp - mlc-widen-bool-buffers ----------------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/DialectConversion.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_WIDENBOOLBUFFERSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

struct WidenTypes : TypeConverter {
  WidenTypes() {
    addConversion([](Type t) { return t; });
    addConversion([](MemRefType t) -> Type {
      if (!t.getElementType().isInteger(1))
        return t;
      return MemRefType::get(t.getShape(), IntegerType::get(t.getContext(), 8), t.getLayout(),
                             t.getMemorySpace());
    });
  }
};

/// Ops whose meaning does not depend on the element type: recreated with
/// converted types.
struct RetypeOp : ConversionPattern {
  RetypeOp(const TypeConverter &tc, MLIRContext *ctx)
      : ConversionPattern(tc, MatchAnyOpTypeTag(), 1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isa<memref::AllocOp, memref::AllocaOp, memref::CastOp, memref::DeallocOp,
             memref::DimOp, memref::ReinterpretCastOp, memref::SubViewOp,
             memref::ExtractStridedMetadataOp>(op))
      return failure();
    SmallVector<Type> types;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(), types)))
      return failure();
    OperationState state(op->getLoc(), op->getName(), operands, types, op->getAttrs());
    rewriter.replaceOp(op, rewriter.create(state)->getResults());
    return success();
  }
};

struct WidenLoad : OpConversionPattern<memref::LoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(memref::LoadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value wide = memref::LoadOp::create(rewriter, op.getLoc(), adaptor.getMemref(),
                                        adaptor.getIndices());
    rewriter.replaceOpWithNewOp<arith::TruncIOp>(op, rewriter.getI1Type(), wide);
    return success();
  }
};

struct WidenStore : OpConversionPattern<memref::StoreOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(memref::StoreOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value wide = arith::ExtUIOp::create(rewriter, op.getLoc(), rewriter.getI8Type(),
                                        adaptor.getValue());
    rewriter.replaceOpWithNewOp<memref::StoreOp>(op, wide, adaptor.getMemref(),
                                                 adaptor.getIndices());
    return success();
  }
};

/// A linalg.generic over bool buffers reads and writes bytes: its body
/// narrows what it reads and widens what it yields.
struct WidenGeneric : OpConversionPattern<linalg::GenericOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return failure();
    unsigned numInputs = op.getNumDpsInputs();
    ValueRange operands = adaptor.getOperands();
    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), TypeRange{}, operands.take_front(numInputs),
        operands.drop_front(numInputs), op.getIndexingMapsArray(), op.getIteratorTypesArray(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          IRMapping mapping;
          for (auto [old, arg] : llvm::zip(op.getBody()->getArguments(), args))
            mapping.map(old, old.getType() == arg.getType()
                                 ? arg
                                 : arith::TruncIOp::create(b, loc, old.getType(), arg).getResult());
          for (Operation &inner : op.getBody()->without_terminator())
            b.clone(inner, mapping);
          SmallVector<Value> yielded;
          for (auto [value, arg] : llvm::zip(op.getBody()->getTerminator()->getOperands(),
                                             args.drop_front(numInputs))) {
            Value v = mapping.lookupOrDefault(value);
            yielded.push_back(v.getType() == arg.getType()
                                  ? v
                                  : arith::ExtUIOp::create(b, loc, arg.getType(), v).getResult());
          }
          linalg::YieldOp::create(b, loc, yielded);
        });
    generic->setDiscardableAttrs(op->getDiscardableAttrDictionary());
    rewriter.eraseOp(op);
    return success();
  }
};

struct WidenBoolBuffersPass
    : onnx_mlc::impl::WidenBoolBuffersPassBase<WidenBoolBuffersPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    WidenTypes converter;
    ConversionTarget target(*ctx);
    target.markUnknownOpDynamicallyLegal([&](Operation *op) {
      if (auto fn = dyn_cast<func::FuncOp>(op))
        return converter.isSignatureLegal(fn.getFunctionType()) &&
               converter.isLegal(&fn.getBody());
      return converter.isLegal(op);
    });
    RewritePatternSet patterns(ctx);
    patterns.add<RetypeOp>(converter, ctx);
    patterns.add<WidenLoad, WidenStore, WidenGeneric>(converter, ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
