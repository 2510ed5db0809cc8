// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(mlc-shape-inference,canonicalize,mlc-shape-inference))' | FileCheck %s

// Shape -> Gather -> Concat -> Reshape folds to a Reshape by a constant.
// CHECK-LABEL: func @shape_chain
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // CHECK-NOT: onnx.Shape
  // CHECK-NOT: onnx.Gather
  // CHECK-NOT: onnx.Concat
  // CHECK: %[[S:.+]] = "onnx.Constant"() <{value = dense<[2, -1]> : tensor<2xi64>}>
  // CHECK: "onnx.Reshape"(%{{.+}}, %[[S]]) {{.*}} -> tensor<2x12xf32>
  %s = "onnx.Shape"(%x) {start = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<*xi64>
  %i = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %d = "onnx.Gather"(%s, %i) {axis = 0 : i64} : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %m = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %c = "onnx.Concat"(%d, %m) {axis = 0 : i64} : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %r = "onnx.Reshape"(%x, %c) : (tensor<2x3x4xf32>, tensor<*xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// CHECK-LABEL: func @constant_of_shape
func.func @constant_of_shape() -> tensor<*xf32> {
  // CHECK: "onnx.Constant"() <{value = dense<5.000000e-01> : tensor<3x4xf32>}>
  // CHECK-NOT: onnx.ConstantOfShape
  %s = "onnx.Constant"() {value = dense<[3, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %c = "onnx.ConstantOfShape"(%s) {value = dense<0.5> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<*xf32>
  return %c : tensor<*xf32>
}

// -----

// CHECK-LABEL: func @dropout_and_sum
func.func @dropout_and_sum(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %none = onnx.none
  // CHECK-NOT: onnx.Dropout
  // CHECK-NOT: onnx.Sum
  // CHECK: %[[A:.+]] = "onnx.Add"(%arg0, %arg1)
  // CHECK: return %[[A]]
  %d, %m = "onnx.Dropout"(%x, %none, %none) : (tensor<4xf32>, none, none) -> (tensor<4xf32>, none)
  %s = "onnx.Sum"(%d, %y) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @reshape_of_reshape
func.func @reshape_of_reshape(%x: tensor<2x6xf32>) -> tensor<3x4xf32> {
  // CHECK: "onnx.Reshape"(%arg0, %{{.+}}) {{.*}} -> tensor<3x4xf32>
  // CHECK-NOT: onnx.Reshape
  %a = "onnx.Constant"() {value = dense<[12]> : tensor<1xi64>} : () -> tensor<1xi64>
  %b = "onnx.Constant"() {value = dense<[3, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Reshape"(%x, %a) : (tensor<2x6xf32>, tensor<1xi64>) -> tensor<12xf32>
  %1 = "onnx.Reshape"(%0, %b) : (tensor<12xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  return %1 : tensor<3x4xf32>
}

// A 0 in the outer shape copies a dimension of the inner result (here 2,
// not the input's 4), so both reshapes stay.
// CHECK-LABEL: func @reshape_of_reshape_copying_a_dimension
func.func @reshape_of_reshape_copying_a_dimension(%x: tensor<4x6xf32>) -> tensor<2x3x4xf32> {
  // CHECK: %[[INNER:.+]] = "onnx.Reshape"(%arg0
  // CHECK: "onnx.Reshape"(%[[INNER]]
  %a = "onnx.Constant"() {value = dense<[2, 12]> : tensor<2xi64>} : () -> tensor<2xi64>
  %b = "onnx.Constant"() {value = dense<[0, 3, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = "onnx.Reshape"(%x, %a) : (tensor<4x6xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  %1 = "onnx.Reshape"(%0, %b) : (tensor<2x12xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}

// -----

// An If on a constant is the branch it takes, inlined; ONNX users take the
// yielded value, a return gets a cast to the type it was built for.
// CHECK-LABEL: func @if_of_constant
// CHECK-SAME: (%[[X:.+]]: tensor<2xf32>)
// CHECK-NOT: onnx.If
// CHECK: %[[N:.+]] = "onnx.Neg"(%[[X]])
// CHECK: %[[A:.+]] = "onnx.Abs"(%[[N]]) : (tensor<2xf32>) -> tensor<2xf32>
// CHECK: return %[[A]]
func.func @if_of_constant(%x: tensor<2xf32>) -> tensor<*xf32> {
  %c = "onnx.Constant"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
  %r = "onnx.If"(%c) ({
    onnx.Yield %x : tensor<2xf32>
  }, {
    %n = "onnx.Neg"(%x) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  %a = "onnx.Abs"(%r) : (tensor<*xf32>) -> tensor<*xf32>
  return %a : tensor<*xf32>
}

// -----

// A shape fed at run time decides, not the declared result type: neither
// op folds, although the declared types would allow it.
// CHECK-LABEL: func @declared_shapes_do_not_fold_run_time_shapes
func.func @declared_shapes_do_not_fold_run_time_shapes(%x: tensor<2x3xf32>, %s: tensor<2xi64>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  // CHECK: "onnx.ConstantOfShape"(%arg1)
  // CHECK: "onnx.Reshape"(%arg0, %arg1)
  %c = "onnx.ConstantOfShape"(%s) : (tensor<2xi64>) -> tensor<2x3xf32>
  %r = "onnx.Reshape"(%x, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %c, %r : tensor<2x3xf32>, tensor<2x3xf32>
}
