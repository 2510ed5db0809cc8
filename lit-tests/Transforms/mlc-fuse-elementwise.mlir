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

// A contraction keeps its operands: neither the elementwise producer of an
// input nor a splat constant is fused into it.
// CHECK-LABEL: func @contraction_operands_stay
func.func @contraction_operands_stay(%a: tensor<4x8xf32>) -> tensor<4x16xf32> {
  // CHECK: linalg.generic
  // CHECK: arith.maximumf
  // CHECK: linalg.generic
  // CHECK-SAME: "reduction"
  // CHECK-SAME: ins(%{{.+}}, %{{.+}} : tensor<4x8xf32>, tensor<8x16xf32>)
  %w = "onnx.Constant"() {value = dense<0.5> : tensor<8x16xf32>} : () -> tensor<8x16xf32>
  %0 = "onnx.Relu"(%a) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = "onnx.MatMul"(%0, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}
