// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' | FileCheck %s

// Resize (linear, half_pixel) by constant scales: per output position a
// source coordinate computed in f64 and two taps per resized axis.
// CHECK-LABEL: func @resize_linear
func.func @resize_linear(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %none = onnx.none
  %s = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  // CHECK: linalg.generic
  // CHECK: arith.sitofp %{{.+}} : i64 to f64
  // CHECK: math.floor %{{.+}} : f64
  // CHECK-COUNT-4: tensor.extract %{{.+}} : tensor<1x1x2x2xf32>
  // CHECK: arith.truncf %{{.+}} : f64 to f32
  %y = "onnx.Resize"(%x, %none, %s, %none) {mode = "linear"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// Nearest with round_prefer_floor picks the upper tap above a fraction of .5.
// CHECK-LABEL: func @resize_nearest
func.func @resize_nearest(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %none = onnx.none
  %sz = "onnx.Constant"() {value = dense<[1, 1, 4, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  // CHECK: arith.cmpf ogt, %{{.+}}, %{{.+}} : f64
  // CHECK: arith.select
  // CHECK: tensor.extract
  // CHECK-NOT: tensor.extract
  %y = "onnx.Resize"(%x, %none, %none, %sz) : (tensor<1x1x2x2xf32>, none, none, tensor<4xi64>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// GridSample, bilinear with zero padding: the output takes the grid's
// spatial sizes; each point reads its grid (x, then y), unnormalizes it and
// sums 2 x 2 taps, each 0 outside X.
// CHECK-LABEL: func @grid_sample
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.+}} : tensor<1x3x5x6xf32>)
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}, %c1] : tensor<1x5x6x2xf32>
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}, %c0] : tensor<1x5x6x2xf32>
// CHECK-COUNT-4: tensor.extract %{{.+}} : tensor<1x3x4x4xf32>
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @grid_sample(%x: tensor<1x3x4x4xf32>, %grid: tensor<1x5x6x2xf32>) -> tensor<1x3x5x6xf32> {
  %0 = "onnx.GridSample"(%x, %grid) {mode = "linear", padding_mode = "zeros"} : (tensor<1x3x4x4xf32>, tensor<1x5x6x2xf32>) -> tensor<1x3x5x6xf32>
  return %0 : tensor<1x3x5x6xf32>
}
