// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(func.func(mlc-parallelize-linalg))' | FileCheck %s

// A large op is tiled along its outermost parallel dimension with at least 4
// iterations: the batch of 1 is skipped, channels are distributed.
// CHECK-LABEL: func @relu
func.func @relu(%x: memref<1x32x64x64xf32>, %y: memref<1x32x64x64xf32>) {
  // CHECK: scf.parallel (%[[C:.+]]) = (%c0) to (%c32) step (%c1)
  // CHECK: memref.subview %{{.+}}[0, %[[C]], 0, 0] [1, 1, 64, 64] [1, 1, 1, 1]
  // CHECK: memref.subview %{{.+}}[0, %[[C]], 0, 0] [1, 1, 64, 64] [1, 1, 1, 1]
  // CHECK: linalg.generic
  // CHECK-SAME: memref<1x1x64x64xf32, strided<[131072, 4096, 64, 1], offset: ?>>
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>,
                                   affine_map<(n, c, h, w) -> (n, c, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x32x64x64xf32>) outs(%y : memref<1x32x64x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// Reductions are not distributed: the row sums split over rows.
// CHECK-LABEL: func @row_sums
func.func @row_sums(%x: memref<256x512xf32>, %y: memref<256xf32>) {
  // CHECK: scf.parallel (%{{.+}}) = (%c0) to (%c256) step (%c1)
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "reduction"]
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<256x512xf32>) outs(%y : memref<256xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// Dimensions of fewer than 4 iterations are passed over.
// CHECK-LABEL: func @short_dims
func.func @short_dims(%a: memref<3x2x16384xf32>) {
  // CHECK: scf.parallel (%[[I:.+]]) = (%c0) to (%c16384) step (%c1)
  // CHECK: memref.subview %{{.+}}[0, 0, %[[I]]] [3, 2, 1] [1, 1, 1]
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%a : memref<3x2x16384xf32>)
  return
}

// Small ops stay on one thread.
// CHECK-LABEL: func @small
// CHECK-NOT: scf.parallel
func.func @small(%x: memref<64x64xf32>, %y: memref<64x64xf32>) {
  linalg.copy ins(%x : memref<64x64xf32>) outs(%y : memref<64x64xf32>)
  return
}
