// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-outline-kernels)' | FileCheck %s

// Each top-level loop nest moves to a function of its own that LLVM keeps
// separate; constants are cloned into it, memrefs and scalars passed.
// CHECK-LABEL: func @main_graph
// CHECK-SAME: (%[[X:.+]]: memref<8xf32>, %[[Y:.+]]: memref<8xf32>, %[[S:.+]]: f32)
func.func @main_graph(%x: memref<8xf32>, %y: memref<8xf32>, %s: f32) {
  // CHECK: call @main_graph_kernel_0(%[[X]], %[[Y]])
  // CHECK: call @main_graph_kernel_1(%[[S]], %[[Y]])
  // CHECK-NEXT: return
// CHECK-NEXT: }
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c1 = arith.constant 1 : index
  linalg.copy ins(%x : memref<8xf32>) outs(%y : memref<8xf32>)
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %s, %y[%i] : memref<8xf32>
  }
  return
}
// CHECK: func.func private @main_graph_kernel_0(%{{.+}}: memref<8xf32>, %{{.+}}: memref<8xf32>)
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK-SAME: passthrough = ["noinline"]
// CHECK: linalg.copy
// CHECK: func.func private @main_graph_kernel_1(%[[S1:.+]]: f32, %[[Y1:.+]]: memref<8xf32>)
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: scf.for
// CHECK: memref.store %[[S1]], %[[Y1]]

// A nest under the scf.if of a run-time check is outlined too, in place
// (the two copies are one kernel).
// CHECK-LABEL: func @checked
func.func @checked(%x: memref<8xf32>, %y: memref<8xf32>, %ok: i1) {
  // CHECK: scf.if
  // CHECK-NEXT: call @checked_kernel_0(%arg0, %arg1)
  // CHECK-NEXT: call @checked_kernel_0(%arg1, %arg0)
  // CHECK-NEXT: }
  scf.if %ok {
    linalg.copy ins(%x : memref<8xf32>) outs(%y : memref<8xf32>)
    linalg.copy ins(%y : memref<8xf32>) outs(%x : memref<8xf32>)
  }
  return
}

// Nests that compute the same thing on other buffers share one kernel; a
// nest that differs (here in a constant) gets its own.
// CHECK-LABEL: func @repeated
// CHECK-SAME: (%[[A:.+]]: memref<8xf32>, %[[B:.+]]: memref<8xf32>, %[[C:.+]]: memref<8xf32>)
func.func @repeated(%a: memref<8xf32>, %b: memref<8xf32>, %c: memref<8xf32>) {
  // CHECK: call @repeated_kernel_0(%[[A]], %[[B]])
  // CHECK: call @repeated_kernel_0(%[[B]], %[[C]])
  // CHECK: call @repeated_kernel_1(%[[C]], %[[A]])
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]} ins(%a : memref<8xf32>) outs(%b : memref<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.addf %v, %one : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]} ins(%b : memref<8xf32>) outs(%c : memref<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.addf %v, %one : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]} ins(%c : memref<8xf32>) outs(%a : memref<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.addf %v, %two : f32
    linalg.yield %r : f32
  }
  return
}
// CHECK: func.func private @repeated_kernel_0(
// CHECK: arith.constant 1.0
// CHECK: func.func private @repeated_kernel_1(
// CHECK: arith.constant 2.0
// CHECK-NOT: func.func private @repeated_kernel_2
