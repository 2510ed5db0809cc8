//===- Passes.h - Conversions out of ONNX and into the C ABI ----*- C++ -*-===//
#ifndef ONNX_MLC_CONVERSION_PASSES_H
#define ONNX_MLC_CONVERSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace onnx_mlc {

#define GEN_PASS_DECL
#include "onnx_mlc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "onnx_mlc/Conversion/Passes.h.inc"

} // namespace onnx_mlc

#endif // ONNX_MLC_CONVERSION_PASSES_H
