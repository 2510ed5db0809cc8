// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' | FileCheck %s

// LSTM: the input projections of all steps in one contraction, then a loop
// over time carrying h, c and Y, with one fused step per iteration.
// CHECK-LABEL: func @lstm
func.func @lstm(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>) {
  %none = onnx.none
  // CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
  // CHECK: scf.for {{.*}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<5x2x4xf32>)
  // CHECK: iterator_types = ["parallel", "parallel", "reduction"]
  // CHECK: linalg.generic {{.*}} outs(%{{.+}}, %{{.+}} : tensor<2x4xf32>, tensor<2x4xf32>)
  // CHECK: math.tanh
  // CHECK: tensor.insert_slice
  // CHECK: scf.yield
  %y, %yh, %yc = "onnx.LSTM"(%x, %w, %r, %none, %none, %none, %none, %none) {hidden_size = 4 : i64} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>, none, none, none, none, none) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, none)
  return %y, %yh : tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
}
