//===- ONNXDialect.h - The ONNX dialect and its types ----------*- C++ -*-===//
#ifndef ONNX_MLC_DIALECT_ONNX_ONNXDIALECT_H
#define ONNX_MLC_DIALECT_ONNX_ONNXDIALECT_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"

#include "ONNX/ONNXDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "ONNX/ONNXTypes.h.inc"

#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "ONNX/ONNXInterfaces.h.inc"

#endif // ONNX_MLC_DIALECT_ONNX_ONNXDIALECT_H
