// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-widen-bool-buffers)' | FileCheck %s

// CHECK-LABEL: func.func private @flags
// CHECK-SAME: (%[[M:.+]]: memref<?xi8>, %[[I:.+]]: index)
// CHECK: %[[W:.+]] = memref.load %[[M]][%[[I]]] : memref<?xi8>
// CHECK: %[[B:.+]] = arith.trunci %[[W]] : i8 to i1
// CHECK: %[[N:.+]] = arith.xori %[[B]]
// CHECK: %[[E:.+]] = arith.extui %[[N]] : i1 to i8
// CHECK: memref.store %[[E]], %[[M]][%[[I]]] : memref<?xi8>
func.func private @flags(%m: memref<?xi1>, %i: index) {
  %true = arith.constant true
  %b = memref.load %m[%i] : memref<?xi1>
  %n = arith.xori %b, %true : i1
  memref.store %n, %m[%i] : memref<?xi1>
  return
}

// CHECK-LABEL: func.func @caller
// CHECK: %[[A:.+]] = memref.alloc() : memref<2xi8>
// CHECK: %[[C:.+]] = memref.cast %[[A]] : memref<2xi8> to memref<?xi8>
// CHECK: call @flags(%[[C]], %{{.+}}) : (memref<?xi8>, index) -> ()
// CHECK: memref.dealloc %[[A]] : memref<2xi8>
func.func @caller(%i: index) {
  %a = memref.alloc() : memref<2xi1>
  %c = memref.cast %a : memref<2xi1> to memref<?xi1>
  call @flags(%c, %i) : (memref<?xi1>, index) -> ()
  memref.dealloc %a : memref<2xi1>
  return
}
