// RUN: onnx-mlc-opt %s --mlc-plan-workspace | FileCheck %s

// Buffers of @main_graph's entry block share one workspace by lifetime:
// %a (1024 bytes) and %b (256) overlap, %c (512) starts after %a is freed
// and reuses its bytes. The workspace becomes the last argument; the
// deallocs go. A buffer sized at run time stays an allocation.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%{{.+}}: memref<256xf32>, %{{.+}}: index, %[[WS:.+]]: memref<1280xi8>)
// CHECK-SAME: mlc.workspace_size = 1280 : i64
func.func @main_graph(%x: memref<256xf32>, %n: index) {
  // CHECK: %[[C0:.+]] = arith.constant 0 : index
  // CHECK: memref.view %[[WS]][%[[C0]]][] : memref<1280xi8> to memref<256xf32>
  // CHECK: %[[C1024:.+]] = arith.constant 1024 : index
  // CHECK: memref.view %[[WS]][%[[C1024]]][] : memref<1280xi8> to memref<64xf32>
  // CHECK: %[[C0B:.+]] = arith.constant 0 : index
  // CHECK: memref.view %[[WS]][%[[C0B]]][] : memref<1280xi8> to memref<128xf32>
  // CHECK: memref.alloc(%{{.+}}) : memref<?xf32>
  // CHECK-NOT: memref.dealloc %{{.+}} : memref<{{[0-9]+}}xf32>
  %a = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
  memref.copy %x, %a : memref<256xf32> to memref<256xf32>
  %sa = memref.subview %a[0] [64] [1] : memref<256xf32> to memref<64xf32, strided<[1]>>
  memref.copy %sa, %b : memref<64xf32, strided<[1]>> to memref<64xf32>
  memref.dealloc %a : memref<256xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<128xf32>
  %sc = memref.subview %c[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
  memref.copy %b, %sc : memref<64xf32> to memref<64xf32, strided<[1]>>
  memref.dealloc %b : memref<64xf32>
  %d = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %d : memref<?xf32>
  memref.dealloc %c : memref<128xf32>
  return
}
