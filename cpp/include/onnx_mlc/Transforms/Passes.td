// Passes over the ONNX dialect and over linalg.

#ifndef ONNX_MLC_TRANSFORMS_PASSES
#define ONNX_MLC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def ShapeInferencePass : Pass<"mlc-shape-inference", "mlir::func::FuncOp"> {
  let summary = "Refine ONNX result types and the function signature";
  let description = [{
    Visits ops in order and calls `ShapeInferenceOpInterface::inferShapes`,
    so each op sees its operands' refined types; then updates the function's
    result types to the refined types of the returned values.

    ```mlir
    // before
    %1 = onnx.Relu(%0) : (tensor<2x3xf32>) -> tensor<*xf32>
    // after
    %1 = onnx.Relu(%0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let dependentDialects = ["onnx_mlc::onnx::ONNXDialect"];
}

def ConstantPropagationPass
    : Pass<"mlc-constant-propagation", "mlir::func::FuncOp"> {
  let summary = "Evaluate ONNX ops whose operands are all constants";
  let description = [{
    Replaces an op whose operands are constants by an `onnx.Constant` holding
    its result, using the same evaluator as the folders but with a larger
    budget: results of more than `max-elements` elements (splats excepted,
    which are stored as one value) stay in the program.

    ```mlir
    // before
    %0 = onnx.Constant {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
    %1 = onnx.Constant {value = dense<3> : tensor<2xi64>} : () -> tensor<2xi64>
    %2 = onnx.Mul(%0, %1) : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
    // after
    %2 = onnx.Constant {value = dense<[3, 6]> : tensor<2xi64>} : () -> tensor<2xi64>
    ```
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"1 << 20",
           "Largest non-splat result, in elements, that is computed at compile time">
  ];
  let dependentDialects = ["onnx_mlc::onnx::ONNXDialect"];
}

def FuseConvPass : Pass<"mlc-fuse-conv", "mlir::func::FuncOp"> {
  let summary = "Fold bias, BatchNormalization and activation into Conv";
  let description = [{
    Rewrites `Conv` into `onnx.FusedConv`, absorbing what follows it:
    a BatchNormalization with constant parameters (folded into constant
    weights and bias), an `Add` of a constant per-channel bias, and a Relu,
    Sigmoid or Tanh. Each absorbed op must be the only user of the value it
    consumes.

    ```mlir
    // before
    %y = onnx.Conv(%x, %w, %b) : ... -> tensor<1x8x4x4xf32>
    %z = onnx.Relu(%y) : ...
    // after
    %z = onnx.FusedConv(%x, %w, %b) {activation = "Relu"} : ...
    ```
  }];
  let dependentDialects = ["onnx_mlc::onnx::ONNXDialect"];
}

def FuseGemmPass : Pass<"mlc-fuse-gemm", "mlir::func::FuncOp"> {
  let summary = "Fold bias and activation into Gemm and 2-D MatMul";
  let description = [{
    Rewrites a `Gemm`, or a 2-D `MatMul` followed by the `Add` of a bias
    that broadcasts over its rows, into `onnx.FusedGemm`, and absorbs a
    following Relu, Sigmoid or Tanh.

    ```mlir
    // before
    %y = onnx.MatMul(%a, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %z = onnx.Add(%y, %b) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
    %r = onnx.Relu(%z) : ...
    // after
    %r = onnx.FusedGemm(%a, %w, %b) {activation = "Relu"} : ...
    ```
  }];
  let dependentDialects = ["onnx_mlc::onnx::ONNXDialect"];
}

def FuseElementwisePass : Pass<"mlc-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg ops into one loop nest";
  let description = [{
    Merges a `linalg.generic` into its elementwise consumer when the producer
    has no other user, so a chain such as `add -> mul -> relu` runs as a
    single loop nest and its intermediates are never written to memory.

    ```mlir
    // before: two generics, one intermediate tensor
    %1 = linalg.generic {...} ins(%a, %b) outs(%e) { addf }
    %2 = linalg.generic {...} ins(%1) outs(%e) { maximumf }
    // after: one generic computing maximumf(addf(a, b), 0)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def CopiesToLinalgPass : Pass<"mlc-copies-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    A `memref.copy` between non-contiguous views (padding, concatenation)
    lowers to a call into MLIR's C runner library, which compiled models do
    not link. As `linalg.copy` it becomes loops like every other kernel.

    ```mlir
    // before
    memref.copy %a, %b : memref<4xf32> to memref<4xf32, strided<[2]>>
    // after
    linalg.copy ins(%a : memref<4xf32>) outs(%b : memref<4xf32, strided<[2]>>)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif // ONNX_MLC_TRANSFORMS_PASSES
