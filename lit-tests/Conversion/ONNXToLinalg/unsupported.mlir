// RUN: not onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' 2>&1 | FileCheck %s

// Every unsupported op is reported, each naming node, op, domain and opset,
// and nothing is rewritten.
module attributes {onnx.opset = 17 : i64} {
  func.func @two_unsupported(%x: tensor<4xf32>) -> tensor<?xf32> {
    %0 = onnx.opaque "MyOp"(%x) {domain = "com.example", opset = 3 : i64, node_attributes = {}} : (tensor<4xf32>) -> tensor<4xf32> loc("n1")
    %1 = "onnx.Hardmax"(%0) : (tensor<4xf32>) -> tensor<4xf32> loc("n2")
    %2 = "onnx.Relu"(%1) : (tensor<4xf32>) -> tensor<?xf32> loc("n3")
    return %2 : tensor<?xf32>
  }
}
// CHECK: error: {{.*}}node 'n1' (MyOp, domain com.example, opset 3): operator is not supported
// CHECK: error: {{.*}}node 'n2' (Hardmax, domain ai.onnx, opset 17): operator is not supported by the compiler yet
// CHECK: error: {{.*}}node 'n3' (Relu, domain ai.onnx, opset 17): dynamic dimensions are not supported yet
