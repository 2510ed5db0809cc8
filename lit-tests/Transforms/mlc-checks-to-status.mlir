// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-checks-to-status)' | FileCheck %s

// Without checks, the model only gains its status: 0.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: -> (i32, memref<4xf32>)
// CHECK: %[[OK:.+]] = arith.constant 0 : i32
// CHECK: return %[[OK]], %{{.+}} : i32, memref<4xf32>
func.func @main_graph(%x: memref<4xf32>) -> memref<4xf32> {
  return %x : memref<4xf32>
}

// -----

// A check guards the rest of the function; the failure path returns
// MLC_ERR_RUNTIME_SHAPE (8) and empty buffers. Checks with only pure ops
// between them become one condition; a check after an op with effects nests.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: -> (i32, memref<?xf32>)
// CHECK-NOT: cf.assert
// CHECK: %[[SAME:.+]] = arith.cmpi eq
// CHECK: %[[POS:.+]] = arith.cmpi sgt
// CHECK: %[[BOTH:.+]] = arith.andi %[[SAME]], %[[POS]]
// CHECK: %[[R:.+]]:2 = scf.if %[[BOTH]] -> (i32, memref<?xf32>) {
// CHECK: memref.alloc
// CHECK: arith.addf
// CHECK: %[[S:.+]]:2 = scf.if %{{.+}} -> (i32, memref<?xf32>) {
// CHECK: scf.yield %{{.+}}, %{{.+}} : i32, memref<?xf32>
// CHECK: } else {
// CHECK: %[[E:.+]] = memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK: scf.yield %c8_i32{{.*}}, %[[E]]
// CHECK: scf.yield %[[S]]#0, %[[S]]#1
// CHECK: return %[[R]]#0, %[[R]]#1 : i32, memref<?xf32>
func.func @main_graph(%x: memref<?xf32>, %y: memref<?xf32>) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %a = memref.dim %x, %c0 : memref<?xf32>
  %b = memref.dim %y, %c0 : memref<?xf32>
  %same = arith.cmpi eq, %a, %b : index
  cf.assert %same, "broadcast dimensions do not match"
  %pos = arith.cmpi sgt, %a, %c0 : index
  cf.assert %pos, "empty"
  %e = memref.alloc(%a) : memref<?xf32>
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x, %y : memref<?xf32>, memref<?xf32>) outs(%e : memref<?xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  }
  %first = memref.load %e[%c0] : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %nonneg = arith.cmpf oge, %first, %zero : f32
  cf.assert %nonneg, "negative"
  return %e : memref<?xf32>
}

// -----

// A check whose condition needs only pure ops moves to the top with them,
// past the work in between, so that it joins the first check rather than
// nesting; a check that reads a buffer stays where it was.
// CHECK-LABEL: func.func @main_graph
// CHECK: %[[A:.+]] = memref.dim %{{.+}}, %c0
// CHECK: %[[B:.+]] = memref.dim %{{.+}}, %c0
// CHECK: %[[SAME:.+]] = arith.cmpi eq, %[[A]], %[[B]]
// CHECK: %[[SMALL:.+]] = arith.cmpi slt, %[[A]], %c100
// CHECK: %[[BOTH:.+]] = arith.andi %[[SAME]], %[[SMALL]]
// CHECK: scf.if %[[BOTH]]
// CHECK: linalg.copy
// CHECK: memref.load
// CHECK: scf.if
// CHECK-NOT: scf.if
// CHECK: return
func.func @main_graph(%x: memref<?xf32>, %y: memref<?xf32>) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %a = memref.dim %x, %c0 : memref<?xf32>
  %b = memref.dim %y, %c0 : memref<?xf32>
  %same = arith.cmpi eq, %a, %b : index
  cf.assert %same, "broadcast dimensions do not match"
  %e = memref.alloc(%a) : memref<?xf32>
  linalg.copy ins(%x : memref<?xf32>) outs(%e : memref<?xf32>)
  %c100 = arith.constant 100 : index
  %small = arith.cmpi slt, %a, %c100 : index
  cf.assert %small, "too large"
  %first = memref.load %e[%c0] : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %nonneg = arith.cmpf oge, %first, %zero : f32
  cf.assert %nonneg, "negative"
  return %e : memref<?xf32>
}

// -----

// An allocation sized by the inputs is checked before (at most 2^48 bytes,
// tested without overflowing) and after (malloc did not return null, unless
// nothing was asked for); both return MLC_ERR_OUT_OF_MEMORY (9).
// CHECK-LABEL: func.func @main_graph
// CHECK: %[[LIMIT:.+]] = arith.constant 281474976710656 : index
// CHECK: %[[ROOM:.+]] = arith.divui %[[LIMIT]]
// CHECK: %[[FITS:.+]] = arith.cmpi ule, %{{.+}}, %[[ROOM]]
// CHECK: scf.if %{{.+}} -> (i32, memref<?x3xf32>) {
// CHECK: %[[M:.+]] = memref.alloc(%{{.+}}) : memref<?x3xf32>
// CHECK: %[[P:.+]] = memref.extract_aligned_pointer_as_index %[[M]]
// CHECK: %[[NONNULL:.+]] = arith.cmpi ne, %[[P]]
// CHECK: %[[OK:.+]] = arith.ori %[[NONNULL]]
// CHECK: scf.if %[[OK]]
// CHECK: scf.yield %c9_i32
// CHECK: scf.yield %c9_i32
func.func @main_graph(%n: memref<i64>) -> memref<?x3xf32> {
  %v = memref.load %n[] : memref<i64>
  %size = arith.index_cast %v : i64 to index
  %m = memref.alloc(%size) : memref<?x3xf32>
  return %m : memref<?x3xf32>
}
