// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg,func.func(canonicalize))' | FileCheck %s

// ReduceMean over constant axes: a sum into a kept dimension, a division by
// the count, and a reshape dropping the dimension (keepdims = 0).
// CHECK-LABEL: func @reduce_mean
func.func @reduce_mean(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  %axes = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  // CHECK: %[[COUNT:.+]] = arith.constant 4.0
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "reduction"]
  // CHECK: arith.addf
  // CHECK: linalg.generic
  // CHECK: arith.divf %{{.+}}, %[[COUNT]]
  // CHECK: tensor.collapse_shape
  %0 = "onnx.ReduceMean"(%x, %axes) {keepdims = 0 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// TopK by ranks: a count of the elements before each one, then the element
// of rank p at output position p.
// CHECK-LABEL: func @top_k
func.func @top_k(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %k = "onnx.Constant"() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  // CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
  // CHECK: arith.cmpf ogt
  // CHECK: linalg.generic {{.*}} outs(%{{.+}}, %{{.+}} : tensor<3x2xf32>, tensor<3x2xi64>)
  %v, %i = "onnx.TopK"(%x, %k) {axis = -1 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}
