//===- ONNXOps.h - Ops of the ONNX dialect ----------------------*- C++ -*-===//
#ifndef ONNX_MLC_DIALECT_ONNX_ONNXOPS_H
#define ONNX_MLC_DIALECT_ONNX_ONNXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "onnx_mlc/Dialect/ONNX/ONNXDialect.h"

#define GET_OP_CLASSES
#include "ONNX/ONNXOps.h.inc"

namespace onnx_mlc::onnx {
/// Creates an onnx.Constant holding `value`, typed as `value`.
ConstantOp createConstant(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::ElementsAttr value);

/// Whether a Reshape to `shape` with `allowzero` is known to copy no
/// dimension of its input (no 0 is read as "keep this dimension").
bool reshapeCopiesNoDimension(mlir::Value shape, mlir::Attribute allowzero);
} // namespace onnx_mlc::onnx

#endif // ONNX_MLC_DIALECT_ONNX_ONNXOPS_H
