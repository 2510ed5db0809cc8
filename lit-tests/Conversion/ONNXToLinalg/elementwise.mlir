// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' | FileCheck %s

// CHECK-LABEL: func @relu
func.func @relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: linalg.generic
  // CHECK: arith.maximumf
  // CHECK-NOT: onnx.
  %0 = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Broadcasting reads the size-1 dim at index 0.
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func @add_broadcast
func.func @add_broadcast(%a: tensor<3x4xf32>, %b: tensor<1x4xf32>) -> tensor<3x4xf32> {
  // CHECK: linalg.generic {{.*}}#[[B]]
  // CHECK: arith.addf
  %0 = "onnx.Add"(%a, %b) : (tensor<3x4xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// LeakyRelu selects alpha * x for negative x.
// CHECK-LABEL: func @leaky_relu
func.func @leaky_relu(%x: tensor<5xf32>) -> tensor<5xf32> {
  // CHECK: linalg.generic
  // CHECK: %[[S:.+]] = arith.mulf %{{.+}}, %{{.+}}
  // CHECK: %[[NEG:.+]] = arith.cmpf olt
  // CHECK: arith.select %[[NEG]], %[[S]]
  %0 = "onnx.LeakyRelu"(%x) {alpha = 0.1 : f32} : (tensor<5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Clip with only an upper bound, then Cast to int64 (truncating).
// CHECK-LABEL: func @clip_cast
func.func @clip_cast(%x: tensor<4xf32>) -> tensor<4xi64> {
  %none = onnx.none
  %hi = "onnx.Constant"() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  // CHECK: linalg.generic
  // CHECK: arith.minimumf
  // CHECK-NOT: arith.maximumf
  // CHECK: linalg.generic
  // CHECK: arith.fptosi %{{.+}} : f32 to i64
  %0 = "onnx.Clip"(%x, %none, %hi) : (tensor<4xf32>, none, tensor<f32>) -> tensor<4xf32>
  %1 = "onnx.Cast"(%0) {to = 7 : i64} : (tensor<4xf32>) -> tensor<4xi64>
  return %1 : tensor<4xi64>
}
