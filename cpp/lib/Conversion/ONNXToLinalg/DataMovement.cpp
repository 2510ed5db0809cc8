//===- DataMovement.cpp - Reshapes, layout changes, gathers and scatters --===//
//
// Views (reshapes, positive-stride slices, concatenation slots) where the
// data only moves; a linalg.generic that reads with computed indices where
// an element's source is not an affine function of its position; and
// scf.for loops for scatters, whose writes depend on the data.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

Value cIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// An index read from an integer tensor element, with negative values
/// counting from `size` and out-of-range ones clamped into [0, size): ONNX
/// leaves them undefined, and a clamp keeps every read inside the tensor.
Value normalizeIndex(OpBuilder &b, Location loc, Value raw, Value size) {
  Value idx = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value zero = cIndex(b, loc, 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx, zero);
  idx = arith::SelectOp::create(b, loc, neg, arith::AddIOp::create(b, loc, idx, size), idx);
  idx = arith::MaxSIOp::create(b, loc, idx, zero);
  Value last = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, size, cIndex(b, loc, 1)), zero);
  return arith::MinSIOp::create(b, loc, idx, last);
}

/// `offset` into dim `d` of `tensor`, except that a static offset at or past
/// a static end (only valid for an empty slice) becomes 0, which the slice
/// ops' verifiers accept.
OpFoldResult sliceOffset(OpFoldResult offset, Value tensor, int64_t d) {
  RankedTensorType type = typeOf(tensor);
  std::optional<int64_t> c = getConstantIntValue(offset);
  if (c && !type.isDynamicDim(d) && *c >= type.getDimSize(d))
    return IntegerAttr::get(IndexType::get(tensor.getContext()), 0);
  return offset;
}

/// Ops that only change the shape: Reshape, Flatten, Squeeze, Unsqueeze.
template <typename OnnxOp>
struct ReshapeLowering : ONNXConversion<OnnxOp> {
  using Base = ONNXConversion<OnnxOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(OnnxOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<ShapeList> shapes = this->resultShapes(op, adaptor, rewriter);
    // A shape declared by the model is not enough: it must follow from the
    // operands (axes or a shape of unknown length fed at run time could
    // ask for another one).
    if (failed(shapes) || llvm::any_of((*shapes)[0], [](OpFoldResult d) { return d.isNull(); }))
      return this->unsupported(op, rewriter, "the result shape cannot be computed from the "
                                             "operands at compile time or run time");
    SmallVector<OpFoldResult> sizes = (*shapes)[0];
    Value r = reshapeTo(rewriter, op.getLoc(), adaptor.getOperands()[0], sizes);
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

/// Identity, and Dropout at inference: the data passes through; Dropout's
/// mask, if used, is all true.
template <typename OnnxOp>
struct PassThroughLowering : ONNXConversion<OnnxOp> {
  using Base = ONNXConversion<OnnxOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(OnnxOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    SmallVector<Value> results{adaptor.getOperands()[0]};
    if constexpr (std::is_same_v<OnnxOp, DropoutOp>) {
      Value training = op.getTrainingMode();
      if (!isNone(training)) {
        std::optional<SmallVector<int64_t>> mode = getConstantInts(training);
        if (!mode || mode->size() != 1 || (*mode)[0])
          return this->unsupported(op, rewriter, "training mode is not supported");
      }
      Value mask = op.getMask();
      if (isa<NoneType>(mask.getType()) || mask.use_empty()) {
        results.push_back(Value());
      } else {
        Sizes sizes = sizesOf(rewriter, op.getLoc(), results[0]);
        results.push_back(filledTensor(rewriter, op.getLoc(), sizes,
                                       arith::ConstantIntOp::create(rewriter, op.getLoc(), 1, 8)));
      }
    }
    this->replaceOp(op, rewriter, results);
    return success();
  }
};

struct TransposeLowering : ONNXConversion<TransposeOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    int64_t rank = typeOf(data).getRank();
    SmallVector<int64_t> perm;
    if (auto p = op.getPerm())
      perm.assign(p->begin(), p->end());
    else
      for (int64_t d = rank - 1; d >= 0; --d)
        perm.push_back(d);
    Sizes in = sizesOf(rewriter, loc, data), out;
    for (int64_t p : perm)
      out.push_back(in[p]);
    Value init = emptyTensor(rewriter, loc, out, typeOf(data).getElementType());
    this->replaceOp(op, rewriter, linalg::TransposeOp::create(rewriter, loc, data, init, perm).getResult()[0]);
    return success();
  }
};

struct ConcatLowering : ONNXConversion<ConcatOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    Sizes out = (*shapes)[0];
    int64_t rank = out.size();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    Value result = emptyTensor(rewriter, loc, out, resultType(op).getElementType());
    DimBuilder dims(rewriter, loc);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    for (Value in : adaptor.getInputs()) {
      Sizes sizes = sizesOf(rewriter, loc, in);
      Sizes offsets(rank, rewriter.getIndexAttr(0)), strides(rank, rewriter.getIndexAttr(1));
      offsets[axis] = sliceOffset(offset, result, axis);
      result = tensor::InsertSliceOp::create(rewriter, loc, in, result, offsets, sizes, strides);
      offset = dims.add(offset, sizes[axis]);
    }
    this->replaceOp(op, rewriter, result);
    return success();
  }
};

struct GatherLowering : ONNXConversion<GatherOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    int64_t dataRank = typeOf(data).getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), dataRank);
    int64_t q = typeOf(indices).getRank(), outRank = (*shapes)[0].size();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < q; ++i)
      idxExprs.push_back(getAffineDimExpr(axis + i, ctx));
    Value axisSize = indexValue(rewriter, loc, tensor::getMixedSize(rewriter, loc, data, axis));
    Value init = emptyTensor(rewriter, loc, (*shapes)[0], typeOf(data).getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, init.getType(), indices, init,
        ArrayRef<AffineMap>{AffineMap::get(outRank, 0, idxExprs, ctx),
                            AffineMap::getMultiDimIdentityMap(outRank, ctx)},
        SmallVector<utils::IteratorType>(outRank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value idx = normalizeIndex(b, l, a[0], axisSize);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < dataRank; ++d) {
            if (d < axis)
              coords.push_back(linalg::IndexOp::create(b, l, d));
            else if (d == axis)
              coords.push_back(idx);
            else
              coords.push_back(linalg::IndexOp::create(b, l, d + q - 1));
          }
          linalg::YieldOp::create(b, l, tensor::ExtractOp::create(b, l, data, coords).getResult());
        });
    this->replaceOp(op, rewriter, generic.getResult(0));
    return success();
  }
};

struct GatherElementsLowering : ONNXConversion<GatherElementsOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    int64_t rank = typeOf(data).getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    Value axisSize = indexValue(rewriter, loc, tensor::getMixedSize(rewriter, loc, data, axis));
    Sizes out = sizesOf(rewriter, loc, indices);
    Value r = buildIndexed(rewriter, loc, out, typeOf(data).getElementType(),
                           [&](OpBuilder &b, Location l, ValueRange idx) {
                             SmallVector<Value> coords(idx);
                             Value raw = tensor::ExtractOp::create(b, l, indices, idx);
                             coords[axis] = normalizeIndex(b, l, raw, axisSize);
                             return (Value)tensor::ExtractOp::create(b, l, data, coords);
                           });
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

struct GatherNDLowering : ONNXConversion<GatherNDOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the last dimension of indices must be static");
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    int64_t r = typeOf(data).getRank(), q = typeOf(indices).getRank();
    int64_t batch = op.getBatchDims();
    int64_t k = typeOf(indices).getDimSize(q - 1);
    Sizes dataSizes = sizesOf(rewriter, loc, data);
    SmallVector<Value> sizes;
    for (OpFoldResult s : dataSizes)
      sizes.push_back(indexValue(rewriter, loc, s));
    Value result = buildIndexed(
        rewriter, loc, (*shapes)[0], typeOf(data).getElementType(),
        [&](OpBuilder &b, Location l, ValueRange idx) {
          // idx = (batch..., i..., rest...): indices[batch..., i..., j]
          // names data dims batch..batch+k.
          SmallVector<Value> coords(idx.begin(), idx.begin() + batch);
          SmallVector<Value> at(idx.begin(), idx.begin() + (q - 1));
          at.push_back(Value());
          for (int64_t j = 0; j < k; ++j) {
            at.back() = cIndex(b, l, j);
            Value raw = tensor::ExtractOp::create(b, l, indices, at);
            coords.push_back(normalizeIndex(b, l, raw, sizes[batch + j]));
          }
          coords.append(idx.begin() + (q - 1), idx.end());
          (void)r;
          return (Value)tensor::ExtractOp::create(b, l, data, coords);
        });
    this->replaceOp(op, rewriter, result);
    return success();
  }
};

/// Expand: the input broadcast to the result shape.
struct ExpandLowering : ONNXConversion<ExpandOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    this->replaceOp(op, rewriter, buildElementwise(rewriter, op.getLoc(), (*shapes)[0],
                                            resultType(op).getElementType(), adaptor.getInput(),
                                            [](OpBuilder &, Location, ValueRange a) { return a[0]; }));
    return success();
  }
};

/// Slice with constant axes and steps: a strided view when every step is
/// positive, otherwise a generic reading data[start + i * step].
struct SliceLowering : ONNXConversion<SliceOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    int64_t rank = typeOf(data).getRank();
    DimBuilder dims(rewriter, loc, op->getOperands(), adaptor.getOperands());
    std::optional<Sizes> starts = dims.values(op.getStarts()), ends = dims.values(op.getEnds());
    if (!starts || !ends)
      return unsupported(op, rewriter, "starts and ends must have a static length");
    if ((!isNone(op.getAxes()) && !getConstantInts(op.getAxes())) ||
        (!isNone(op.getSteps()) && !getConstantInts(op.getSteps())))
      return lowerAtRunTime(op, adaptor, rewriter, dims, *starts, *ends);
    SmallVector<int64_t> axes;
    if (!isNone(op.getAxes())) {
      // (Named first: a range-for over *temporary would read it after its
      // end, before C++23.)
      SmallVector<int64_t> given = *getConstantInts(op.getAxes());
      for (int64_t a : given)
        axes.push_back(*normalizeAxis(a, rank));
    } else {
      axes = llvm::to_vector(llvm::seq<int64_t>(0, starts->size()));
    }
    SmallVector<int64_t> steps(axes.size(), 1);
    if (!isNone(op.getSteps()))
      steps = *getConstantInts(op.getSteps());
    Sizes in = sizesOf(rewriter, loc, data);
    Sizes offsets(rank, rewriter.getIndexAttr(0)), sizes = in;
    SmallVector<int64_t> strides(rank, 1);
    for (size_t i = 0; i < axes.size(); ++i) {
      SliceBounds s = sliceSize(dims, in[axes[i]], (*starts)[i], (*ends)[i], steps[i]);
      offsets[axes[i]] = sliceOffset(s.start, data, axes[i]);
      sizes[axes[i]] = s.size;
      strides[axes[i]] = steps[i];
    }
    Type elem = typeOf(data).getElementType();
    Value r;
    if (llvm::all_of(strides, [](int64_t s) { return s > 0; })) {
      SmallVector<OpFoldResult> strideAttrs;
      for (int64_t s : strides)
        strideAttrs.push_back(rewriter.getIndexAttr(s));
      r = tensor::ExtractSliceOp::create(rewriter, loc, data, offsets, sizes, strideAttrs);
    } else {
      SmallVector<Value> starts;
      for (OpFoldResult o : offsets)
        starts.push_back(indexValue(rewriter, loc, o));
      r = buildIndexed(rewriter, loc, sizes, elem, [&](OpBuilder &b, Location l, ValueRange idx) {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d)
          coords.push_back(arith::AddIOp::create(
              b, l, starts[d], arith::MulIOp::create(b, l, idx[d], cIndex(b, l, strides[d]))));
        return (Value)tensor::ExtractOp::create(b, l, data, coords);
      });
    }
    this->replaceOp(op, rewriter, r);
    return success();
  }

  /// Axes or steps known only at run time: every dim gets a run-time start,
  /// step and size (those of the axis that names it, else the whole dim),
  /// and a generic reads data[start + i * step]. The axes are checked to be
  /// in range and distinct, and the steps to be nonzero.
  LogicalResult lowerAtRunTime(SliceOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter,
                               const DimBuilder &dims, const Sizes &starts,
                               const Sizes &ends) const {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    int64_t rank = typeOf(data).getRank();
    size_t n = starts.size();
    std::optional<Sizes> axes = isNone(op.getAxes()) ? std::nullopt : dims.values(op.getAxes());
    std::optional<Sizes> steps =
        isNone(op.getSteps()) ? std::nullopt : dims.values(op.getSteps());
    if (!isNone(op.getAxes()) && (!axes || axes->size() != n))
      return unsupported(op, rewriter, "axes must have as many entries as starts");
    if (!isNone(op.getSteps()) && (!steps || steps->size() != n))
      return unsupported(op, rewriter, "steps must have as many entries as starts");
    Sizes in = sizesOf(rewriter, loc, data);
    Value zero = cIndex(rewriter, loc, 0), one = cIndex(rewriter, loc, 1);
    Value rankV = cIndex(rewriter, loc, rank);
    SmallVector<Value> startAt(rank, zero), stepAt(rank, one), sizeAt;
    for (OpFoldResult d : in)
      sizeAt.push_back(indexValue(rewriter, loc, d));
    Value ok = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    auto cmp = [&](arith::CmpIPredicate p, Value a, Value b) -> Value {
      return arith::CmpIOp::create(rewriter, loc, p, a, b);
    };
    auto both = [&](Value a, Value b) -> Value { return arith::AndIOp::create(rewriter, loc, a, b); };
    SmallVector<Value> axisAt;
    for (size_t i = 0; i < n; ++i) {
      Value axis = axes ? normalizeAxisAtRunTime(rewriter, loc,
                                                 indexValue(rewriter, loc, (*axes)[i]), rank)
                        : cIndex(rewriter, loc, i);
      ok = both(ok, both(cmp(arith::CmpIPredicate::sge, axis, zero),
                         cmp(arith::CmpIPredicate::slt, axis, rankV)));
      for (Value other : axisAt)
        ok = both(ok, cmp(arith::CmpIPredicate::ne, axis, other));
      axisAt.push_back(axis);
      OpFoldResult step = steps ? (*steps)[i] : rewriter.getIndexAttr(1);
      Value stepV = indexValue(rewriter, loc, step);
      ok = both(ok, cmp(arith::CmpIPredicate::ne, stepV, zero));
      for (int64_t d = 0; d < rank; ++d) {
        SliceBounds b = sliceSize(dims, in[d], starts[i], ends[i], step);
        Value hit = cmp(arith::CmpIPredicate::eq, axis, cIndex(rewriter, loc, d));
        startAt[d] = arith::SelectOp::create(rewriter, loc, hit,
                                             indexValue(rewriter, loc, b.start), startAt[d]);
        stepAt[d] = arith::SelectOp::create(rewriter, loc, hit, stepV, stepAt[d]);
        sizeAt[d] = arith::SelectOp::create(rewriter, loc, hit, indexValue(rewriter, loc, b.size),
                                            sizeAt[d]);
      }
    }
    cf::AssertOp::create(rewriter, loc, ok,
                         "Slice's axes are out of range or repeated, or a step is 0");
    Sizes outSizes(sizeAt.begin(), sizeAt.end());
    Value r = buildIndexed(rewriter, loc, outSizes, typeOf(data).getElementType(),
                           [&](OpBuilder &b, Location l, ValueRange idx) {
                             SmallVector<Value> coords;
                             for (int64_t d = 0; d < rank; ++d)
                               coords.push_back(arith::AddIOp::create(
                                   b, l, startAt[d], arith::MulIOp::create(b, l, idx[d], stepAt[d])));
                             return (Value)tensor::ExtractOp::create(b, l, data, coords);
                           });
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

struct SplitLowering : ONNXConversion<SplitOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes) || shapes->size() != op.getNumResults())
      return unsupported(op, rewriter, "the split sizes cannot be computed");
    Value in = adaptor.getInput();
    int64_t rank = typeOf(in).getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    DimBuilder dims(rewriter, loc);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    SmallVector<Value> results;
    for (auto [i, partSizes] : llvm::enumerate(*shapes)) {
      SmallVector<OpFoldResult> sizes = partSizes;
      Sizes offsets(rank, rewriter.getIndexAttr(0)), strides(rank, rewriter.getIndexAttr(1));
      offsets[axis] = sliceOffset(offset, in, axis);
      if (typeOf(in).getDimSize(axis) == 0) { // (slice verifiers reject empty inputs)
        sizes[axis] = rewriter.getIndexAttr(0);
        results.push_back(emptyTensor(rewriter, loc, sizes, typeOf(in).getElementType()));
      } else {
        results.push_back(tensor::ExtractSliceOp::create(rewriter, loc, in, offsets, sizes, strides));
      }
      offset = dims.add(offset, sizes[axis]);
    }
    this->replaceOp(op, rewriter, results);
    return success();
  }
};

/// Pad in every mode; negative pads crop. Constant padding of non-negative
/// amounts is a tensor.pad; the rest reads the source index computed per
/// mode (reflect, edge, wrap).
struct PadLowering : ONNXConversion<PadOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(PadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    int64_t rank = typeOf(data).getRank();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    DimBuilder dims(rewriter, loc, op->getOperands(), adaptor.getOperands());
    std::optional<Sizes> pads = dims.values(op.getPads());
    if (failed(shapes) || !pads)
      return unsupported(op, rewriter, "the pads cannot be computed");
    SmallVector<int64_t> axes;
    if (!isNone(op.getAxes())) {
      // (Named first: a range-for over *temporary would read it after its
      // end, before C++23.)
      SmallVector<int64_t> given = *getConstantInts(op.getAxes());
      for (int64_t a : given)
        axes.push_back(*normalizeAxis(a, rank));
    } else {
      axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    }
    Sizes lo(rank, rewriter.getIndexAttr(0)), hi(lo);
    for (size_t i = 0; i < axes.size(); ++i) {
      lo[axes[i]] = (*pads)[i];
      hi[axes[i]] = (*pads)[i + axes.size()];
    }
    Type onnxElem = onnxElementType(op.getData());
    Scalar s(rewriter, loc, onnxElem);
    Value padValue = s.constant(0);
    if (!isNone(op.getConstantValue()))
      padValue = tensor::ExtractOp::create(
          rewriter, loc, adaptor.getConstantValue(),
          SmallVector<Value>(typeOf(adaptor.getConstantValue()).getRank(), cIndex(rewriter, loc, 0)));
    StringRef mode = op.getMode();
    auto nonNegative = [](OpFoldResult p) {
      std::optional<int64_t> c = getConstantIntValue(p);
      return c && *c >= 0;
    };
    Value r;
    if (mode == "constant" && llvm::all_of(lo, nonNegative) && llvm::all_of(hi, nonNegative)) {
      r = padTensor(rewriter, loc, data, lo, hi, padValue);
    } else {
      if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
        return unsupported(op, rewriter, "unknown mode '" + mode + "'");
      Sizes in = sizesOf(rewriter, loc, data);
      SmallVector<Value> inSizes, low;
      for (int64_t d = 0; d < rank; ++d) {
        inSizes.push_back(indexValue(rewriter, loc, in[d]));
        low.push_back(indexValue(rewriter, loc, lo[d]));
      }
      r = buildIndexed(rewriter, loc, (*shapes)[0], s.type(), [&](OpBuilder &b, Location l, ValueRange idx) {
        Value zero = cIndex(b, l, 0), one = cIndex(b, l, 1);
        Value inside = arith::ConstantIntOp::create(b, l, 1, 1);
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d) {
          Value n = inSizes[d];
          Value src = arith::SubIOp::create(b, l, idx[d], low[d]);
          Value last = arith::SubIOp::create(b, l, n, one);
          if (mode == "constant") {
            Value ok = arith::AndIOp::create(
                b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, src, zero),
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, src, n));
            inside = arith::AndIOp::create(b, l, inside, ok);
            src = arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, src, zero),
                                         arith::MaxSIOp::create(b, l, last, zero));
          } else if (mode == "edge") {
            src = arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, src, zero), last);
          } else if (mode == "wrap") {
            Value m = arith::RemSIOp::create(b, l, src, n);
            Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, m, zero);
            src = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, m, n), m);
          } else { // reflect: period 2 * (n - 1), mirrored at both ends
            Value period = arith::MaxSIOp::create(b, l, arith::MulIOp::create(b, l, last, cIndex(b, l, 2)), one);
            Value m = arith::RemSIOp::create(b, l, src, period);
            Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, m, zero);
            m = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, m, period), m);
            Value back = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, m, last);
            src = arith::SelectOp::create(b, l, back, arith::SubIOp::create(b, l, period, m), m);
            src = arith::MinSIOp::create(b, l, src, last);
          }
          coords.push_back(src);
        }
        Value v = tensor::ExtractOp::create(b, l, data, coords);
        return mode == "constant" ? (Value)arith::SelectOp::create(b, l, inside, v, padValue) : v;
      });
    }
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

/// Tile: out[i] = in[i mod size].
struct TileLowering : ONNXConversion<TileOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(TileOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    Value in = adaptor.getInput();
    SmallVector<Value> sizes;
    for (OpFoldResult s : sizesOf(rewriter, loc, in))
      sizes.push_back(indexValue(rewriter, loc, s));
    Value r = buildIndexed(rewriter, loc, (*shapes)[0], typeOf(in).getElementType(),
                           [&](OpBuilder &b, Location l, ValueRange idx) {
                             SmallVector<Value> coords;
                             for (auto [i, n] : llvm::zip(idx, sizes))
                               coords.push_back(arith::RemUIOp::create(b, l, i, n));
                             return (Value)tensor::ExtractOp::create(b, l, in, coords);
                           });
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

/// Trilu: keeps the elements on and above (upper) or below the k-th
/// diagonal of the last two dims.
struct TriluLowering : ONNXConversion<TriluOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    int64_t rank = typeOf(in).getRank();
    if (rank < 2)
      return unsupported(op, rewriter, "expects an input of rank >= 2");
    Value k = cIndex(rewriter, loc, 0);
    if (!isNone(op.getK())) {
      Value raw = tensor::ExtractOp::create(rewriter, loc, adaptor.getK(),
                                            SmallVector<Value>(typeOf(adaptor.getK()).getRank(),
                                                               cIndex(rewriter, loc, 0)));
      k = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), raw);
    }
    bool upper = op.getUpper() != 0;
    Type onnxElem = onnxElementType(op.getInput());
    Value r = buildElementwise(rewriter, loc, sizesOf(rewriter, loc, in), typeOf(in).getElementType(),
                               in, [&](OpBuilder &b, Location l, ValueRange a) {
                                 Value i = linalg::IndexOp::create(b, l, rank - 2);
                                 Value j = linalg::IndexOp::create(b, l, rank - 1);
                                 Value diff = arith::SubIOp::create(b, l, j, i);
                                 Value keep = arith::CmpIOp::create(
                                     b, l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
                                     diff, k);
                                 Scalar s(b, l, onnxElem);
                                 return s.select(keep, a[0], s.constant(0));
                               });
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

/// DepthToSpace and SpaceToDepth as reshape, transpose, reshape.
template <typename OnnxOp, bool ToDepth>
struct BlockLowering : ONNXConversion<OnnxOp> {
  using Base = ONNXConversion<OnnxOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(OnnxOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<ShapeList> shapes = this->resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return this->unsupported(op, rewriter, "the result shape cannot be computed");
    Value in = adaptor.getInput();
    Sizes s = sizesOf(rewriter, loc, in);
    int64_t bs = op.getBlocksize();
    OpFoldResult b = rewriter.getIndexAttr(bs);
    DimBuilder dims(rewriter, loc);
    Sizes split;
    SmallVector<int64_t> perm;
    if (ToDepth) {
      split = {s[0], s[1], dims.floorDiv(s[2], b), b, dims.floorDiv(s[3], b), b};
      perm = op.getMode() == "CRD" ? SmallVector<int64_t>{0, 1, 3, 5, 2, 4}
                                   : SmallVector<int64_t>{0, 3, 5, 1, 2, 4};
    } else if (op.getMode() == "CRD") {
      split = {s[0], dims.floorDiv(s[1], rewriter.getIndexAttr(bs * bs)), b, b, s[2], s[3]};
      perm = {0, 1, 4, 2, 5, 3};
    } else {
      split = {s[0], b, b, dims.floorDiv(s[1], rewriter.getIndexAttr(bs * bs)), s[2], s[3]};
      perm = {0, 3, 4, 1, 5, 2};
    }
    if (failed(dims.require(DimBuilder::Cmp::EQ, dims.product(split), dims.product(s),
                            "the blocksize does not divide the input")))
      return this->unsupported(op, rewriter, "the blocksize does not divide the input");
    Value x = reshapeTo(rewriter, loc, in, split);
    Sizes permuted;
    for (int64_t p : perm)
      permuted.push_back(split[p]);
    Value init = emptyTensor(rewriter, loc, permuted, typeOf(in).getElementType());
    Value t = linalg::TransposeOp::create(rewriter, loc, x, init, perm).getResult()[0];
    this->replaceOp(op, rewriter, reshapeTo(rewriter, loc, t, (*shapes)[0]));
    return success();
  }
};

/// Row-major strides of `sizes`, as index values.
SmallVector<Value> stridesOf(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> strides(sizes.size());
  Value s = cIndex(b, loc, 1);
  for (int64_t d = (int64_t)sizes.size() - 1; d >= 0; --d) {
    strides[d] = s;
    s = arith::MulIOp::create(b, loc, s, indexValue(b, loc, sizes[d]));
  }
  return strides;
}

/// `old` combined with `update` by a scatter's reduction.
Value scatterCombine(const Scalar &s, StringRef reduction, Value old, Value update) {
  if (reduction == "add")
    return s.add(old, update);
  if (reduction == "mul")
    return s.mul(old, update);
  if (reduction == "max")
    return s.max(old, update);
  if (reduction == "min")
    return s.min(old, update);
  return update;
}

/// ScatterND and ScatterElements: the data flattened, then one write per
/// update in order (later updates win, as ONNX's reference does).
template <typename ScatterOp>
struct ScatterLowering : ONNXConversion<ScatterOp> {
  using Base = ONNXConversion<ScatterOp>;
  using Base::Base;
  LogicalResult matchAndRewrite(ScatterOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    constexpr bool isND = std::is_same_v<ScatterOp, ScatterNDOp>;
    StringRef reduction = op.getReduction();
    if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" &&
        reduction != "min")
      return this->unsupported(op, rewriter, "unknown reduction '" + reduction + "'");
    Value data = adaptor.getData(), indices = adaptor.getIndices(), updates = adaptor.getUpdates();
    int64_t rank = typeOf(data).getRank(), q = typeOf(indices).getRank();
    Type onnxElem = onnxElementType(op.getData());
    Sizes dataSizes = sizesOf(rewriter, loc, data);
    SmallVector<Value> dataDims;
    for (OpFoldResult d : dataSizes)
      dataDims.push_back(indexValue(rewriter, loc, d));
    SmallVector<Value> dataStrides = stridesOf(rewriter, loc, dataSizes);
    DimBuilder dims(rewriter, loc);
    Value flat = reshapeTo(rewriter, loc, data, {dims.product(dataSizes)});
    // A copy, so the writes never touch the caller's data.
    flat = buildElementwise(rewriter, loc, sizesOf(rewriter, loc, flat), typeOf(flat).getElementType(),
                            flat, [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    Sizes idxSizes = sizesOf(rewriter, loc, indices);
    int64_t k = 0;
    Value count, slice;
    if constexpr (isND) {
      k = typeOf(indices).getDimSize(q - 1);
      if (ShapedType::isDynamic(k) || k > rank)
        return this->unsupported(op, rewriter, "the last dimension of indices must be static");
      count = indexValue(rewriter, loc, dims.product(ArrayRef(idxSizes).drop_back()));
      slice = indexValue(rewriter, loc, dims.product(ArrayRef(dataSizes).drop_front(k)));
    } else {
      count = indexValue(rewriter, loc, dims.product(idxSizes));
      slice = cIndex(rewriter, loc, 1);
    }
    int64_t axis = 0;
    if constexpr (!isND)
      axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    SmallVector<Value> idxStrides = stridesOf(rewriter, loc, idxSizes);
    Value zero = cIndex(rewriter, loc, 0), one = cIndex(rewriter, loc, 1);
    Value flatIdx = reshapeTo(rewriter, loc, indices, {dims.product(idxSizes)});
    Value flatUpd = reshapeTo(rewriter, loc, updates, {dims.product(sizesOf(rewriter, loc, updates))});
    auto outer = scf::ForOp::create(
        rewriter, loc, zero, count, one, ValueRange{flat},
        [&](OpBuilder &b, Location l, Value u, ValueRange iter) {
          // The flat position the update's first element goes to.
          Value base = cIndex(b, l, 0);
          if constexpr (isND) {
            for (int64_t j = 0; j < k; ++j) {
              Value at = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, u, cIndex(b, l, k)),
                                               cIndex(b, l, j));
              Value raw = tensor::ExtractOp::create(b, l, flatIdx, at);
              Value i = normalizeIndex(b, l, raw, dataDims[j]);
              base = arith::AddIOp::create(b, l, base, arith::MulIOp::create(b, l, i, dataStrides[j]));
            }
          } else {
            // u's position in indices, with the axis coordinate replaced.
            Value rest = u;
            for (int64_t d = 0; d < q; ++d) {
              Value c = arith::DivUIOp::create(b, l, rest, idxStrides[d]);
              rest = arith::RemUIOp::create(b, l, rest, idxStrides[d]);
              if (d == axis)
                c = normalizeIndex(b, l, tensor::ExtractOp::create(b, l, flatIdx, u), dataDims[d]);
              base = arith::AddIOp::create(b, l, base, arith::MulIOp::create(b, l, c, dataStrides[d]));
            }
          }
          auto inner = scf::ForOp::create(
              b, l, cIndex(b, l, 0), slice, cIndex(b, l, 1), iter,
              [&](OpBuilder &ib, Location il, Value e, ValueRange acc) {
                Value pos = arith::AddIOp::create(ib, il, base, e);
                Value src = arith::AddIOp::create(ib, il, arith::MulIOp::create(ib, il, u, slice), e);
                Value upd = tensor::ExtractOp::create(ib, il, flatUpd, src);
                Value old = tensor::ExtractOp::create(ib, il, acc[0], pos);
                Value v = scatterCombine(Scalar(ib, il, onnxElem), reduction, old, upd);
                scf::YieldOp::create(ib, il, ValueRange{tensor::InsertOp::create(ib, il, v, acc[0], pos)});
              });
          scf::YieldOp::create(b, l, inner.getResults());
        });
    this->replaceOp(op, rewriter, reshapeTo(rewriter, loc, outer.getResult(0), dataSizes));
    return success();
  }
};

/// OneHot: values[1] where the (normalized) index equals the position
/// along `axis`, values[0] elsewhere.
struct OneHotLowering : ONNXConversion<OneHotOp> {
  using ONNXConversion::ONNXConversion;
  LogicalResult matchAndRewrite(OneHotOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes) || llvm::any_of((*shapes)[0], [](OpFoldResult d) { return d.isNull(); }))
      return unsupported(op, rewriter, "depth must be a compile-time constant");
    Sizes out = (*shapes)[0];
    int64_t outRank = out.size();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), outRank);
    Value values = adaptor.getValues();
    Value off = tensor::ExtractOp::create(rewriter, loc, values, ValueRange{cIndex(rewriter, loc, 0)});
    Value on = tensor::ExtractOp::create(rewriter, loc, values, ValueRange{cIndex(rewriter, loc, 1)});
    Value depth = indexValue(rewriter, loc, out[axis]);
    Type idxElem = onnxElementType(op.getIndices());
    SmallVector<AffineExpr> idxExprs;
    for (int64_t d = 0; d < outRank; ++d)
      if (d != axis)
        idxExprs.push_back(getAffineDimExpr(d, ctx));
    Value init = emptyTensor(rewriter, loc, out, resultType(op).getElementType());
    Value r = linalg::GenericOp::create(
                  rewriter, loc, init.getType(), adaptor.getIndices(), init,
                  ArrayRef<AffineMap>{AffineMap::get(outRank, 0, idxExprs, ctx),
                                      AffineMap::getMultiDimIdentityMap(outRank, ctx)},
                  SmallVector<utils::IteratorType>(outRank, utils::IteratorType::parallel),
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    // Indices may be floats; they are truncated, then taken
                    // modulo the depth when negative.
                    Value raw = convertScalar(b, l, a[0], idxElem, b.getI64Type());
                    Value i = arith::IndexCastOp::create(b, l, b.getIndexType(), raw);
                    Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, cIndex(b, l, 0));
                    i = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, i, depth), i);
                    Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, i,
                                                      linalg::IndexOp::create(b, l, axis));
                    linalg::YieldOp::create(b, l, arith::SelectOp::create(b, l, hit, on, off).getResult());
                  })
                  .getResult(0);
    this->replaceOp(op, rewriter, r);
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateDataMovementPatterns(const ONNXTypeConverter &tc,
                                                            RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering<ReshapeOp>, ReshapeLowering<FlattenOp>,
               ReshapeLowering<SqueezeOp>, ReshapeLowering<UnsqueezeOp>,
               PassThroughLowering<IdentityOp>, PassThroughLowering<DropoutOp>,
               TransposeLowering, ConcatLowering, GatherLowering, GatherElementsLowering,
               GatherNDLowering, ExpandLowering, SliceLowering, SplitLowering, PadLowering,
               TileLowering, TriluLowering, BlockLowering<DepthToSpaceOp, false>,
               BlockLowering<SpaceToDepthOp, true>, ScatterLowering<ScatterNDOp>,
               ScatterLowering<ScatterElementsOp>, OneHotLowering>(tc, patterns.getContext());
}
