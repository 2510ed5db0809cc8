//===- ONNXOps.h - Ops of the ONNX dialect ----------------------*- C++ -*-===//
#ifndef ONNX_MLC_DIALECT_ONNX_ONNXOPS_H
#define ONNX_MLC_DIALECT_ONNX_ONNXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "onnx_mlc/Dialect/ONNX/ONNXDialect.h"

#define GET_OP_CLASSES
#include "ONNX/ONNXOps.h.inc"

namespace onnx_mlc::onnx {
/// Creates an onnx.Constant holding `value`, typed as `value`.
ConstantOp createConstant(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::ElementsAttr value);

/// The ONNX node names an op's location carries: the importer locates each
/// op at its node's name, and a fusion at every node it absorbed (a
/// FusedLoc). Empty for ops the compiler made up.
llvm::SmallVector<llvm::StringRef> nodeNames(mlir::Location loc);

/// The per-axis scales of a Resize (1 for dims it does not resize) when they
/// are known at compile time.
std::optional<llvm::SmallVector<double>> resizeScales(ResizeOp op);

/// An Einsum equation over iteration dims: the output's dims first, then the
/// summed ones. A symbol repeated in one input is a diagonal.
struct EinsumSpec {
  llvm::SmallVector<llvm::SmallVector<int64_t>> inputs; // per input, its dims
  llvm::SmallVector<int64_t> output;
  int64_t numDims = 0;
};
mlir::FailureOr<EinsumSpec> parseEinsum(EinsumOp op, std::string &error);

/// Whether a Reshape to `shape` with `allowzero` is known to copy no
/// dimension of its input (no 0 is read as "keep this dimension").
bool reshapeCopiesNoDimension(mlir::Value shape, mlir::Attribute allowzero);
} // namespace onnx_mlc::onnx

#endif // ONNX_MLC_DIALECT_ONNX_ONNXOPS_H
