// RUN: onnx-mlc-opt %s --mlc-outline-parallel-loops | FileCheck %s

// The body moves into a function over a range of iteration numbers; the
// loop becomes a call over [0, trip count), here ceil((100 - 4) / 8) = 12.
// CHECK-LABEL: func @scale
// CHECK-SAME: (%[[X:.+]]: memref<100xf32>, %[[F:.+]]: f32)
func.func @scale(%x: memref<100xf32>, %f: f32) {
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c100 = arith.constant 100 : index
  // CHECK: %[[TRIPS:.+]] = arith.ceildivsi
  // CHECK: call @scale_parallel_0(%[[X]], %[[F]], %c0{{.*}}, %[[TRIPS]])
  // CHECK-NOT: scf.parallel
  scf.parallel (%i) = (%c4) to (%c100) step (%c8) {
    %v = memref.load %x[%i] : memref<100xf32>
    %s = arith.mulf %v, %f : f32
    memref.store %s, %x[%i] : memref<100xf32>
    scf.reduce
  }
  return
}
// CHECK: func.func private @scale_parallel_0(%[[BX:.+]]: memref<100xf32>, %[[BF:.+]]: f32, %[[BEGIN:.+]]: index, %[[END:.+]]: index)
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK-SAME: mlc.parallel_body
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : index
// CHECK: scf.for %[[N:.+]] = %[[BEGIN]] to %[[END]] step %c1
// CHECK: %[[STEP:.+]] = arith.muli %[[N]], %[[C8]]
// CHECK: %[[I:.+]] = arith.addi %[[C4]], %[[STEP]]
// CHECK: memref.load %[[BX]][%[[I]]]
// CHECK: arith.mulf %{{.+}}, %[[BF]]

// Nested parallel loops run serially inside the outer one's body.
// CHECK-LABEL: func @nested
func.func @nested(%x: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  // CHECK: call @nested_parallel_0
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
      memref.store %zero, %x[%i, %j] : memref<8x8xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}
// CHECK: func.func private @nested_parallel_0
// CHECK: scf.for
// CHECK: scf.parallel
