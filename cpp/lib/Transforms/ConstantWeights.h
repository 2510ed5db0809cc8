//===- ConstantWeights.h - Reading and writing f32 weights ------*- C++ -*-===//
//
// The graph-level rewrites that change weights at compile time (folding a
// BatchNormalization into a Conv, transposing a Gemm's B) read constants
// the importer stored as dense attributes or dense resources, and write
// them back the same way.
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_TRANSFORMS_CONSTANTWEIGHTS_H
#define ONNX_MLC_TRANSFORMS_CONSTANTWEIGHTS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace onnx_mlc {

/// The f32 values of a constant; one value for a splat.
struct F32Values {
  llvm::SmallVector<float> values;
  bool splat;
  float at(int64_t i) const { return values[splat ? 0 : i]; }
};

/// An activation that FusedConv and FusedGemm can apply: its name and,
/// for Clip, the constant [min, max] (absent bounds are infinite).
struct FusableActivation {
  llvm::StringRef name;
  llvm::SmallVector<float> params;
};

/// `op` as a fusable activation of f32 values (Relu, Sigmoid, Tanh, or a
/// Clip with constant bounds), if it is one.
std::optional<FusableActivation> fusableActivation(mlir::Operation *op);

/// The f32 contents of `v` if it is a constant (a dense attribute or a
/// dense resource).
std::optional<F32Values> constantF32(mlir::Value v);

/// An onnx.Constant of `type` holding `values` (one value when `splat`);
/// large ones become a dense resource, as the importer stores weights.
mlir::Value f32Constant(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                        llvm::ArrayRef<float> values, bool splat);

} // namespace onnx_mlc

#endif // ONNX_MLC_TRANSFORMS_CONSTANTWEIGHTS_H
