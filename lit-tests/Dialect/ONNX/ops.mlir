// RUN: onnx-mlc-opt %s | onnx-mlc-opt | FileCheck %s
// Round trip of generated, hand-written and opaque ops.

// CHECK-LABEL: func @round_trip
func.func @round_trip(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // CHECK: %[[NONE:.+]] = onnx.none
  %none = onnx.none
  // CHECK: "onnx.Conv"(%{{.+}}, %{{.+}}, %[[NONE]]) <{auto_pad = "VALID", group = 1 : i64}>
  %y = "onnx.Conv"(%x, %w, %none) {auto_pad = "VALID", group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  // CHECK: onnx.FusedConv
  // CHECK-SAME: activation = "Relu"
  %z = "onnx.FusedConv"(%x, %w, %none) {activation = "Relu"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  // CHECK: onnx.opaque "MyOp"(%{{.+}}) {domain = "com.example"
  %o = onnx.opaque "MyOp"(%y) {domain = "com.example", opset = 1 : i64, node_attributes = {alpha = 1.0 : f32}} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  return %o : tensor<1x4x6x6xf32>
}
