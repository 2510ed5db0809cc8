//===- Utils.h - Building blocks of the ONNX-to-linalg patterns -*- C++ -*-===//
//
// Shared by the per-family pattern files (Elementwise.cpp, Contraction.cpp,
// ...), private to this directory. Three layers:
//  - types: the ONNX element types and the storage types they lower to;
//  - scalars: ONNX arithmetic on one element, keyed on the element kind;
//  - tensors: linalg builders whose sizes may be known only at run time.
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_CONVERSION_ONNXTOLINALG_UTILS_H
#define ONNX_MLC_CONVERSION_ONNXTOLINALG_UTILS_H

#include "onnx_mlc/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace onnx_mlc::onnx_to_linalg {

using namespace mlir;

/// A constant's value in storage form (booleans widened to i8, unsigned
/// integers reinterpreted as signless).
TypedAttr toStorageAttr(ElementsAttr value, RankedTensorType storage);

/// `value` as a tensor of `type` (the same shape but for which sizes are
/// static): a size that the type fixes but `value` knows only at run time
/// is checked, then the tensor is cast.
Value castToType(OpBuilder &b, Location loc, Value value, RankedTensorType type);

/// The base of every ONNX lowering pattern.
template <typename OnnxOp>
struct ONNXConversion : OpConversionPattern<OnnxOp> {
  using Adaptor = typename OpConversionPattern<OnnxOp>::OpAdaptor;
  ONNXConversion(const ONNXTypeConverter &tc, MLIRContext *ctx, PatternBenefit b = 1)
      : OpConversionPattern<OnnxOp>(tc, ctx, b) {}

  const ONNXTypeConverter &converter() const {
    return *static_cast<const ONNXTypeConverter *>(this->getTypeConverter());
  }
  /// Fails the match, saying why the op is not supported.
  LogicalResult unsupported(OnnxOp op, ConversionPatternRewriter &rewriter,
                            const Twine &why) const {
    converter().recordFailure(op, why);
    return rewriter.notifyMatchFailure(op, why);
  }
  /// The storage type of result `i`.
  RankedTensorType resultType(OnnxOp op, unsigned i = 0) const {
    return cast<RankedTensorType>(converter().convertType(op->getResult(i).getType()));
  }
  /// Replaces `op` by `values`, cast to its converted result types (which
  /// may fix sizes the lowering computed at run time; those are checked).
  void replaceOp(OnnxOp op, ConversionPatternRewriter &rewriter, ValueRange values) const {
    SmallVector<Value> cast;
    for (auto [i, v] : llvm::enumerate(values))
      cast.push_back(v && isa<RankedTensorType>(v.getType())
                         ? castToType(rewriter, op.getLoc(), v, resultType(op, i))
                         : v);
    rewriter.replaceOp(op, cast);
  }
  /// The op's shape rule evaluated at run time, reading the converted operands.
  FailureOr<onnx::ShapeList> resultShapes(OnnxOp op, Adaptor adaptor,
                                          ConversionPatternRewriter &rewriter) const {
    onnx::DimBuilder dims(rewriter, op.getLoc(), op->getOperands(), adaptor.getOperands());
    onnx::ShapeList shapes;
    auto rule = cast<onnx::ShapeInferenceOpInterface>(op.getOperation());
    if (failed(rule.resultShapes(dims, shapes)) || shapes.size() < 1)
      return failure();
    return shapes;
  }
};

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

enum class CmpKind { EQ, NE, LT, LE, GT, GE };

/// ONNX arithmetic on scalars of one element type, in its storage type. Bool
/// values are i8 holding 0 or 1; comparisons give i1, which `fromBool` turns
/// back into a stored bool.
class Scalar {
public:
  Scalar(OpBuilder &b, Location loc, Type onnxElem);

  Type type() const { return storage; }
  Type onnxType() const { return onnx; }
  ElementKind kind() const { return elemKind; }
  bool isFloat() const { return elemKind == ElementKind::Float; }
  OpBuilder &builder() const { return b; }
  Location location() const { return loc; }

  Value constant(double v) const;
  /// The lowest (highest) value of the type: the identity of max (min).
  Value lowest() const;
  Value highest() const;

  Value add(Value x, Value y) const;
  Value sub(Value x, Value y) const;
  Value mul(Value x, Value y) const;
  /// Division: float, or integer truncating toward zero (C semantics, as
  /// ONNX's reference computes it). Integer x / 0 is 0 and x / -1 is -x
  /// (wrapping), where hardware would trap.
  Value div(Value x, Value y) const;
  /// Remainder with the sign of the dividend (C fmod); 0 for a divisor of 0.
  Value rem(Value x, Value y) const;
  Value min(Value x, Value y) const;
  Value max(Value x, Value y) const;
  Value neg(Value x) const;
  Value abs(Value x) const;
  Value cmp(CmpKind kind, Value x, Value y) const;
  Value select(Value cond, Value x, Value y) const;
  /// x < 0 (always false for unsigned and bool).
  Value isNegative(Value x) const;

  /// i1 -> stored bool (i8).
  Value fromBool(Value cond) const;
  /// Stored value -> i1 (nonzero is true).
  Value truth(Value x) const;

private:
  OpBuilder &b;
  Location loc;
  Type onnx, storage;
  ElementKind elemKind;
};

/// Converts a stored scalar from one ONNX element type to another, as
/// numpy's astype does: floats to integers truncate toward zero, anything
/// to bool is `!= 0`, bool to a number is 0 or 1.
Value convertScalar(OpBuilder &b, Location loc, Value v, Type fromOnnx, Type toOnnx);

/// The type computations over `elem` accumulate in: f32 for half-precision
/// floats (rounding once at the end, as onnxruntime's kernels do), the
/// element type otherwise.
Type accumulatorType(Type onnxElem);

/// exp(x) - 1, as ONNX's reference computes it for Elu, Selu and Celu.
Value expMinusOne(const Scalar &s, Value x);

/// Applies a fused activation ("" for none) to a float scalar.
Value applyActivation(const Scalar &s, StringRef act, Value x, ArrayRef<float> params = {});

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

RankedTensorType typeOf(Value v);
bool isNone(Value v);

SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value tensor);

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type elem);
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Value scalar);

/// `in`, readable with identity maps on its dynamic dims in an iteration
/// space of `outSizes` (trailing alignment; the shapes already checked to
/// broadcast). Where a dynamic dim may be 1 at run time while the result's
/// is not, the run time decides: `in` itself, or a copy broadcast along its
/// dims of size 1. Dims provably equal to the result's need neither.
Value broadcastAtRunTime(OpBuilder &b, Location loc, Value in, ArrayRef<OpFoldResult> outSizes);

/// A parallel linalg.generic over `outSizes` whose inputs broadcast into it
/// (numpy rules, trailing alignment; a size-1 dim of an input broadcasts,
/// static or at run time).
/// The body gets one scalar per input and returns the result's.
Value buildElementwise(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> outSizes,
                       Type outElem, ValueRange inputs, BodyFn body);

/// A generic over `outSizes` whose element is computed from its indices
/// (`linalg.index`), typically by a `tensor.extract` from another tensor.
Value buildIndexed(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> outSizes, Type elem,
                   function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// Reduces `input` over `axes` (kept as size-1 dims) with `combine`,
/// starting from `init`.
Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                     Value init,
                     function_ref<Value(OpBuilder &, Location, Value, Value)> combine);

/// Reshapes `src` to `sizes` (the same number of elements) through a 1-D
/// collapse and an expand, which stay views after bufferization.
Value reshapeTo(OpBuilder &b, Location loc, Value src, ArrayRef<OpFoldResult> sizes);

/// Pads every dim of `input` by `low` and `high` with `padValue`.
Value padTensor(OpBuilder &b, Location loc, Value input, ArrayRef<OpFoldResult> low,
                ArrayRef<OpFoldResult> high, Value padValue);

/// `t` converted elementwise from ONNX element type `from` to `to` (the
/// same value when they are equal).
Value convertTensor(OpBuilder &b, Location loc, Value t, Type from, Type to);

/// Applies `act` to `acc` in place: a generic with `acc` as its only
/// operand, its init. After bufferization it updates the very buffer the
/// producing contraction wrote, which is how mlc-vectorize-contractions
/// recognizes it and applies it in registers instead.
Value activateInPlace(OpBuilder &b, Location loc, StringRef act, ArrayRef<float> params,
                      Value acc);

/// An index value for `size`.
Value indexValue(OpBuilder &b, Location loc, OpFoldResult size);
/// An axis (index) read at run time, counted from the end when negative:
/// axis + rank if axis < 0. Range checks are the caller's.
Value normalizeAxisAtRunTime(OpBuilder &b, Location loc, Value axis, int64_t rank);

//===----------------------------------------------------------------------===//
// Pattern sets, one per op family.
//===----------------------------------------------------------------------===//

void populateElementwisePatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populateContractionPatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populateReductionPatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populatePoolingPatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populateNormalizationPatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populateDataMovementPatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populateConstantPatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populateImagePatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populateRecurrentPatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populateSelectionPatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);
void populateControlFlowPatterns(const ONNXTypeConverter &tc, RewritePatternSet &patterns);

} // namespace onnx_mlc::onnx_to_linalg

#endif // ONNX_MLC_CONVERSION_ONNXTOLINALG_UTILS_H
