// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(mlc-fuse-conv))' | FileCheck %s

// Conv -> BatchNormalization -> Relu becomes one FusedConv; BN is folded
// into the weights: s = 2 / sqrt(3 + 1) = 1, bias = (0 - 1) * 1 + 0.5.
// CHECK-LABEL: func @conv_bn_relu
func.func @conv_bn_relu(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x2x2xf32> {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<3x2x3x3xf32>} : () -> tensor<3x2x3x3xf32>
  %scale = "onnx.Constant"() {value = dense<2.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %b = "onnx.Constant"() {value = dense<0.5> : tensor<3xf32>} : () -> tensor<3xf32>
  %mean = "onnx.Constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %var = "onnx.Constant"() {value = dense<3.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %none = onnx.none
  // CHECK-DAG: %[[W:.+]] = "onnx.Constant"() <{value = dense<1.000000e+00> : tensor<3x2x3x3xf32>}>
  // CHECK-DAG: %[[B:.+]] = "onnx.Constant"() <{value = dense<-5.000000e-01> : tensor<3xf32>}>
  // CHECK: "onnx.FusedConv"(%arg0, %[[W]], %[[B]]) <{activation = "Relu"
  // CHECK-NOT: onnx.BatchNormalization
  // CHECK-NOT: onnx.Relu
  %c = "onnx.Conv"(%x, %w, %none) : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x2x2xf32>
  %n, %rm, %rv = "onnx.BatchNormalization"(%c, %scale, %b, %mean, %var) {epsilon = 1.0 : f32} : (tensor<1x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<1x3x2x2xf32>, none, none)
  %r = "onnx.Relu"(%n) : (tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  return %r : tensor<1x3x2x2xf32>
}

// -----

// A per-channel Add folds into the bias; a second user of the Conv blocks it.
// CHECK-LABEL: func @bias_add
func.func @bias_add(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x3x3xf32>) -> (tensor<1x3x2x2xf32>, tensor<1x3x2x2xf32>) {
  %none = onnx.none
  %c = "onnx.Constant"() {value = dense<[[[1.0]], [[2.0]], [[3.0]]]> : tensor<3x1x1xf32>} : () -> tensor<3x1x1xf32>
  // CHECK: %[[B:.+]] = "onnx.Constant"() <{value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>}>
  // CHECK: "onnx.FusedConv"(%arg0, %arg1, %[[B]])
  %y = "onnx.Conv"(%x, %w, %none) : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x2x2xf32>
  %z = "onnx.Add"(%y, %c) : (tensor<1x3x2x2xf32>, tensor<3x1x1xf32>) -> tensor<1x3x2x2xf32>
  // CHECK: %[[KEPT:.+]] = "onnx.Conv"
  // CHECK: "onnx.Relu"(%[[KEPT]])
  %k = "onnx.Conv"(%x, %w, %none) : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x2x2xf32>
  %r = "onnx.Relu"(%k) : (tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  %s = "onnx.Add"(%r, %k) : (tensor<1x3x2x2xf32>, tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  return %z, %s : tensor<1x3x2x2xf32>, tensor<1x3x2x2xf32>
}

// -----

// Weights stored as a dense resource (the importer's form for large
// initializers) fold as well: w = [1, 2], s = 4 / sqrt(3 + 1) = 2.
// CHECK-LABEL: func @resource_weights
func.func @resource_weights(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = "onnx.Constant"() {value = dense_resource<w> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %scale = "onnx.Constant"() {value = dense<4.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %b = "onnx.Constant"() {value = dense<0.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = "onnx.Constant"() {value = dense<0.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = "onnx.Constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %none = onnx.none
  // CHECK: %[[W:.+]] = "onnx.Constant"() <{value = dense<{{\[}}[{{\[}}[2.000000e+00]]], {{\[}}[{{\[}}4.000000e+00]]]]> : tensor<2x1x1x1xf32>}>
  // CHECK: "onnx.FusedConv"(%arg0, %[[W]],
  // CHECK-NOT: onnx.BatchNormalization
  %c = "onnx.Conv"(%x, %w, %none) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x2x2xf32>
  %n, %rm, %rv = "onnx.BatchNormalization"(%c, %scale, %b, %mean, %var) {epsilon = 1.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x2x2xf32>, none, none)
  return %n : tensor<1x2x2x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// A Clip with constant bounds (ReLU6, as torch exports MobileNets) fuses
// with its bounds; an absent bound is infinite. A run-time bound does not.
// CHECK-LABEL: func @clip
func.func @clip(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x3x3xf32>, %hi: tensor<f32>) -> (tensor<1x3x2x2xf32>, tensor<1x3x2x2xf32>, tensor<1x3x2x2xf32>) {
  %none = onnx.none
  %lo = "onnx.Constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %six = "onnx.Constant"() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  // CHECK: "onnx.FusedConv"(%arg0, %arg1, %{{.+}}) <{activation = "Clip", activation_params = array<f32: 0.000000e+00, 6.000000e+00>
  %c1 = "onnx.Conv"(%x, %w, %none) : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x2x2xf32>
  %r1 = "onnx.Clip"(%c1, %lo, %six) : (tensor<1x3x2x2xf32>, tensor<f32>, tensor<f32>) -> tensor<1x3x2x2xf32>
  // CHECK: "onnx.FusedConv"(%arg0, %arg1, %{{.+}}) <{activation = "Clip", activation_params = array<f32: 0.000000e+00, 0x7F800000>
  %c2 = "onnx.Conv"(%x, %w, %none) : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x2x2xf32>
  %r2 = "onnx.Clip"(%c2, %lo, %none) : (tensor<1x3x2x2xf32>, tensor<f32>, none) -> tensor<1x3x2x2xf32>
  // CHECK: "onnx.Clip"(%{{.+}}, %{{.+}}, %arg2)
  %c3 = "onnx.Conv"(%x, %w, %none) : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x2x2xf32>
  %r3 = "onnx.Clip"(%c3, %lo, %hi) : (tensor<1x3x2x2xf32>, tensor<f32>, tensor<f32>) -> tensor<1x3x2x2xf32>
  return %r1, %r2, %r3 : tensor<1x3x2x2xf32>, tensor<1x3x2x2xf32>, tensor<1x3x2x2xf32>
}

// -----

// A residual Add of a tensor of the output's shape becomes the operand Z,
// and the Relu after it the activation. A BatchNormalization after a sum
// does not fold (it would scale the sum too); an Add that broadcasts does
// not become Z.
// CHECK-LABEL: func @residual
func.func @residual(%x: tensor<1x3x4x4xf32>, %w: tensor<3x3x1x1xf32>, %small: tensor<1x3x1x4xf32>,
                    %p: tensor<3xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) {
  %none = onnx.none
  // CHECK: %[[R:.+]] = "onnx.FusedConv"(%arg0, %arg1, %{{.+}}, %arg0) <{activation = "Relu"
  %c = "onnx.Conv"(%x, %w, %none) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, none) -> tensor<1x3x4x4xf32>
  %s = "onnx.Add"(%c, %x) : (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %r = "onnx.Relu"(%s) : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  // CHECK: %[[S:.+]] = "onnx.FusedConv"(%arg0, %arg1, %{{.+}}, %arg0)
  // CHECK-NOT: activation = "Relu"
  // CHECK: "onnx.BatchNormalization"(%[[S]]
  %c2 = "onnx.Conv"(%x, %w, %none) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, none) -> tensor<1x3x4x4xf32>
  %s2 = "onnx.Add"(%x, %c2) : (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %n, %rm, %rv = "onnx.BatchNormalization"(%s2, %p, %p, %p, %p) : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<1x3x4x4xf32>, none, none)
  // CHECK: %[[C3:.+]] = "onnx.Conv"(%arg0, %arg1
  // CHECK: "onnx.Add"(%[[C3]], %arg2)
  %c3 = "onnx.Conv"(%x, %w, %none) : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, none) -> tensor<1x3x4x4xf32>
  %s3 = "onnx.Add"(%c3, %small) : (tensor<1x3x4x4xf32>, tensor<1x3x1x4xf32>) -> tensor<1x3x4x4xf32>
  return %r, %n, %s3 : tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>
}
