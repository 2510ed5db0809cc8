// RUN: not onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' 2>&1 | FileCheck %s

// Every unsupported op is reported, each naming node, op, domain and opset,
// and nothing is rewritten: an op the dialect does not model, an op without
// a lowering, and an op whose lowering declines (saying why).
module attributes {onnx.opset = 17 : i64} {
  func.func @three_unsupported(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) {
    %0 = onnx.opaque "MyOp"(%x) {domain = "com.example", opset = 3 : i64, node_attributes = {}} : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> loc("n1")
    %none = onnx.none
    %1 = "onnx.DFT"(%0, %none, %none) : (tensor<1x1x4x4xf32>, none, none) -> tensor<1x1x4x4xf32> loc("n2")
    %2, %3 = "onnx.MaxPool"(%1) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) loc("n3")
    return %2, %3 : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>
  }
}
// CHECK: error: {{.*}}node 'n1' (MyOp, domain com.example, opset 3): operator is not supported
// CHECK: error: {{.*}}node 'n2' (DFT, domain ai.onnx, opset 17): operator is not supported by the compiler yet
// CHECK: error: {{.*}}node 'n3' (MaxPool, domain ai.onnx, opset 17): the Indices output is not supported yet
