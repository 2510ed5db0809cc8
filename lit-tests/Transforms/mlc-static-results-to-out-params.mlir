// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-static-results-to-out-params)' | FileCheck %s

// The static result becomes an argument that replaces its allocation; the
// status and the result of run-time shape stay results. An input returned
// as an output is copied.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%[[X:.+]]: memref<4xf32>, %[[N:.+]]: index, %[[OUT:.+]]: memref<4xf32>, %[[OUT2:.+]]: memref<4xf32>) -> (i32, memref<?xf32>)
// CHECK-NOT: memref.alloc() : memref<4xf32>
// CHECK: linalg.copy ins(%[[X]] : memref<4xf32>) outs(%[[OUT]] : memref<4xf32>)
// CHECK: %[[D:.+]] = memref.alloc(%[[N]]) : memref<?xf32>
// CHECK: memref.copy %[[X]], %[[OUT2]]
// CHECK: return %{{.+}}, %[[D]] : i32, memref<?xf32>
func.func @main_graph(%x: memref<4xf32>, %n: index) -> (i32, memref<4xf32>, memref<?xf32>, memref<4xf32>) {
  %ok = arith.constant 0 : i32
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  %d = memref.alloc(%n) : memref<?xf32>
  return %ok, %a, %d, %x : i32, memref<4xf32>, memref<?xf32>, memref<4xf32>
}
