//===- Utils.h - Building blocks of the ONNX-to-linalg patterns -*- C++ -*-===//
//
// Shared by the per-family pattern files (Elementwise.cpp, Contraction.cpp,
// ...). Private to this directory.
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_CONVERSION_ONNXTOLINALG_UTILS_H
#define ONNX_MLC_CONVERSION_ONNXTOLINALG_UTILS_H

#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace onnx_mlc::onnx_to_linalg {

using namespace mlir;

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

RankedTensorType typeOf(Value v);

bool isNone(Value v);

Value scalarConst(OpBuilder &b, Location loc, Type type, double value);

/// The lowest (or highest) value of `type`: the identity of max (or min).
Value extremeConst(OpBuilder &b, Location loc, Type type, bool highest);

Value lowestConst(OpBuilder &b, Location loc, Type type);

Value highestConst(OpBuilder &b, Location loc, Type type);

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type);

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type, Value scalar);

/// Indexing map reading an operand of `operandShape` broadcast (numpy
/// rules, trailing alignment) into an iteration space of `outShape`.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> outShape);

/// A parallel linalg.generic over `outType` whose inputs broadcast into it.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType outType,
                       ValueRange inputs, BodyFn body);

/// Reduces `input` over `axes` (kept as size-1 dims) with `combine`,
/// starting from `init`.
Value buildReduction(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> axes, Value init,
                     function_ref<Value(OpBuilder &, Location, Value, Value)> combine);

/// Reshapes a static tensor to another static shape with the same number of
/// elements, through a 1-D view (both steps are views after bufferization).
Value reshapeTo(OpBuilder &b, Location loc, Value src, RankedTensorType dst);

/// Pads the spatial dims (2..) of an N,C,spatial tensor.
Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> low,
                 ArrayRef<int64_t> high, Value padValue);

/// Arith for the common binary ops, by element type.
Value addValues(OpBuilder &b, Location loc, Value x, Value y);

Value mulValues(OpBuilder &b, Location loc, Value x, Value y);

Value maxValues(OpBuilder &b, Location loc, Value x, Value y);

Value minValues(OpBuilder &b, Location loc, Value x, Value y);

/// x < 0 for floats and signed integers.
Value isNegative(OpBuilder &b, Location loc, Value x);

/// exp(x) - 1, as ONNX's reference computes it for Elu, Selu and Celu.
Value expMinusOne(OpBuilder &b, Location loc, Value x);

/// Applies a fused activation ("" for none) to a scalar.
Value applyActivation(OpBuilder &b, Location loc, StringRef act, Value x);

/// Applies `act` to `acc` in place: a generic with `acc` as its only
/// operand, its init. After bufferization it updates the very buffer the
/// producing contraction wrote, which is how mlc-vectorize-contractions
/// recognizes it and applies it in registers instead.
Value activateInPlace(OpBuilder &b, Location loc, StringRef act, Value acc);

//===----------------------------------------------------------------------===//
// Pattern sets, one per op family.
//===----------------------------------------------------------------------===//

void populateElementwisePatterns(RewritePatternSet &patterns);
void populateContractionPatterns(RewritePatternSet &patterns);
void populateReductionPatterns(RewritePatternSet &patterns);
void populatePoolingPatterns(RewritePatternSet &patterns);
void populateNormalizationPatterns(RewritePatternSet &patterns);
void populateDataMovementPatterns(RewritePatternSet &patterns);

} // namespace onnx_mlc::onnx_to_linalg

#endif // ONNX_MLC_CONVERSION_ONNXTOLINALG_UTILS_H
