//===- ControlFlow.cpp - If, Loop and Scan to scf ------------------------===//
//
// A subgraph's region moves into the scf op that replaces its ONNX op, and
// its onnx.Yield becomes that op's terminator (YieldLowering, which reads
// what it needs from its new parent). Loop and Scan collect their scan
// outputs in tensors allocated before the loop, one slot per iteration.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

// Attributes through which a loop tells YieldLowering how its body's yield
// maps onto the loop's values.
constexpr StringLiteral kCarried = "mlc.carried";              // Loop: loop-carried values
constexpr StringLiteral kScanStates = "mlc.scan_states";        // Scan: states
constexpr StringLiteral kScanAxes = "mlc.scan_output_axes";     // Scan: per output
constexpr StringLiteral kScanReverse = "mlc.scan_output_reverse";

/// The element of a 0-d (or one-element) tensor.
Value scalarOf(OpBuilder &b, Location l, Value t) {
  SmallVector<Value> idx(typeOf(t).getRank(), arith::ConstantIndexOp::create(b, l, 0));
  return tensor::ExtractOp::create(b, l, t, idx);
}

/// A stored bool tensor's element as i1.
Value truthOf(OpBuilder &b, Location l, Value t) {
  Value v = scalarOf(b, l, t);
  return arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, v,
                               arith::ConstantIntOp::create(b, l, v.getType(), 0));
}

/// The type both `a` and `b` fit: static sizes where they agree.
RankedTensorType joinTypes(RankedTensorType a, RankedTensorType b) {
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), b.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, a.getElementType());
}

Value castTo(OpBuilder &b, Location l, Value v, Type t) {
  return v.getType() == t ? v : (Value)tensor::CastOp::create(b, l, t, v);
}

/// Slot `at` (along `axis`) of `acc` set to `value`.
Value insertSlot(OpBuilder &b, Location l, Value value, Value acc, Value at, int64_t axis) {
  RankedTensorType accType = typeOf(acc);
  int64_t rank = accType.getRank();
  Sizes sizes = sizesOf(b, l, acc), offsets(rank, b.getIndexAttr(0)), strides(rank, b.getIndexAttr(1));
  sizes[axis] = b.getIndexAttr(1);
  offsets[axis] = at;
  return tensor::InsertSliceOp::create(b, l, reshapeTo(b, l, value, sizes), acc, offsets, sizes, strides);
}

struct IfLowering : ONNXConversion<IfOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(IfOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Operation *thenYield = op.getThenBranch().front().getTerminator();
    Operation *elseYield = op.getElseBranch().front().getTerminator();
    // The scf.if yields what both branches fit; the declared types, which
    // may be more precise, are checked after it.
    SmallVector<Type> types;
    for (auto [t, e] : llvm::zip(thenYield->getOperandTypes(), elseYield->getOperandTypes())) {
      auto ct = dyn_cast_or_null<RankedTensorType>(converter().convertType(t));
      auto ce = dyn_cast_or_null<RankedTensorType>(converter().convertType(e));
      if (!ct || !ce || ct.getRank() != ce.getRank() || ct.getElementType() != ce.getElementType())
        return unsupported(op, rewriter, "the branches yield values of different ranks or types");
      types.push_back(joinTypes(ct, ce));
    }
    auto branch = scf::IfOp::create(rewriter, loc, types, truthOf(rewriter, loc, adaptor.getCond()),
                                    /*addThenBlock=*/false, /*addElseBlock=*/false);
    rewriter.inlineRegionBefore(op.getThenBranch(), branch.getThenRegion(), branch.getThenRegion().end());
    rewriter.inlineRegionBefore(op.getElseBranch(), branch.getElseRegion(), branch.getElseRegion().end());
    replaceOp(op, rewriter, branch.getResults());
    return success();
  }
};

/// Loop as an scf.while carrying (iteration, condition, values...,
/// scan accumulators...).
struct LoopLowering : ONNXConversion<LoopOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(LoopOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Block &body = op.getBody().front();
    Operation *yield = body.getTerminator();
    int64_t carried = op.getVInitial().size();
    int64_t scans = op.getNumResults() - carried;
    bool hasTrip = !isNone(op.getM());
    if (scans > 0 && !hasTrip)
      return unsupported(op, rewriter, "scan outputs need a trip count (M)");
    Type i64 = rewriter.getI64Type();
    Value trip = hasTrip ? scalarOf(rewriter, loc, adaptor.getM())
                         : arith::ConstantIntOp::create(rewriter, loc, i64, INT64_MAX).getResult();
    Value cond = isNone(op.getCond()) ? arith::ConstantIntOp::create(rewriter, loc, 1, 1).getResult()
                                      : truthOf(rewriter, loc, adaptor.getCond());
    // Accumulators: trip-count slots of each scan value's (static) shape.
    SmallVector<Value> init{arith::ConstantIntOp::create(rewriter, loc, i64, 0), cond};
    llvm::append_range(init, adaptor.getVInitial());
    Value slots = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                             arith::MaxSIOp::create(rewriter, loc, trip,
                                                                    arith::ConstantIntOp::create(rewriter, loc, i64, 0)));
    for (Value v : yield->getOperands().drop_front(1 + carried)) {
      auto t = dyn_cast_or_null<RankedTensorType>(converter().convertType(v.getType()));
      if (!t || !t.hasStaticShape())
        return unsupported(op, rewriter, "scan outputs need a static shape per iteration");
      Sizes sizes{slots};
      for (int64_t d : t.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
      init.push_back(emptyTensor(rewriter, loc, sizes, t.getElementType()));
    }
    SmallVector<Type> types;
    for (Value v : init)
      types.push_back(v.getType());
    auto loop = scf::WhileOp::create(rewriter, loc, types, init);
    loop->setAttr(kCarried, rewriter.getI64IntegerAttr(carried));
    {
      Block *before = rewriter.createBlock(&loop.getBefore(), {}, types,
                                           SmallVector<Location>(types.size(), loc));
      Value more = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, before->getArgument(0), trip);
      more = arith::AndIOp::create(rewriter, loc, more, before->getArgument(1));
      scf::ConditionOp::create(rewriter, loc, more, before->getArguments());
    }
    Block *after = rewriter.createBlock(&loop.getAfter(), {}, types, SmallVector<Location>(types.size(), loc));
    // The body's arguments: the iteration number and condition as tensors,
    // then the carried values.
    FailureOr<Block *> converted = rewriter.convertRegionTypes(&op.getBody(), *getTypeConverter());
    if (failed(converted))
      return unsupported(op, rewriter, "the body's arguments have unsupported types");
    rewriter.setInsertionPointToStart(after);
    Value iter = tensor::FromElementsOp::create(rewriter, loc, RankedTensorType::get({}, i64),
                                                ValueRange{after->getArgument(0)});
    Value c8 = arith::ExtUIOp::create(rewriter, loc, rewriter.getI8Type(), after->getArgument(1));
    Value condT = tensor::FromElementsOp::create(rewriter, loc, RankedTensorType::get({}, rewriter.getI8Type()),
                                                 ValueRange{c8});
    SmallVector<Value> args{castTo(rewriter, loc, iter, (*converted)->getArgument(0).getType()),
                            castTo(rewriter, loc, condT, (*converted)->getArgument(1).getType())};
    for (int64_t i = 0; i < carried; ++i)
      args.push_back(castTo(rewriter, loc, after->getArgument(2 + i), (*converted)->getArgument(2 + i).getType()));
    rewriter.mergeBlocks(*converted, after, args);
    // Results: the carried values, and the filled slots of each scan.
    rewriter.setInsertionPointAfter(loop);
    SmallVector<Value> results;
    for (int64_t i = 0; i < carried; ++i)
      results.push_back(loop.getResult(2 + i));
    Value done = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), loop.getResult(0));
    for (int64_t k = 0; k < scans; ++k) {
      Value acc = loop.getResult(2 + carried + k);
      Sizes sizes = sizesOf(rewriter, loc, acc), offsets(sizes.size(), rewriter.getIndexAttr(0)),
            strides(sizes.size(), rewriter.getIndexAttr(1));
      sizes[0] = done;
      results.push_back(tensor::ExtractSliceOp::create(rewriter, loc, acc, offsets, sizes, strides));
    }
    replaceOp(op, rewriter, results);
    return success();
  }
};

/// Scan as an scf.for over the scan inputs' axis, carrying the states and
/// the scan output accumulators.
struct ScanLowering : ONNXConversion<ScanOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(ScanOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Operation *yield = op.getBody().front().getTerminator();
    int64_t numScanInputs = op.getNumScanInputs();
    ValueRange inputs = adaptor.getInitialStateAndScanInputs();
    int64_t states = inputs.size() - numScanInputs;
    int64_t scans = op.getNumResults() - states;
    auto attr = [](std::optional<ArrayRef<int64_t>> a, int64_t i, int64_t dflt) {
      return a && i < (int64_t)a->size() ? (*a)[i] : dflt;
    };
    // The sequence length, from the first scan input's axis.
    SmallVector<int64_t> inAxes, inReverse;
    for (int64_t j = 0; j < numScanInputs; ++j) {
      int64_t rank = typeOf(inputs[states + j]).getRank();
      std::optional<int64_t> a = normalizeAxis(attr(op.getScanInputAxes(), j, 0), rank);
      if (!a)
        return unsupported(op, rewriter, "scan_input_axes is out of range");
      inAxes.push_back(*a);
      inReverse.push_back(attr(op.getScanInputDirections(), j, 0));
    }
    Value length = tensor::DimOp::create(rewriter, loc, inputs[states], inAxes[0]);
    SmallVector<Value> init(inputs.begin(), inputs.begin() + states);
    SmallVector<int64_t> outAxes, outReverse;
    for (int64_t k = 0; k < scans; ++k) {
      auto t = dyn_cast_or_null<RankedTensorType>(
          converter().convertType(yield->getOperand(states + k).getType()));
      if (!t || !t.hasStaticShape())
        return unsupported(op, rewriter, "scan outputs need a static shape per iteration");
      std::optional<int64_t> a = normalizeAxis(attr(op.getScanOutputAxes(), k, 0), t.getRank() + 1);
      if (!a)
        return unsupported(op, rewriter, "scan_output_axes is out of range");
      outAxes.push_back(*a);
      outReverse.push_back(attr(op.getScanOutputDirections(), k, 0));
      Sizes sizes;
      for (int64_t d : t.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
      sizes.insert(sizes.begin() + *a, length);
      init.push_back(emptyTensor(rewriter, loc, sizes, t.getElementType()));
    }
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    FailureOr<Block *> converted = rewriter.convertRegionTypes(&op.getBody(), *getTypeConverter());
    if (failed(converted))
      return unsupported(op, rewriter, "the body's arguments have unsupported types");
    // The body's arguments: the states, then this step's slice of each scan
    // input (the body's yield, merged in below, ends the loop body).
    SmallVector<Value> args;
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, length, one, init, [&](OpBuilder &b, Location l, Value t, ValueRange iter) {
          Value last = arith::SubIOp::create(b, l, length, one);
          for (int64_t i = 0; i < states; ++i)
            args.push_back(castTo(b, l, iter[i], (*converted)->getArgument(i).getType()));
          for (int64_t j = 0; j < numScanInputs; ++j) {
            Value in = inputs[states + j];
            int64_t axis = inAxes[j], rank = typeOf(in).getRank();
            Value at = inReverse[j] ? (Value)arith::SubIOp::create(b, l, last, t) : t;
            Sizes sizes = sizesOf(b, l, in), offsets(rank, b.getIndexAttr(0)), strides(rank, b.getIndexAttr(1));
            sizes[axis] = b.getIndexAttr(1);
            offsets[axis] = at;
            Value slice = tensor::ExtractSliceOp::create(b, l, in, offsets, sizes, strides);
            Sizes dropped = sizes;
            dropped.erase(dropped.begin() + axis);
            args.push_back(castTo(b, l, reshapeTo(b, l, slice, dropped),
                                  (*converted)->getArgument(states + j).getType()));
          }
        });
    loop->setAttr(kScanStates, rewriter.getI64IntegerAttr(states));
    loop->setAttr(kScanAxes, rewriter.getDenseI64ArrayAttr(outAxes));
    loop->setAttr(kScanReverse, rewriter.getDenseI64ArrayAttr(outReverse));
    Block *body = loop.getBody();
    rewriter.mergeBlocks(*converted, body, args);
    replaceOp(op, rewriter, loop.getResults());
    return success();
  }
};

/// onnx.Yield, in the scf op that replaced its parent.
struct YieldLowering : ONNXConversion<YieldOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(YieldOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Operation *parent = op->getParentOp();
    ValueRange values = adaptor.getOutputs();
    if (auto branch = dyn_cast<scf::IfOp>(parent)) {
      SmallVector<Value> cast;
      for (auto [v, t] : llvm::zip(values, branch.getResultTypes()))
        cast.push_back(castTo(rewriter, loc, v, t));
      rewriter.replaceOpWithNewOp<scf::YieldOp>(op, cast);
      return success();
    }
    if (auto loop = dyn_cast<scf::WhileOp>(parent)) {
      // (cond, carried..., scans...) -> (i + 1, cond, carried..., slots...)
      int64_t carried = loop->getAttrOfType<IntegerAttr>(kCarried).getInt();
      Block *after = op->getBlock();
      Value i = after->getArgument(0);
      SmallVector<Value> next{arith::AddIOp::create(rewriter, loc, i,
                                                    arith::ConstantIntOp::create(rewriter, loc, i.getType(), 1)),
                              truthOf(rewriter, loc, values[0])};
      for (int64_t k = 0; k < carried; ++k)
        next.push_back(castTo(rewriter, loc, values[1 + k], after->getArgument(2 + k).getType()));
      Value at = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), i);
      for (auto [k, v] : llvm::enumerate(values.drop_front(1 + carried)))
        next.push_back(insertSlot(rewriter, loc, v, after->getArgument(2 + carried + k), at, 0));
      rewriter.replaceOpWithNewOp<scf::YieldOp>(op, next);
      return success();
    }
    if (auto loop = dyn_cast<scf::ForOp>(parent); loop && loop->hasAttr(kScanStates)) {
      // (states..., scans...) -> (states..., accumulators with slot t set)
      int64_t states = loop->getAttrOfType<IntegerAttr>(kScanStates).getInt();
      ArrayRef<int64_t> axes = loop->getAttrOfType<DenseI64ArrayAttr>(kScanAxes).asArrayRef();
      ArrayRef<int64_t> reverse = loop->getAttrOfType<DenseI64ArrayAttr>(kScanReverse).asArrayRef();
      ValueRange iterArgs = loop.getRegionIterArgs();
      SmallVector<Value> next;
      for (int64_t k = 0; k < states; ++k)
        next.push_back(castTo(rewriter, loc, values[k], iterArgs[k].getType()));
      Value t = loop.getInductionVar();
      for (auto [k, v] : llvm::enumerate(values.drop_front(states))) {
        Value acc = iterArgs[states + k];
        Value at = t;
        if (reverse[k]) {
          Value n = tensor::DimOp::create(rewriter, loc, acc, axes[k]);
          at = arith::SubIOp::create(rewriter, loc, arith::SubIOp::create(rewriter, loc, n,
                                                                          arith::ConstantIndexOp::create(rewriter, loc, 1)), t);
        }
        next.push_back(insertSlot(rewriter, loc, v, acc, at, axes[k]));
      }
      rewriter.replaceOpWithNewOp<scf::YieldOp>(op, next);
      return success();
    }
    return unsupported(op, rewriter, "a subgraph's yield outside If, Loop or Scan");
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateControlFlowPatterns(const ONNXTypeConverter &tc,
                                                           RewritePatternSet &patterns) {
  patterns.add<IfLowering, LoopLowering, ScanLowering, YieldLowering>(tc, patterns.getContext());
}
