// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' | FileCheck %s

// CHECK-LABEL: func @reshape
func.func @reshape(%x: tensor<2x3x4xf32>) -> tensor<6x4xf32> {
  %s = "onnx.Constant"() {value = dense<[6, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: tensor.collapse_shape
  // CHECK: tensor.expand_shape
  %0 = "onnx.Reshape"(%x, %s) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// A Reshape whose shape is an input: the sizes are read at run time, a 0
// copies the input's size, and the element count is checked.
// CHECK-LABEL: func @reshape_runtime
func.func @reshape_runtime(%x: tensor<2x3x4xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // CHECK: tensor.extract %{{.+}}[%{{.+}}] : tensor<2xi64>
  // CHECK: arith.index_cast
  // CHECK: cf.assert %{{.+}}, "Reshape changes the number of elements"
  // CHECK: tensor.reshape
  %0 = "onnx.Reshape"(%x, %s) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Slice with a negative step reads data[start + i * step].
// CHECK-LABEL: func @slice_reverse
func.func @slice_reverse(%x: tensor<5xf32>) -> tensor<5xf32> {
  %st = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %en = "onnx.Constant"() {value = dense<-10> : tensor<1xi64>} : () -> tensor<1xi64>
  %ax = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %sp = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  // CHECK: linalg.generic
  // CHECK: linalg.index 0
  // CHECK: tensor.extract
  %0 = "onnx.Slice"(%x, %st, %en, %ax, %sp) : (tensor<5xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Slice with axes and steps known only at run time: each dim's start, step
// and size are selected at run time, checked, and read by a generic.
// CHECK-LABEL: func @slice_runtime_axes
// CHECK: arith.ceildivsi
// CHECK: cf.assert %{{.+}}, "Slice's axes are out of range or repeated, or a step is 0"
// CHECK: linalg.generic
// CHECK: arith.muli
// CHECK: tensor.extract %{{.+}} : tensor<5x6xf32>
func.func @slice_runtime_axes(%x: tensor<5x6xf32>, %starts: tensor<1xi64>, %ends: tensor<1xi64>,
                              %axes: tensor<1xi64>, %steps: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Slice"(%x, %starts, %ends, %axes, %steps) : (tensor<5x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
