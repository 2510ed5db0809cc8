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

// A linalg.generic over bool buffers narrows what it reads and widens what
// it yields.
// CHECK-LABEL: func.func @generic
// CHECK-SAME: (%[[X:.+]]: memref<4xi32>, %[[B:.+]]: memref<4xi8>, %[[Y:.+]]: memref<4xi8>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[X]], %[[B]] : memref<4xi32>, memref<4xi8>) outs(%[[Y]] : memref<4xi8>)
// CHECK: ^bb0(%[[IN:.+]]: i32, %[[FLAG:.+]]: i8, %{{.+}}: i8):
// CHECK: %[[F:.+]] = arith.trunci %[[FLAG]] : i8 to i1
// CHECK: %[[C:.+]] = arith.cmpi slt
// CHECK: %[[AND:.+]] = arith.andi %[[C]], %[[F]] : i1
// CHECK: %[[W:.+]] = arith.extui %[[AND]] : i1 to i8
// CHECK: linalg.yield %[[W]] : i8
func.func @generic(%x: memref<4xi32>, %b: memref<4xi1>, %y: memref<4xi1>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x, %b : memref<4xi32>, memref<4xi1>) outs(%y : memref<4xi1>) {
  ^bb0(%in: i32, %flag: i1, %out: i1):
    %zero = arith.constant 0 : i32
    %c = arith.cmpi slt, %in, %zero : i32
    %and = arith.andi %c, %flag : i1
    linalg.yield %and : i1
  }
  return
}
