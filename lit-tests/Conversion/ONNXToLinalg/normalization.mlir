// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' | FileCheck %s

// LayerNormalization over the last dim: a mean, the centered values, the
// mean of their squares, then (x - mean) * invstd * scale + bias.
// CHECK-LABEL: func @layer_norm
func.func @layer_norm(%x: tensor<2x8xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  // CHECK: iterator_types = ["parallel", "reduction"]
  // CHECK: arith.subf
  // CHECK: iterator_types = ["parallel", "reduction"]
  // CHECK: math.sqrt
  // CHECK: arith.mulf
  // CHECK: arith.addf
  %y, %m, %i = "onnx.LayerNormalization"(%x, %s, %b) {axis = -1 : i64} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<2x8xf32>, none, none)
  return %y : tensor<2x8xf32>
}

// -----

// Half-precision inputs normalize in f32.
// CHECK-LABEL: func @layer_norm_f16
func.func @layer_norm_f16(%x: tensor<2x8xf16>, %s: tensor<8xf16>) -> tensor<2x8xf16> {
  %none = onnx.none
  // CHECK: arith.extf %{{.+}} : f16 to f32
  // CHECK: arith.truncf %{{.+}} : f32 to f16
  %y, %m, %i = "onnx.LayerNormalization"(%x, %s, %none) : (tensor<2x8xf16>, tensor<8xf16>, none) -> (tensor<2x8xf16>, none, none)
  return %y : tensor<2x8xf16>
}
