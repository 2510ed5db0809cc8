// RUN: onnx-mlc-opt %s -split-input-file -mlir-print-debuginfo --pass-pipeline='builtin.module(func.func(mlc-fuse-gemm))' | FileCheck %s

// CHECK-LABEL: func @matmul_add_relu
func.func @matmul_add_relu(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  // CHECK: %[[G:.+]] = "onnx.FusedGemm"(%arg0, %arg1, %arg2) <{activation = "Relu"
  // CHECK-NOT: onnx.MatMul
  // CHECK-NOT: onnx.Relu
  // CHECK: return %[[G]]
  %y = "onnx.MatMul"(%a, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %z = "onnx.Add"(%y, %b) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %r = "onnx.Relu"(%z) : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func @gemm_sigmoid
func.func @gemm_sigmoid(%a: tensor<4x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  // CHECK: "onnx.FusedGemm"(%arg0, %arg1, %arg2) <{activation = "Sigmoid", alpha = 5.000000e-01 : f32, beta = 1.000000e+00 : f32, transA = 0 : i64, transB = 1 : i64}>
  %y = "onnx.Gemm"(%a, %w, %b) {alpha = 0.5 : f32, transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %r = "onnx.Sigmoid"(%y) : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// The fused op is located at every node it absorbed, in order: reports and
// profiles name them all.
// CHECK-LABEL: func @fused_location
func.func @fused_location(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  // CHECK: "onnx.FusedGemm"{{.*}} loc(#[[LOC:.+]])
  %y = "onnx.MatMul"(%a, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32> loc("mm")
  %z = "onnx.Add"(%y, %b) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32> loc("add")
  %r = "onnx.Relu"(%z) : (tensor<4x16xf32>) -> tensor<4x16xf32> loc("relu")
  return %r : tensor<4x16xf32>
}
// CHECK-DAG: #[[MM:.+]] = loc("mm")
// CHECK-DAG: #[[ADD:.+]] = loc("add")
// CHECK-DAG: #[[RELU:.+]] = loc("relu")
// CHECK: #[[LOC]] = loc(fused[#[[MM]], #[[ADD]], #[[RELU]]])

// -----

// A constant B stored transposed is transposed here, once: the kernel
// reads B contiguous along n.
// CHECK-LABEL: func @transposed_constant_b
func.func @transposed_constant_b(%a: tensor<4x2xf32>) -> tensor<4x3xf32> {
  // CHECK: %[[BT:.+]] = "onnx.Constant"() <{value = dense<{{\[\[}}1.000000e+00, 3.000000e+00, 5.000000e+00], [2.000000e+00, 4.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>}>
  // CHECK: "onnx.FusedGemm"(%arg0, %[[BT]], %{{.+}}) <{activation = "Relu", {{.*}} transB = 0 : i64}>
  %b = "onnx.Constant"() {value = dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>} : () -> tensor<3x2xf32>
  %none = onnx.none
  %y = "onnx.Gemm"(%a, %b, %none) {transB = 1 : i64} : (tensor<4x2xf32>, tensor<3x2xf32>, none) -> tensor<4x3xf32>
  %r = "onnx.Relu"(%y) : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}
