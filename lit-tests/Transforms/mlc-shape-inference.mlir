// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(mlc-shape-inference))' | FileCheck %s

// CHECK-LABEL: func @broadcast_chain
// CHECK-SAME: -> tensor<2x3x4xf32>
func.func @broadcast_chain(%a: tensor<2x1x4xf32>, %b: tensor<3x1xf32>) -> tensor<*xf32> {
  // CHECK: "onnx.Add"{{.*}} -> tensor<2x3x4xf32>
  %0 = "onnx.Add"(%a, %b) : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<*xf32>
  // CHECK: "onnx.Relu"{{.*}} -> tensor<2x3x4xf32>
  %1 = "onnx.Relu"(%0) : (tensor<*xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// -----

// CHECK-LABEL: func @conv_same_upper
func.func @conv_same_upper(%x: tensor<1x3x7x7xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.none
  // CHECK: "onnx.Conv"{{.*}} -> tensor<1x8x4x4xf32>
  %0 = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x3x7x7xf32>, tensor<8x3x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// CHECK-LABEL: func @maxpool_ceil
func.func @maxpool_ceil(%x: tensor<1x1x5x5xf32>) -> tensor<*xf32> {
  // CHECK: "onnx.MaxPool"{{.*}} -> (tensor<1x1x2x2xf32>, none)
  %0, %1 = "onnx.MaxPool"(%x) {ceil_mode = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x1x5x5xf32>) -> (tensor<*xf32>, none)
  return %0 : tensor<*xf32>
}

// -----

// CHECK-LABEL: func @reshape_with_constant_shape
func.func @reshape_with_constant_shape(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  %s = "onnx.Constant"() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: "onnx.Reshape"{{.*}} -> tensor<2x12xf32>
  %0 = "onnx.Reshape"(%x, %s) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// CHECK-LABEL: func @gemm_trans
func.func @gemm_trans(%a: tensor<4x2xf32>, %b: tensor<5x4xf32>, %c: tensor<5xf32>) -> tensor<*xf32> {
  // CHECK: "onnx.Gemm"{{.*}} -> tensor<2x5xf32>
  %0 = "onnx.Gemm"(%a, %b, %c) {transA = 1 : i64, transB = 1 : i64} : (tensor<4x2xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Shape values built from partly known sizes keep what is known: the batch
// and sequence are unknown, the heads and head size are not. The attention
// mask expands to (batch, 1, seq, seq).
// CHECK-LABEL: func @reshape_with_a_partly_known_shape
func.func @reshape_with_a_partly_known_shape(%x: tensor<?x?x768xf32>, %m: tensor<?x1x1x?xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %shape = "onnx.Shape"(%x) {end = 2 : i64} : (tensor<?x?x768xf32>) -> tensor<2xi64>
  %heads = "onnx.Constant"() {value = dense<[12, 64]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s = "onnx.Concat"(%shape, %heads) {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  // CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x12x64xf32>
  %0 = "onnx.Reshape"(%x, %s) : (tensor<?x?x768xf32>, tensor<4xi64>) -> tensor<*xf32>
  %i0 = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %i1 = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %b = "onnx.Gather"(%shape, %i0) : (tensor<2xi64>, tensor<1xi64>) -> tensor<1xi64>
  %q = "onnx.Gather"(%shape, %i1) : (tensor<2xi64>, tensor<1xi64>) -> tensor<1xi64>
  %one = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = "onnx.Concat"(%b, %one, %q, %q) {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  // CHECK: "onnx.Expand"{{.*}} -> tensor<?x1x?x?xf32>
  %1 = "onnx.Expand"(%m, %e) : (tensor<?x1x1x?xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Squeeze and Unsqueeze with axes fed at run time: the count of axes fixes
// the rank; the sizes are computed when the model runs.
// CHECK-LABEL: func @run_time_axes
func.func @run_time_axes(%x: tensor<1x3x1xf32>, %a: tensor<1xi64>, %b: tensor<2xi64>)
    -> (tensor<*xf32>, tensor<*xf32>) {
  // CHECK: "onnx.Squeeze"(%arg0, %arg1) : (tensor<1x3x1xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  // (Result dim 0 is 1 either way: an axis, or input dim 0.)
  // CHECK: "onnx.Unsqueeze"(%arg0, %arg2) : (tensor<1x3x1xf32>, tensor<2xi64>) -> tensor<1x?x?x?x?xf32>
  %s = "onnx.Squeeze"(%x, %a) : (tensor<1x3x1xf32>, tensor<1xi64>) -> tensor<*xf32>
  %u = "onnx.Unsqueeze"(%x, %b) : (tensor<1x3x1xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %s, %u : tensor<*xf32>, tensor<*xf32>
}
