// Conversions out of the ONNX dialect and into the C ABI.

#ifndef ONNX_MLC_CONVERSION_PASSES
#define ONNX_MLC_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertONNXToLinalgPass
    : Pass<"mlc-convert-onnx-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower ONNX ops to linalg, tensor, arith and math";
  let description = [{
    Every ONNX op becomes linalg on tensors (named ops where they fit,
    `linalg.generic` otherwise), tensor reshapes and slices, and scalar arith
    and math. Before rewriting anything, the pass checks every op and reports
    all that it cannot lower, each naming the node, op, domain and opset.

    ```mlir
    // before
    %0 = onnx.Relu(%x) : (tensor<4xf32>) -> tensor<4xf32>
    // after
    %0 = linalg.generic {...} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
      ^bb0(%in: f32, %out: f32):
        %m = arith.maximumf %in, %cst : f32
        linalg.yield %m : f32
    } -> tensor<4xf32>
    ```
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect",
    "mlir::affine::AffineDialect"
  ];
}

def EmitCABIPass : Pass<"mlc-emit-c-abi", "mlir::ModuleOp"> {
  let summary = "Wrap the model function in the onnx-mlc C ABI";
  let description = [{
    Expects the bufferized model function `main_graph` with inputs first and
    outputs as trailing out-parameters, and the `mlc.input_names` and
    `mlc.output_names` attributes set by the importer. Adds, with the
    symbol prefix `prefix`:

    - `int32_t <prefix>_run(const mlc_tensor *in, int64_t n_in,
      const mlc_tensor *out, int64_t n_out)`, which checks counts, dtypes,
      ranks and shapes (returning a nonzero `MLC_ERR_*` code) and then runs;
    - `<prefix>_num_inputs/outputs`, `<prefix>_input/output_name`,
      `_dtype`, `_rank` and `_shape` reporting the signature.

    `mlc_tensor` is `{void *data; const int64_t *shape; int32_t dtype;
    int32_t rank;}`, and dtypes are ONNX `TensorProto.DataType` numbers.
    The generated C header (`onnx_mlc/codegen.py`) documents the same.
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"mlc\"",
           "Prefix of every exported symbol">
  ];
  let dependentDialects = [
    "mlir::LLVM::LLVMDialect", "mlir::arith::ArithDialect",
    "mlir::cf::ControlFlowDialect", "mlir::func::FuncDialect",
    "mlir::memref::MemRefDialect"
  ];
}

#endif // ONNX_MLC_CONVERSION_PASSES
