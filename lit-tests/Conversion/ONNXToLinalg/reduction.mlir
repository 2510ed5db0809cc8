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

// -----

// Axes known only at run time, without keepdims: each dim is reduced under
// its run-time flag, then the kept dims' sizes pick the output's, with a
// check that as many dims were reduced as there are axes.
// CHECK-LABEL: func @reduce_runtime_axes_dropped
// CHECK-COUNT-3: scf.if
// CHECK: cf.assert %{{.+}}, "the axes are out of range or repeated"
// CHECK: tensor.reshape %{{.+}} : (tensor<?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
func.func @reduce_runtime_axes_dropped(%x: tensor<2x3x4xf32>, %axes: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.ReduceSum"(%x, %axes) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// CumSum along an axis known only at run time: a range check, then one
// cumulative reduction per possible axis under scf.index_switch.
// CHECK-LABEL: func @cumsum_runtime_axis
// CHECK: cf.assert %{{.+}}, "the axis is out of range"
// CHECK: scf.index_switch %{{.+}} -> tensor<2x3xf32>
// CHECK: case 1 {
// CHECK: linalg.generic
// CHECK: default {
// CHECK: linalg.generic
func.func @cumsum_runtime_axis(%x: tensor<2x3xf32>, %axis: tensor<i64>) -> tensor<2x3xf32> {
  %0 = "onnx.CumSum"(%x, %axis) : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
