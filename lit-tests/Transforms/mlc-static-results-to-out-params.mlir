// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-static-results-to-out-params)' | FileCheck %s

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

// -----

// A run-time-shaped value listed twice comes back as two buffers: the
// caller owns each result and frees it.
// CHECK-LABEL: func @main_graph(%{{.+}}: index) -> (memref<?xf32>, memref<?xf32>)
func.func @main_graph(%n: index) -> (memref<?xf32>, memref<?xf32>) {
  // CHECK: %[[A:.+]] = memref.alloc(%{{.+}}) : memref<?xf32>
  // CHECK: %[[D:.+]] = memref.dim %[[A]]
  // CHECK: %[[B:.+]] = memref.alloc(%[[D]]) : memref<?xf32>
  // CHECK: memref.copy %[[A]], %[[B]]
  // CHECK: return %[[A]], %[[B]]
  %a = memref.alloc(%n) : memref<?xf32>
  return %a, %a : memref<?xf32>, memref<?xf32>
}
