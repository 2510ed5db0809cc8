// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(mlc-constant-propagation{max-elements=4}))' | FileCheck %s

// CHECK-LABEL: func @shape_arithmetic
func.func @shape_arithmetic() -> tensor<2xi64> {
  // CHECK: %[[C:.+]] = "onnx.Constant"() <{value = dense<[3, 6]> : tensor<2xi64>}>
  // CHECK-NOT: onnx.Mul
  // CHECK: return %[[C]]
  %0 = "onnx.Constant"() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %1 = "onnx.Constant"() {value = dense<3> : tensor<2xi64>} : () -> tensor<2xi64>
  %2 = "onnx.Mul"(%0, %1) : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %2 : tensor<2xi64>
}

// -----

// Over budget: a non-splat result of 8 elements stays.
// CHECK-LABEL: func @over_budget
func.func @over_budget() -> tensor<8xf32> {
  // CHECK: onnx.Add
  %0 = "onnx.Constant"() {value = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>} : () -> tensor<8xf32>
  %1 = "onnx.Add"(%0, %0) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

// Splats fold whatever their size: the light models' ConstantOfShape weights.
// CHECK-LABEL: func @splat_weights
func.func @splat_weights() -> tensor<64x64xf32> {
  // CHECK: "onnx.Constant"() <{value = dense<2.000000e+00> : tensor<64x64xf32>}>
  // CHECK-NOT: onnx.Mul
  %0 = "onnx.Constant"() {value = dense<1.0> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %1 = "onnx.Constant"() {value = dense<2.0> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %2 = "onnx.Mul"(%0, %1) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  return %2 : tensor<64x64xf32>
}
