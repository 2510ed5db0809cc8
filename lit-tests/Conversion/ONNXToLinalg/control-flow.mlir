// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-convert-onnx-to-linalg)' | FileCheck %s

// If: the branches' regions move into an scf.if on the stored condition.
// CHECK-LABEL: func @if_else
func.func @if_else(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: %[[V:.+]] = tensor.extract %{{.+}}[] : tensor<i8>
  // CHECK: %[[C:.+]] = arith.cmpi ne, %[[V]]
  // CHECK: scf.if %[[C]] -> (tensor<2xf32>)
  // CHECK: arith.addf
  // CHECK: scf.yield
  // CHECK: } else {
  // CHECK: scf.yield
  %y = "onnx.If"(%c) ({
    onnx.Yield %b : tensor<2xf32>
  }, {
    %s = "onnx.Add"(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %s : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// Loop: an scf.while carrying the iteration, the condition, the values and
// one slot per iteration for each scan output.
// CHECK-LABEL: func @loop_sum
func.func @loop_sum(%m: tensor<i64>, %x: tensor<3xf32>) -> (tensor<3xf32>, tensor<?x3xf32>) {
  %none = onnx.none
  // CHECK: scf.while
  // CHECK: scf.condition
  // CHECK: arith.addf
  // CHECK: tensor.insert_slice
  // CHECK: scf.yield
  // CHECK: tensor.extract_slice
  %v, %scan = "onnx.Loop"(%m, %none, %x) ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %acc: tensor<3xf32>):
    %next = "onnx.Add"(%acc, %acc) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    onnx.Yield %c, %next, %next : tensor<i1>, tensor<3xf32>, tensor<3xf32>
  }) : (tensor<i64>, none, tensor<3xf32>) -> (tensor<3xf32>, tensor<?x3xf32>)
  return %v, %scan : tensor<3xf32>, tensor<?x3xf32>
}
