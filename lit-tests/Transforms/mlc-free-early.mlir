// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(mlc-free-early))' | FileCheck %s

// Each buffer is freed after the last op that reads it or a view of it.
// CHECK-LABEL: func @chain
func.func @chain(%x: memref<64xf32>, %y: memref<8x8xf32>) {
  // CHECK: %[[A:.+]] = memref.alloc
  // CHECK-NEXT: call @k0(%arg0, %[[A]])
  // CHECK-NEXT: %[[B:.+]] = memref.alloc
  // CHECK-NEXT: %[[V:.+]] = memref.expand_shape %[[A]]
  // CHECK-NEXT: call @k1(%[[V]], %[[B]])
  // CHECK-NEXT: memref.dealloc %[[A]]
  // CHECK-NEXT: call @k2(%[[B]], %arg1)
  // CHECK-NEXT: memref.dealloc %[[B]]
  // CHECK-NEXT: return
  %a = memref.alloc() : memref<64xf32>
  call @k0(%x, %a) : (memref<64xf32>, memref<64xf32>) -> ()
  %b = memref.alloc() : memref<8x8xf32>
  %v = memref.expand_shape %a [[0, 1]] output_shape [8, 8] : memref<64xf32> into memref<8x8xf32>
  call @k1(%v, %b) : (memref<8x8xf32>, memref<8x8xf32>) -> ()
  call @k2(%b, %y) : (memref<8x8xf32>, memref<8x8xf32>) -> ()
  memref.dealloc %a : memref<64xf32>
  memref.dealloc %b : memref<8x8xf32>
  return
}
func.func private @k0(memref<64xf32>, memref<64xf32>)
func.func private @k1(memref<8x8xf32>, memref<8x8xf32>)
func.func private @k2(memref<8x8xf32>, memref<8x8xf32>)

// -----

// A buffer forwarded by a region op lives as long as the op's result.
// CHECK-LABEL: func @forwarded
func.func @forwarded(%c: i1, %x: memref<4xf32>, %y: memref<4xf32>) {
  // CHECK: %[[R:.+]] = scf.if
  // CHECK: memref.copy %[[R]], %arg2
  // CHECK-NEXT: memref.dealloc
  // CHECK-NEXT: return
  %a = memref.alloc() : memref<4xf32>
  %r = scf.if %c -> memref<4xf32> {
    scf.yield %a : memref<4xf32>
  } else {
    scf.yield %x : memref<4xf32>
  }
  memref.copy %r, %y : memref<4xf32> to memref<4xf32>
  memref.dealloc %a : memref<4xf32>
  return
}
