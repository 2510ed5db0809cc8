//===- Passes.h - Passes over ONNX and linalg -------------------*- C++ -*-===//
#ifndef ONNX_MLC_TRANSFORMS_PASSES_H
#define ONNX_MLC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Pass/Pass.h"
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"

namespace onnx_mlc {

#define GEN_PASS_DECL
#include "onnx_mlc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "onnx_mlc/Transforms/Passes.h.inc"

/// The module attribute that describes the target (an #llvm.target: triple,
/// CPU, features), which mlc-configure-kernels reads.
constexpr llvm::StringLiteral kTargetAttrName = "mlc.target";

/// Patterns of mlc-fuse-conv and mlc-fuse-gemm, for reuse in other pipelines.
void populateFuseConvPatterns(mlir::RewritePatternSet &patterns);
void populateFuseGemmPatterns(mlir::RewritePatternSet &patterns);

} // namespace onnx_mlc

#endif // ONNX_MLC_TRANSFORMS_PASSES_H
