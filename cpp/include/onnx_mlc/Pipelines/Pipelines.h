//===- Pipelines.h - The compiler's registered pass pipelines ---*- C++ -*-===//
//
// The CLI, onnx_mlc.compile() and lit all run these, by name:
//   mlc-optimize-onnx   ONNX -> ONNX: shape inference, folding, fusion
//   mlc-lower-to-memref ONNX -> linalg -> bufferized memrefs, vector kernels
//                       and the planned workspace + the C ABI
//   mlc-lower-to-llvm   memrefs -> LLVM dialect
//   mlc-compile         all three
// -O0..-O3 are values of `opt-level`. The target is not an option: it is
// described in the module (`mlc.target`, see mlc-configure-kernels).
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_PIPELINES_PIPELINES_H
#define ONNX_MLC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace onnx_mlc {

struct PipelineOptions : mlir::PassPipelineOptions<PipelineOptions> {
  Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("0: only what lowering needs; 1: + constant propagation; "
                     "2: + Conv/Gemm/elementwise fusion; 3: as 2 (LLVM "
                     "optimizes harder)"),
      llvm::cl::init(2)};
  Option<std::string> prefix{*this, "prefix",
                             llvm::cl::desc("Prefix of the exported C symbols"),
                             llvm::cl::init("mlc")};
  Option<int64_t> foldBudget{
      *this, "fold-budget",
      llvm::cl::desc("Largest non-splat tensor, in elements, that constant "
                     "propagation creates"),
      llvm::cl::init(1 << 20)};
  Option<bool> profile{
      *this, "profile",
      llvm::cl::desc("Time every kernel and export the counters "
                     "(<prefix>_profile_*, see mlc-instrument-kernels)"),
      llvm::cl::init(false)};
};

void buildOptimizeONNXPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);
void buildLowerToMemRefPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);
void buildCompilePipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// Registers the pipelines above with the global pass registry.
void registerPipelines();

} // namespace onnx_mlc

#endif // ONNX_MLC_PIPELINES_PIPELINES_H
