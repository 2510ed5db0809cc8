// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' | FileCheck %s

// CHECK-LABEL: func @relu
func.func @relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: linalg.generic
  // CHECK: arith.maximumf
  // CHECK-NOT: onnx.
  %0 = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Broadcasting reads the size-1 dim at index 0.
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func @add_broadcast
func.func @add_broadcast(%a: tensor<3x4xf32>, %b: tensor<1x4xf32>) -> tensor<3x4xf32> {
  // CHECK: linalg.generic {{.*}}#[[B]]
  // CHECK: arith.addf
  %0 = "onnx.Add"(%a, %b) : (tensor<3x4xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// LeakyRelu selects alpha * x for negative x.
// CHECK-LABEL: func @leaky_relu
func.func @leaky_relu(%x: tensor<5xf32>) -> tensor<5xf32> {
  // CHECK: linalg.generic
  // CHECK: %[[S:.+]] = arith.mulf %{{.+}}, %{{.+}}
  // CHECK: %[[NEG:.+]] = arith.cmpf olt
  // CHECK: arith.select %[[NEG]], %[[S]]
  %0 = "onnx.LeakyRelu"(%x) {alpha = 0.1 : f32} : (tensor<5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Clip with only an upper bound, then Cast to int64 (truncating).
// CHECK-LABEL: func @clip_cast
func.func @clip_cast(%x: tensor<4xf32>) -> tensor<4xi64> {
  %none = onnx.none
  %hi = "onnx.Constant"() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  // CHECK: linalg.generic
  // CHECK: arith.minimumf
  // CHECK-NOT: arith.maximumf
  // CHECK: linalg.generic
  // CHECK: arith.fptosi %{{.+}} : f32 to i64
  %0 = "onnx.Clip"(%x, %none, %hi) : (tensor<4xf32>, none, tensor<f32>) -> tensor<4xf32>
  %1 = "onnx.Cast"(%0) {to = 7 : i64} : (tensor<4xf32>) -> tensor<4xi64>
  return %1 : tensor<4xi64>
}

// -----

// Booleans are stored as i8: a comparison yields i1, widened to 0 or 1.
// CHECK-LABEL: func @less_bool
// CHECK-SAME: -> tensor<4xi8>
func.func @less_bool(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xi1> {
  // Unsigned operands compare unsigned.
  // CHECK: linalg.generic
  // CHECK: %[[C:.+]] = arith.cmpi ult
  // CHECK: arith.extui %[[C]] : i1 to i8
  %0 = "onnx.Less"(%a, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Where reads its condition as "nonzero"; the arithmetic is that of X.
// CHECK-LABEL: func @where
func.func @where(%c: tensor<3xi1>, %x: tensor<3xi32>, %y: tensor<3xi32>) -> tensor<3xi32> {
  // CHECK: ^bb0(%[[C:.+]]: i8, %[[X:.+]]: i32, %[[Y:.+]]: i32, %{{.+}}: i32):
  // CHECK: %[[T:.+]] = arith.cmpi ne, %[[C]]
  // CHECK: arith.select %[[T]], %[[X]], %[[Y]] : i32
  %0 = "onnx.Where"(%c, %x, %y) : (tensor<3xi1>, tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

// Sizes known only at run time broadcast as numpy's do: the result takes
// the larger, each must be 1 or equal to it (checked at run time), and an
// operand whose size turns out to be 1 is broadcast by a copy.
// CHECK-LABEL: func @add_dynamic
func.func @add_dynamic(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // CHECK-DAG: %[[DA:.+]] = tensor.dim %arg0, %c0
  // CHECK-DAG: %[[DB:.+]] = tensor.dim %arg1, %c0
  // CHECK: %[[N:.+]] = arith.maxsi %[[DA]], %[[DB]]
  // CHECK: %[[EQ:.+]] = arith.cmpi eq, %[[DA]], %[[N]]
  // CHECK: %[[ONE:.+]] = arith.cmpi eq, %[[DA]], %c1
  // CHECK: %[[OK:.+]] = arith.ori %[[EQ]], %[[ONE]]
  // CHECK: cf.assert %[[OK]], "broadcast dimensions do not match"
  // CHECK: cf.assert
  // CHECK: %[[A:.+]] = scf.if
  // CHECK-NEXT: scf.yield %arg0
  // CHECK: } else {
  // CHECK: tensor.extract %arg0
  // CHECK: %[[B:.+]] = scf.if
  // CHECK: tensor.empty(%[[N]]) : tensor<?x4xf32>
  // CHECK: linalg.generic {{.*}} ins(%[[A]], %[[B]] :
  // CHECK: arith.addf
  %0 = "onnx.Add"(%a, %b) : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Inputs that share a dim_param name have the same size (the C ABI checks
// it on entry): no check, no copy.
// CHECK-LABEL: func @add_same_dim_param
// CHECK-NOT: cf.assert
// CHECK-NOT: scf.if
// CHECK: arith.addf
func.func @add_same_dim_param(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32>
    attributes {mlc.input_dims = [["n", ""], ["n", ""]]} {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %1 = "onnx.Mul"(%0, %a) : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// Unsigned division and Cast from bool.
// CHECK-LABEL: func @unsigned_div_cast
func.func @unsigned_div_cast(%a: tensor<2xui32>, %b: tensor<2xui32>, %m: tensor<2xi1>) -> (tensor<2xui32>, tensor<2xf32>) {
  // CHECK: arith.divui
  %0 = "onnx.Div"(%a, %b) : (tensor<2xui32>, tensor<2xui32>) -> tensor<2xui32>
  // CHECK: arith.uitofp %{{.+}} : i8 to f32
  %1 = "onnx.Cast"(%m) {to = 1 : i64} : (tensor<2xi1>) -> tensor<2xf32>
  return %0, %1 : tensor<2xui32>, tensor<2xf32>
}

// -----

// BitCast between types of one width reinterprets each element's bits.
// CHECK-LABEL: func @bitcast
// CHECK: linalg.generic
// CHECK: arith.bitcast %{{.+}} : f32 to i32
func.func @bitcast(%x: tensor<2x3xf32>) -> tensor<2x3xi32> {
  %0 = "onnx.BitCast"(%x) {to = 6 : i64} : (tensor<2x3xf32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
