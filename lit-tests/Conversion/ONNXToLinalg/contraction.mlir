// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' | FileCheck %s

// Conv pads the input, copies its windows into columns (im2col:
// n, g, c, kh, kw, oh, ow) and multiplies them by the weights, as
// (g, f, k) x (n, g, k, p) -> (n, g, f, p), from zero; the bias follows in
// an elementwise epilogue (bias[g * 3 + f]).
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d2, d3 + d5, d4 + d6)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d4)>
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[BIAS:.+]] = affine_map<(d0, d1, d2, d3) -> (d1 * 3 + d2)>
// CHECK-DAG: #[[ACC:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @conv
func.func @conv(%x: tensor<1x2x5x5xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x5x5xf32> {
  // CHECK: tensor.pad
  // CHECK: linalg.generic {indexing_maps = [#[[COL]], {{.*}}]
  // CHECK-SAME: ins({{.*}} : tensor<1x2x7x7xf32>) outs({{.*}} : tensor<1x1x2x3x3x5x5xf32>)
  // CHECK: linalg.fill
  // CHECK: linalg.generic {indexing_maps = [#[[W]], #[[X]], #[[Y]]]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
  // CHECK-SAME: ins({{.*}} : tensor<1x3x18xf32>, tensor<1x1x18x25xf32>) outs({{.*}} : tensor<1x1x3x25xf32>)
  // CHECK: arith.mulf
  // CHECK: arith.addf
  // CHECK: linalg.generic {indexing_maps = [#[[BIAS]], #[[ACC]]]
  // CHECK-SAME: ins(%{{.+}} : tensor<3xf32>) outs({{.*}} : tensor<1x1x3x25xf32>)
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

// A depthwise convolution (one input channel per group) is a direct loop
// nest (n, f, oh, kh, kw, ow) over the padded input: no column copy, the
// output row innermost, the kernel taps as reductions. A fused Clip
// becomes the activation applied after it.
// CHECK-DAG: #[[DX:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d3, d5 * 2 + d4)>
// CHECK-DAG: #[[DW:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d3, d4)>
// CHECK-DAG: #[[DY:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>
// CHECK-LABEL: func @conv_depthwise
func.func @conv_depthwise(%x: tensor<1x4x6x6xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %none = "onnx.none"() : () -> none
  // CHECK: tensor.pad
  // CHECK: linalg.fill
  // CHECK: linalg.generic {indexing_maps = [#[[DX]], #[[DW]], #[[DY]]]
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]
  // CHECK-SAME: ins({{.*}} : tensor<1x4x7x7xf32>, tensor<4x3x3xf32>) outs({{.*}} : tensor<1x4x3x3xf32>)
  // CHECK: linalg.generic
  // CHECK: arith.maximumf
  // CHECK: arith.minimumf
  %0 = "onnx.FusedConv"(%x, %w, %none) {group = 4 : i64, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>, activation = "Clip", activation_params = array<f32: 0.0, 6.0>} : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>, none) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

// Einsum: one generic over the equation's symbols, summing the missing ones.
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[O:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @einsum_bmm
func.func @einsum_bmm(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  // CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
  // CHECK: arith.mulf
  // CHECK: arith.addf
  %y = "onnx.Einsum"(%a, %b) {equation = "bij,bjk->bik"} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// ConvTranspose: the input spread by the stride, then a stride-1 convolution
// with the flipped weights (im2col and a contraction, as Conv).
// CHECK-LABEL: func @conv_transpose
func.func @conv_transpose(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>) -> tensor<1x2x7x7xf32> {
  %none = onnx.none
  // CHECK: arith.remsi
  // CHECK: tensor.extract
  // CHECK: arith.subi
  // CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
  %y = "onnx.ConvTranspose"(%x, %w, %none) {strides = array<i64: 2, 2>} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>, none) -> tensor<1x2x7x7xf32>
  return %y : tensor<1x2x7x7xf32>
}
