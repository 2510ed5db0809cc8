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

// Conv pads the input, copies its windows into columns (im2col:
// n, g, c, kh, kw, oh, ow) and multiplies them by the weights, as
// (g, f, k) x (n, g, k, p) -> (n, g, f, p), into the broadcast bias.
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d2, d3 + d5, d4 + d6)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d4)>
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @conv
func.func @conv(%x: tensor<1x2x5x5xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x5x5xf32> {
  // CHECK: tensor.pad
  // CHECK: linalg.generic
  // CHECK: linalg.generic {indexing_maps = [#[[COL]], {{.*}}]
  // CHECK-SAME: ins({{.*}} : tensor<1x2x7x7xf32>) outs({{.*}} : tensor<1x1x2x3x3x5x5xf32>)
  // CHECK: linalg.generic {indexing_maps = [#[[W]], #[[X]], #[[Y]]]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
  // CHECK-SAME: ins({{.*}} : tensor<1x3x18xf32>, tensor<1x1x18x25xf32>) outs({{.*}} : tensor<1x1x3x25xf32>)
  // CHECK: arith.mulf
  // CHECK: arith.addf
  %0 = "onnx.Conv"(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x5x5xf32>
  return %0 : tensor<1x3x5x5xf32>
}

// -----

// A 1x1 convolution with unit strides needs no column copy.
// CHECK-LABEL: func @conv_pointwise
func.func @conv_pointwise(%x: tensor<1x4x3x3xf32>, %w: tensor<8x4x1x1xf32>) -> tensor<1x8x3x3xf32> {
  %none = "onnx.none"() : () -> none
  // CHECK-NOT: tensor.pad
  // CHECK: linalg.fill
  // CHECK-NOT: linalg.generic
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
  // CHECK-SAME: ins({{.*}} : tensor<1x8x4xf32>, tensor<1x1x4x9xf32>)
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<1x4x3x3xf32>, tensor<8x4x1x1xf32>, none) -> tensor<1x8x3x3xf32>
  return %0 : tensor<1x8x3x3xf32>
}

// -----

// CHECK-LABEL: func @reshape
func.func @reshape(%x: tensor<2x3x4xf32>) -> tensor<6x4xf32> {
  %s = "onnx.Constant"() {value = dense<[6, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: tensor.collapse_shape
  // CHECK: tensor.expand_shape
  %0 = "onnx.Reshape"(%x, %s) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// ReduceMean over constant axes: a sum into a kept dimension, a division by
// the count, and a reshape dropping the dimension (keepdims = 0).
// CHECK-LABEL: func @reduce_mean
func.func @reduce_mean(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  %axes = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  // CHECK: %[[COUNT:.+]] = arith.constant 4.0
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "reduction"]
  // CHECK: arith.addf
  // CHECK: linalg.generic
  // CHECK: arith.divf %{{.+}}, %[[COUNT]]
  // CHECK: tensor.collapse_shape
  %0 = "onnx.ReduceMean"(%x, %axes) {keepdims = 0 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
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
