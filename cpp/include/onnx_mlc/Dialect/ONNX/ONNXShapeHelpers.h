//===- ONNXShapeHelpers.h - Shape rules shared by inference and lowering -===//
//
// Shape inference and the lowering to linalg must agree on every output
// size and padding, so both call these functions.
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_DIALECT_ONNX_ONNXSHAPEHELPERS_H
#define ONNX_MLC_DIALECT_ONNX_ONNXSHAPEHELPERS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace onnx_mlc::onnx {

/// Multidirectional (numpy) broadcasting of two shapes; dynamic dims are
/// ShapedType::kDynamic. Returns nullopt when the shapes are incompatible.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// Maps a possibly negative ONNX axis into [0, rank); nullopt if out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// The constant value behind `value` (an onnx.Constant or any ConstantLike op).
mlir::DenseElementsAttr getConstantValue(mlir::Value value);

/// The int64 values of a constant 1-D (or scalar) tensor.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value value);

/// Window geometry of a Conv or pooling op over its spatial dims, resolved
/// from kernel_shape, strides, dilations, pads, auto_pad and ceil_mode.
struct WindowGeometry {
  llvm::SmallVector<int64_t> kernel, strides, dilations;
  /// ONNX layout: begin pads for every spatial dim, then end pads.
  llvm::SmallVector<int64_t> pads;
  /// Output spatial sizes; kDynamic where the input size is dynamic.
  llvm::SmallVector<int64_t> outSizes;
};

/// Computes the window geometry for `inSizes` (spatial dims only). Returns
/// nullopt and sets `error` if the attributes are inconsistent.
std::optional<WindowGeometry>
computeWindowGeometry(llvm::ArrayRef<int64_t> inSizes,
                      llvm::ArrayRef<int64_t> kernel,
                      std::optional<llvm::ArrayRef<int64_t>> strides,
                      std::optional<llvm::ArrayRef<int64_t>> dilations,
                      std::optional<llvm::ArrayRef<int64_t>> pads,
                      llvm::StringRef autoPad, bool ceilMode,
                      std::string &error);

/// Sets `result`'s type to `refined` where that adds information: a ranked
/// type replaces an unranked one and static dims replace dynamic ones. Fails
/// if the two disagree on a static dimension or rank.
llvm::LogicalResult refineResultType(mlir::Value result,
                                     mlir::RankedTensorType refined);

} // namespace onnx_mlc::onnx

#endif // ONNX_MLC_DIALECT_ONNX_ONNXSHAPEHELPERS_H
