//===- ONNXConstantEval.h - Evaluating ONNX ops on constants ---*- C++ -*-===//
//
// One evaluator serves both `fold()` (with a small element budget, since the
// attributes it creates live until the end of compilation) and the
// `mlc-constant-propagation` pass (with the pass's budget).
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_DIALECT_ONNX_ONNXCONSTANTEVAL_H
#define ONNX_MLC_DIALECT_ONNX_ONNXCONSTANTEVAL_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

namespace onnx_mlc::onnx {

/// Element budget for folding in fold(): shape arithmetic, not weights.
/// Splat results are always folded, since they are stored as one element.
constexpr int64_t kFoldElementLimit = 256;

/// Evaluates `op` for operands that are all constants (a null entry means
/// that operand is not constant, or absent). Returns the values of the
/// results, or an empty vector when `op` cannot be evaluated or a non-splat
/// result would have more than `maxElements` elements.
llvm::SmallVector<mlir::Attribute>
evaluateConstant(mlir::Operation *op, llvm::ArrayRef<mlir::Attribute> operands,
                 int64_t maxElements);

} // namespace onnx_mlc::onnx

#endif // ONNX_MLC_DIALECT_ONNX_ONNXCONSTANTEVAL_H
