// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg,func.func(mlc-fuse-elementwise))' | FileCheck %s

// Add -> Mul -> Relu: three ONNX ops, one loop nest.
// CHECK-LABEL: func @chain
func.func @chain(%a: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  // CHECK: linalg.generic
  // CHECK: arith.addf
  // CHECK: arith.mulf
  // CHECK: arith.maximumf
  // CHECK-NOT: linalg.generic
  %0 = "onnx.Add"(%a, %b) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = "onnx.Mul"(%0, %0) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = "onnx.Relu"(%1) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}
