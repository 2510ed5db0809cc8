//===- Pipelines.cpp - The compiler's registered pass pipelines -----------===//
#include "onnx_mlc/Pipelines/Pipelines.h"
#include "onnx_mlc/Conversion/Passes.h"
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace onnx_mlc {

/// Appends upstream passes given in textual form; they are fixed strings, so
/// a parse error is a bug in this file.
static void addUpstream(OpPassManager &pm, StringRef pipeline) {
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("onnx-mlc: bad built-in pipeline: " + pipeline);
}

void buildOptimizeONNXPipeline(OpPassManager &pm, const PipelineOptions &options) {
  OpPassManager &fn = pm.nest<func::FuncOp>();
  // Folding exposes shapes (Shape -> Gather -> Reshape) and shapes enable
  // folding, so the two alternate; two rounds settle the common chains.
  for (int round = 0; round < 2; ++round) {
    fn.addPass(createShapeInferencePass());
    fn.addPass(createCanonicalizerPass());
  }
  if (options.optLevel >= 1) {
    fn.addPass(createConstantPropagationPass({options.foldBudget}));
    fn.addPass(createShapeInferencePass());
    fn.addPass(createCanonicalizerPass());
  }
  if (options.optLevel >= 2) {
    fn.addPass(createFuseConvPass());
    fn.addPass(createFuseGemmPass());
    fn.addPass(createCanonicalizerPass());
  }
  fn.addPass(createShapeInferencePass());
}

void buildLowerToMemRefPipeline(OpPassManager &pm, const PipelineOptions &options) {
  pm.addPass(createConvertONNXToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createScalarizeSmallTensorsPass());
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  if (options.optLevel >= 2) {
    pm.addNestedPass<func::FuncOp>(createFuseElementwisePass());
    // Fusion reads the sizes of the ops it merges afresh.
    pm.addNestedPass<func::FuncOp>(createScalarizeSmallTensorsPass());
  }
  addUpstream(pm, "func.func(canonicalize,cse)");
  pm.addNestedPass<func::FuncOp>(createUnshareFillsPass());
  addUpstream(pm, "eliminate-empty-tensors,"
                  "one-shot-bufferize{allow-return-allocs-from-loops bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map}");
  // Static outputs become the caller's buffers, then failed checks return
  // early (their allocations must still be at the top level for the first).
  pm.addPass(createStaticResultsToOutParamsPass());
  // Sizes of buffers fold to the values they were allocated with, so that
  // most checks depend on the inputs' sizes alone and can be hoisted.
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addPass(createChecksToStatusPass());
  // Deallocation clones results it does not own; the clones become copies.
  addUpstream(pm, "func.func(canonicalize),buffer-deallocation-pipeline,"
                  "convert-bufferization-to-memref");
  pm.addPass(createWidenBoolBuffersPass());
  pm.addNestedPass<func::FuncOp>(createCopiesToLinalgPass());
  // What each kernel looks like is decided for the module's target, then
  // built; before the buffers are planned, so that the buffers a kernel
  // makes unnecessary (a padded copy read in place) are not planned.
  pm.addNestedPass<func::FuncOp>(createConfigureKernelsPass());
  pm.addPass(createPackWeightsPass());
  pm.addNestedPass<func::FuncOp>(createVectorizeContractionsPass());
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  // Weights now read only in panels go.
  pm.addPass(createSymbolDCEPass());
  // Deallocation frees at the end of the block; free after the last use.
  pm.addNestedPass<func::FuncOp>(createFreeEarlyPass());
  // Then the buffers that remain at the top level share one workspace.
  pm.addPass(createPlanWorkspacePass());
  pm.addPass(createEmitCABIPass({options.prefix}));
}

void buildLowerToLLVMPipeline(OpPassManager &pm, const PipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createParallelizeLinalgPass());
  pm.addPass(createOutlineKernelsPass({/*all=*/options.profile}));
  if (options.profile)
    pm.addPass(createInstrumentKernelsPass({options.prefix}));
  pm.addPass(createOutlineParallelLoopsPass());
  // Half-precision floats compute in f32 (no x86 or baseline AArch64 target
  // has the arithmetic), rounding after every op as ONNX's reference does.
  addUpstream(pm, "func.func(convert-linalg-to-loops),expand-strided-metadata,"
                  "lower-affine,convert-scf-to-cf,"
                  "arith-emulate-unsupported-floats{source-types=f16,bf16 target-type=f32},"
                  "math-extend-to-supported-types{target-type=f32},"
                  "func.func(mlc-approximate-math),"
                  "convert-vector-to-llvm,convert-math-to-llvm,"
                  "convert-math-to-libm,finalize-memref-to-llvm{use-aligned-alloc=1},"
                  "convert-arith-to-llvm,convert-index-to-llvm,"
                  "convert-cf-to-llvm,convert-func-to-llvm,convert-ub-to-llvm,"
                  "reconcile-unrealized-casts,canonicalize");
  pm.addPass(createLinkRuntimePass({options.prefix}));
  pm.addPass(createCheckLoweredToLLVMPass());
}

void buildCompilePipeline(OpPassManager &pm, const PipelineOptions &options) {
  buildOptimizeONNXPipeline(pm, options);
  buildLowerToMemRefPipeline(pm, options);
  buildLowerToLLVMPipeline(pm, options);
}

void registerPipelines() {
  PassPipelineRegistration<PipelineOptions>(
      "mlc-optimize-onnx", "ONNX-level shape inference, folding and fusion",
      buildOptimizeONNXPipeline);
  PassPipelineRegistration<PipelineOptions>(
      "mlc-lower-to-memref",
      "Lower ONNX to linalg, bufferize, and add the C ABI entry points",
      buildLowerToMemRefPipeline);
  PassPipelineRegistration<PipelineOptions>(
      "mlc-lower-to-llvm", "Lower the bufferized module to the LLVM dialect",
      buildLowerToLLVMPipeline);
  PassPipelineRegistration<PipelineOptions>(
      "mlc-compile", "The whole compiler: ONNX dialect to LLVM dialect",
      buildCompilePipeline);
}

} // namespace onnx_mlc
