// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-checks-to-status)' | FileCheck %s

// Without checks, the model only gains its status: 0.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: -> (i32, tensor<4xf32>)
// CHECK: %[[OK:.+]] = arith.constant 0 : i32
// CHECK: return %[[OK]], %{{.+}} : i32, tensor<4xf32>
func.func @main_graph(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// Each check guards the rest of the function; the failure path returns
// MLC_ERR_RUNTIME_SHAPE (8) and empty tensors.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: -> (i32, tensor<?xf32>)
// CHECK-NOT: cf.assert
// CHECK: %[[R:.+]]:2 = scf.if %{{.+}} -> (i32, tensor<?xf32>) {
// CHECK: %[[S:.+]]:2 = scf.if %{{.+}} -> (i32, tensor<?xf32>) {
// CHECK: arith.addf
// CHECK: scf.yield %{{.+}}, %{{.+}} : i32, tensor<?xf32>
// CHECK: } else {
// CHECK: %[[E:.+]] = tensor.empty(%{{.+}}) : tensor<?xf32>
// CHECK: scf.yield %c8_i32{{.*}}, %[[E]]
// CHECK: scf.yield %[[S]]#0, %[[S]]#1
// CHECK: return %[[R]]#0, %[[R]]#1 : i32, tensor<?xf32>
func.func @main_graph(%x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %a = tensor.dim %x, %c0 : tensor<?xf32>
  %b = tensor.dim %y, %c0 : tensor<?xf32>
  %same = arith.cmpi eq, %a, %b : index
  cf.assert %same, "broadcast dimensions do not match"
  %pos = arith.cmpi sgt, %a, %c0 : index
  cf.assert %pos, "empty"
  %e = tensor.empty(%a) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x, %y : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}
