// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(func.func(mlc-configure-kernels),mlc-pack-weights,func.func(mlc-vectorize-contractions))' | FileCheck %s

// The kernels as configured for AVX2 (see mlc-configure-kernels.mlir).
module attributes {mlc.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell",
                                             features = #llvm.target_features<["+avx2", "+fma"]>>} {

// 256-bit vectors of f32 have 8 lanes: tiles of 6 rows x 16 columns, so
// 14x20 splits into m tiles of 6, 6 and 2 rows and n tiles of 16 and 4
// columns; the last is masked. Accumulators live in the k loop's iter_args.
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[A:.+]]: memref<14x7xf32>, %[[B:.+]]: memref<7x20xf32>, %[[C:.+]]: memref<14x20xf32>)
func.func @matmul(%a: memref<14x7xf32>, %b: memref<7x20xf32>, %c: memref<14x20xf32>) {
  // Full tiles: m loop of step 6 up to 12, 12 accumulators.
  // CHECK: scf.for %[[M0:.+]] = %c0{{.*}} to %c12{{.*}} step %c6
  // CHECK-COUNT-12: vector.load %[[C]]
  // CHECK: scf.for %[[K:.+]] = {{.*}} iter_args(
  // CHECK: vector.load %[[B]][%[[K]],
  // CHECK: vector.load %[[B]][%[[K]],
  // CHECK: memref.load %[[A]][%[[M0]], %[[K]]]
  // CHECK: vector.broadcast {{.*}} : f32 to vector<8xf32>
  // CHECK: vector.fma
  // CHECK-COUNT-12: vector.store
  // The 2-row edge tile of the same columns.
  // CHECK-COUNT-4: vector.load %[[C]]
  // The 4-column edge: one masked vector per row.
  // CHECK: vector.constant_mask [4] : vector<8xi1>
  // CHECK: vector.maskedload %[[C]]
  // CHECK-NOT: linalg.matmul
  linalg.matmul ins(%a, %b : memref<14x7xf32>, memref<7x20xf32>) outs(%c : memref<14x20xf32>)
  return
}

// A constant B is read from its panels (mlc-pack-weights.mlir): per k, two
// vectors at [n0 / 16, k, 0] and [n0 / 16, k, 8], with no mask for the
// edge, which is zero-padded. A is read as always.
// CHECK-LABEL: func @constant_b
// CHECK-SAME: (%[[A:.+]]: memref<7x3xf32>,
func.func @constant_b(%a: memref<7x3xf32>, %c: memref<7x20xf32>) {
  // CHECK: %[[BP:.+]] = memref.get_global @weights_b_panels16 : memref<2x3x16xf32>
  // CHECK: scf.for %[[K:.+]] = {{.*}} iter_args(
  // CHECK: vector.load %[[BP]][%{{.+}}, %[[K]], %c0{{.*}}] : memref<2x3x16xf32>, vector<8xf32>
  // CHECK: vector.load %[[BP]][%{{.+}}, %[[K]], %c8{{.*}}] : memref<2x3x16xf32>, vector<8xf32>
  // Two tiles of rows (6 and 1) reuse each panel: the next one is
  // prefetched.
  // CHECK: memref.prefetch %[[BP]][%{{.+}}, %[[K]], %c0{{.*}}], read, locality<3>, data
  // CHECK: memref.prefetch %[[BP]][%{{.+}}, %[[K]], %c8{{.*}}], read, locality<3>, data
  // CHECK: memref.load %[[A]][%{{.+}}, %[[K]]]
  // CHECK-NOT: vector.maskedload %[[BP]]
  // CHECK: return
  %b = memref.get_global @weights_b : memref<3x20xf32>
  linalg.matmul ins(%a, %b : memref<7x3xf32>, memref<3x20xf32>) outs(%c : memref<7x20xf32>)
  return
}
memref.global "private" constant @weights_b : memref<3x20xf32> =
    dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0]]>

// A single row (a matrix-vector product) gets wider tiles instead: 7
// vectors of 8 per row, then a 14-column edge of one full and one masked
// vector.
// CHECK-LABEL: func @vector_matrix
func.func @vector_matrix(%a: memref<1x5xf32>, %b: memref<5x70xf32>, %c: memref<1x70xf32>) {
  // CHECK-COUNT-7: vector.load %{{.+}} : memref<1x70xf32>, vector<8xf32>
  // CHECK: scf.for
  // CHECK-COUNT-7: vector.fma
  // CHECK: vector.constant_mask [6] : vector<8xi1>
  linalg.matmul ins(%a, %b : memref<1x5xf32>, memref<5x70xf32>) outs(%c : memref<1x70xf32>)
  return
}

// A ReLU applied in place right after the product runs on the accumulators
// before the store.
// CHECK-LABEL: func @relu_epilogue
func.func @relu_epilogue(%a: memref<2x3xf32>, %b: memref<3x8xf32>, %c: memref<2x8xf32>) {
  // CHECK: scf.for {{.*}} iter_args(
  // CHECK: vector.fma
  // CHECK: scf.yield
  // CHECK: %[[ZERO:.+]] = vector.broadcast %{{.+}} : f32 to vector<8xf32>
  // CHECK: %[[RELU:.+]] = arith.maximumf %{{.+}}, %[[ZERO]] : vector<8xf32>
  // CHECK: vector.store %[[RELU]]
  // CHECK-NOT: linalg.generic
  %zero = arith.constant 0.0 : f32
  linalg.matmul ins(%a, %b : memref<2x3xf32>, memref<3x8xf32>) outs(%c : memref<2x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]} outs(%c : memref<2x8xf32>) {
  ^bb0(%x: f32):
    %r = arith.maximumf %x, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// A batch dimension of B and C with A shared (a convolution as im2col)
// becomes an outer loop.
// CHECK-LABEL: func @shared_weights
func.func @shared_weights(%w: memref<4x9xf32>, %col: memref<2x9x16xf32>, %out: memref<2x4x16xf32>) {
  // CHECK: scf.for %[[N:.+]] = %c0{{.*}} to %c2
  // CHECK: vector.load %{{.+}}[%[[N]],
  // CHECK: vector.fma
  // CHECK-NOT: linalg.generic
  linalg.generic {indexing_maps = [affine_map<(n, m, p, k) -> (m, k)>,
                                   affine_map<(n, m, p, k) -> (n, k, p)>,
                                   affine_map<(n, m, p, k) -> (n, m, p)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %col : memref<4x9xf32>, memref<2x9x16xf32>) outs(%out : memref<2x4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// B transposed (contiguous along k, not n) is left alone.
// CHECK-LABEL: func @transposed_b
func.func @transposed_b(%a: memref<4x8xf32>, %b: memref<16x8xf32>, %c: memref<4x16xf32>) {
  // CHECK: linalg.generic
  // CHECK-NOT: vector.fma
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x8xf32>, memref<16x8xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// Sizes known at run time: full 6-row tiles up to m rounded down to 6, then
// one row at a time; full 16-column tiles, then the leftover columns (if
// any) under masks computed from what is left. The loop over full column
// tiles is the parallel one: its trip count is known only at run time.
// CHECK-LABEL: func @matmul_dynamic
// CHECK-SAME: (%[[A:.+]]: memref<?x?xf32>, %[[B:.+]]: memref<?x?xf32>, %[[C:.+]]: memref<?x?xf32>)
func.func @matmul_dynamic(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  // CHECK-DAG: %[[M:.+]] = memref.dim %[[A]], %c0
  // CHECK-DAG: %[[N:.+]] = memref.dim %[[B]], %c1
  // CHECK-DAG: %[[K:.+]] = memref.dim %[[A]], %c1
  // CHECK: %[[NR:.+]] = arith.remui %[[N]], %c16
  // CHECK: %[[NFULL:.+]] = arith.subi %[[N]], %[[NR]]
  // CHECK: scf.parallel (%{{.+}}) = (%c0{{.*}}) to (%[[NFULL]]) step (%c16{{.*}})
  // CHECK: %[[MR:.+]] = arith.remui %[[M]], %c6
  // CHECK: %[[MFULL:.+]] = arith.subi %[[M]], %[[MR]]
  // CHECK: scf.for %{{.+}} = %c0{{.*}} to %[[MFULL]] step %c6
  // CHECK-COUNT-12: vector.load %[[C]]
  // CHECK: scf.for %{{.+}} = %c0{{.*}} to %[[K]] step %c1{{.*}} iter_args(
  // The rows left, fewer than 6. More than 3: one tile of 6 whose rows past
  // m repeat the last; else blocks of 2 and 1 rows, each if it fits.
  // CHECK: %[[LEFT:.+]] = arith.subi %[[M]], %[[MFULL]]
  // CHECK: %[[MANY:.+]] = arith.cmpi sgt, %[[LEFT]], %c3
  // CHECK: scf.if %[[MANY]] {
  // CHECK: %[[LAST:.+]] = arith.subi %[[M]], %c1
  // CHECK: arith.minsi %{{.+}}, %[[LAST]]
  // CHECK-COUNT-12: vector.load %[[C]]
  // CHECK: } else {
  // CHECK: arith.cmpi sge, %{{.+}}, %c2
  // CHECK: scf.if
  // CHECK-COUNT-4: vector.load %[[C]]
  // CHECK: arith.cmpi sge, %{{.+}}, %c1
  // CHECK: scf.if
  // CHECK-COUNT-2: vector.load %[[C]]
  // CHECK: %[[LIVE:.+]] = arith.subi %[[N]], %[[NFULL]]
  // CHECK: scf.if
  // CHECK: vector.create_mask
  // CHECK: vector.create_mask
  // CHECK: vector.maskedload %[[C]]
  // CHECK-NOT: linalg.matmul
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

// A depthwise convolution (loops n, f, oh, kh, kw, ow; as the ONNX lowering
// builds it): each output row in vectors, the last one masked, the taps
// accumulated in a register, the following activation applied before the
// store. Stride 2 along columns reads 2 * 8 - 1 values and keeps the even
// ones. Channels run in parallel once the work is large enough.
// CHECK-LABEL: func @depthwise_stride2
func.func @depthwise_stride2(%x: memref<1x128x41x41xf32>, %w: memref<128x3x3xf32>, %y: memref<1x128x20x20xf32>) {
  %zero = arith.constant 0.0 : f32
  // CHECK: scf.parallel (%[[F:.+]]) = (%c0{{.*}}) to (%c128{{.*}}) step (%c1{{.*}})
  // CHECK: scf.for %[[OH:.+]] = %c0{{.*}} to %c20{{.*}} step %c1
  // CHECK: scf.for %[[OW:.+]] = %c0{{.*}} to %c16{{.*}} step %c8
  // CHECK: vector.load %{{.+}}[%c0{{.*}}, %[[F]], %[[OH]], %[[OW]]] : memref<1x128x20x20xf32>, vector<8xf32>
  // CHECK: scf.for {{.*}} iter_args
  // CHECK: scf.for {{.*}} iter_args
  // CHECK: vector.constant_mask [15] : vector<16xi1>
  // CHECK: vector.maskedload {{.*}} : memref<1x128x41x41xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
  // CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14]
  // CHECK: vector.fma
  // CHECK: arith.maximumf {{.*}} : vector<8xf32>
  // CHECK: vector.store
  // The last 4 columns under a mask.
  // CHECK: vector.create_mask %c4{{.*}} : vector<8xi1>
  // CHECK: vector.maskedstore
  // CHECK-NOT: linalg.generic
  linalg.generic {indexing_maps = [affine_map<(n, f, oh, kh, kw, ow) -> (n, f, oh * 2 + kh, ow * 2 + kw)>,
                                   affine_map<(n, f, oh, kh, kw, ow) -> (f, kh, kw)>,
                                   affine_map<(n, f, oh, kh, kw, ow) -> (n, f, oh, ow)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%x, %w : memref<1x128x41x41xf32>, memref<128x3x3xf32>) outs(%y : memref<1x128x20x20xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%y : memref<1x128x20x20xf32>) {
  ^bb0(%v: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// A contraction from zero (a fill just before it) with a per-row bias and
// an activation just after it: the accumulators start at zero, the bias is
// loaded once per row and broadcast, and C is only stored.
// CHECK-LABEL: func @zero_fill_bias_epilogue
// CHECK-SAME: (%[[A:.+]]: memref<2x3xf32>, %[[B:.+]]: memref<3x8xf32>, %[[C:.+]]: memref<2x8xf32>, %[[BIAS:.+]]: memref<2xf32>)
func.func @zero_fill_bias_epilogue(%a: memref<2x3xf32>, %b: memref<3x8xf32>, %c: memref<2x8xf32>, %bias: memref<2xf32>) {
  // CHECK-NOT: linalg.fill
  // CHECK-NOT: vector.load %[[C]]
  // CHECK: %[[ZERO:.+]] = vector.broadcast %{{.+}} : f32 to vector<8xf32>
  // CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]]
  // CHECK: memref.load %[[BIAS]]
  // CHECK: vector.broadcast
  // CHECK: arith.addf {{.*}} : vector<8xf32>
  // CHECK: arith.maximumf {{.*}} : vector<8xf32>
  // CHECK: vector.store {{.*}}, %[[C]]
  // CHECK-NOT: linalg.generic
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<2x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x3xf32>, memref<3x8xf32>) outs(%c : memref<2x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m)>, affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<2xf32>) outs(%c : memref<2x8xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// An integer product has no vector kernel: it stays a linalg op, and the
// function counts it. A pooling window (no multiplication) does not count.
// CHECK-LABEL: func @integer_matmul
// CHECK-SAME: mlc.scalar_contractions = 1 : i64
// CHECK: linalg.matmul
func.func @integer_matmul(%a: memref<4x8xi32>, %b: memref<8x4xi32>, %c: memref<4x4xi32>,
                          %x: memref<1x1x8x8xf32>, %w: memref<2x2xf32>, %y: memref<1x1x4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xi32>, memref<8x4xi32>) outs(%c : memref<4x4xi32>)
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : memref<1x1x8x8xf32>, memref<2x2xf32>) outs(%y : memref<1x1x4x4xf32>)
  return
}

// Pooling is a window reduction too (loops n, c, oh, ow, kh, kw, as the
// lowering builds it): its body is applied to vectors of each output row,
// tap by tap; the window operand only gives the extents. The fill of the
// output just before it becomes the accumulators' start.
// CHECK-LABEL: func @max_pool
func.func @max_pool(%x: memref<1x256x32x32xf32>, %window: memref<2x2xf32>, %y: memref<1x256x16x16xf32>) {
  // CHECK-NOT: linalg.fill
  // CHECK: scf.parallel
  // CHECK: scf.for %{{.+}} = %c0{{.*}} to %c16{{.*}} step %c8
  // CHECK-NOT: vector.load %{{.+}} : memref<1x256x16x16xf32>
  // CHECK: vector.broadcast %{{.+}} : f32 to vector<8xf32>
  // CHECK: scf.for {{.*}} iter_args
  // CHECK: scf.for {{.*}} iter_args
  // CHECK: vector.maskedload {{.*}} : memref<1x256x32x32xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
  // CHECK: vector.shuffle
  // CHECK: arith.maximumf {{.*}} : vector<8xf32>
  // CHECK: vector.store
  // CHECK-NOT: linalg.generic
  %ninf = arith.constant 0xFF800000 : f32
  linalg.fill ins(%ninf : f32) outs(%y : memref<1x256x16x16xf32>)
  linalg.generic {indexing_maps = [affine_map<(n, c, oh, ow, kh, kw) -> (n, c, oh * 2 + kh, ow * 2 + kw)>,
                                   affine_map<(n, c, oh, ow, kh, kw) -> (kh, kw)>,
                                   affine_map<(n, c, oh, ow, kh, kw) -> (n, c, oh, ow)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %window : memref<1x256x32x32xf32>, memref<2x2xf32>) outs(%y : memref<1x256x16x16xf32>) {
  ^bb0(%a: f32, %w: f32, %acc: f32):
    %m = arith.maximumf %acc, %a : f32
    linalg.yield %m : f32
  }
  return
}


// A residual sum in the epilogue (an input of C's layout) is read in
// vectors at each accumulator's position, under the same mask at the edge.
// CHECK-LABEL: func @residual_epilogue
// CHECK-SAME: (%[[A:.+]]: memref<2x3xf32>, %[[B:.+]]: memref<3x20xf32>, %[[C:.+]]: memref<2x20xf32>, %[[Z:.+]]: memref<2x20xf32>)
func.func @residual_epilogue(%a: memref<2x3xf32>, %b: memref<3x20xf32>, %c: memref<2x20xf32>, %z: memref<2x20xf32>) {
  // CHECK: scf.for {{.*}} iter_args
  // CHECK: vector.fma
  // CHECK: scf.yield
  // CHECK: %[[ZV:.+]] = vector.load %[[Z]][{{.+}}] : memref<2x20xf32>, vector<8xf32>
  // CHECK: %[[SUM:.+]] = arith.addf %{{.+}}, %[[ZV]] : vector<8xf32>
  // CHECK: vector.store %[[SUM]], %[[C]]
  // CHECK: vector.maskedload %[[Z]]
  // CHECK: vector.maskedstore %[[C]]
  // CHECK-NOT: linalg.generic
  linalg.matmul ins(%a, %b : memref<2x3xf32>, memref<3x20xf32>) outs(%c : memref<2x20xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]} ins(%z : memref<2x20xf32>) outs(%c : memref<2x20xf32>) {
  ^bb0(%r: f32, %acc: f32):
    %s = arith.addf %acc, %r : f32
    linalg.yield %s : f32
  }
  return
}


// An epilogue that reads the product through its input (Gemm's
// alpha * (A B) + C) reads the accumulators; nothing is loaded from the
// product's buffer before it is stored.
// CHECK-LABEL: func @epilogue_reads_the_product
// CHECK-SAME: (%[[A:.+]]: memref<2x3xf32>, %[[B:.+]]: memref<3x8xf32>, %[[C:.+]]: memref<2x8xf32>, %[[BIAS:.+]]: memref<8xf32>)
func.func @epilogue_reads_the_product(%a: memref<2x3xf32>, %b: memref<3x8xf32>, %c: memref<2x8xf32>, %bias: memref<8xf32>) {
  // CHECK-NOT: vector.load %[[C]]
  // CHECK: scf.for {{.*}} iter_args
  // CHECK: %[[BV:.+]] = vector.load %[[BIAS]][%{{.+}}] : memref<8xf32>, vector<8xf32>
  // CHECK: %[[SCALED:.+]] = arith.mulf %{{.+}}, %{{.+}} : vector<8xf32>
  // CHECK: arith.addf %[[SCALED]], %[[BV]] : vector<8xf32>
  // CHECK-NOT: linalg.generic
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<2x8xf32>)
  linalg.matmul ins(%a, %b : memref<2x3xf32>, memref<3x8xf32>) outs(%c : memref<2x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<2x8xf32>, memref<8xf32>) outs(%c : memref<2x8xf32>) {
  ^bb0(%p: f32, %v: f32, %acc: f32):
    %s = arith.mulf %p, %half : f32
    %r = arith.addf %s, %v : f32
    linalg.yield %r : f32
  }
  return
}

// An im2col copy (stride 2 along the columns) runs along the output's
// innermost dim in vectors: 2 * 8 - 1 consecutive values, the even ones
// kept; the 4 columns left under a mask. A fill is a stored splat.
// CHECK-LABEL: func @im2col_and_fill
// CHECK-SAME: (%[[X:.+]]: memref<1x2x24x25xf32>, %[[COL:.+]]: memref<2x3x12x12xf32>, %[[Y:.+]]: memref<4x20xf32>)
func.func @im2col_and_fill(%x: memref<1x2x24x25xf32>, %col: memref<2x3x12x12xf32>, %y: memref<4x20xf32>) {
  // CHECK: vector.maskedload %[[X]]{{.*}} : memref<1x2x24x25xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
  // CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14]
  // CHECK: vector.store %{{.+}}, %[[COL]]
  // CHECK: vector.create_mask %c4{{.*}} : vector<8xi1>
  // CHECK: vector.maskedstore %[[COL]]
  // CHECK-NOT: linalg.generic
  linalg.generic {indexing_maps = [affine_map<(c, kw, oh, ow) -> (0, c, oh * 2, ow * 2 + kw)>,
                                   affine_map<(c, kw, oh, ow) -> (c, kw, oh, ow)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x2x24x25xf32>) outs(%col : memref<2x3x12x12xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  // CHECK: %[[NINF:.+]] = vector.broadcast %{{.+}} : f32 to vector<8xf32>
  // CHECK: vector.store %[[NINF]], %[[Y]]
  // CHECK: vector.maskedstore %[[Y]]{{.*}}, %[[NINF]]
  // CHECK-NOT: linalg.fill
  %ninf = arith.constant 0xFF800000 : f32
  linalg.fill ins(%ninf : f32) outs(%y : memref<4x20xf32>)
  return
}


// A window over a padded copy (fill, then the source into the interior)
// reads the source in place: lanes and rows outside it read the pad value,
// and the fill and the copy go. The output's fill, before the weights'
// reshape, is where the accumulators start: the output is not read. Each
// row of the 3x3 window sums into its own accumulator (the first from the
// fill, the others from zero), and the three sums are added. A full vector
// whose window lies inside the source reads it without bounds (here the
// first's does not, which canonicalization finds); the masked last one
// reads it with bounds only.
// CHECK-LABEL: func @padding_folded
// CHECK-SAME: (%[[X:.+]]: memref<1x16x10x10xf32>, %[[W:.+]]: memref<16x1x3x3xf32>, %[[Y:.+]]: memref<1x16x10x10xf32>)
func.func @padding_folded(%x: memref<1x16x10x10xf32>, %w: memref<16x1x3x3xf32>, %y: memref<1x16x10x10xf32>) {
  // CHECK-NOT: linalg.copy
  // CHECK-NOT: linalg.map
  // CHECK-NOT: linalg.fill
  // CHECK-NOT: load %[[Y]]
  // CHECK: %[[SPLIT:.+]] = scf.if %{{.+}} -> (vector<8xf32>) {
  // CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[FILLED:.+]]) -> (vector<8xf32>)
  // CHECK: vector.load %[[X]]
  // CHECK: vector.fma
  // CHECK: } else {
  // CHECK: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<8xf32>
  // CHECK: arith.cmpi sge
  // CHECK: arith.cmpi slt
  // CHECK: arith.select
  // CHECK: %[[R0:.+]] = scf.for {{.*}} iter_args(%{{.+}} = %[[FILLED]]) -> (vector<8xf32>)
  // CHECK: vector.maskedload %[[X]]
  // CHECK: vector.fma
  // CHECK: %[[R1:.+]] = scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]]) -> (vector<8xf32>)
  // CHECK: %[[S1:.+]] = arith.addf %[[R0]], %[[R1]] : vector<8xf32>
  // CHECK: %[[R2:.+]] = scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]]) -> (vector<8xf32>)
  // CHECK: %[[S2:.+]] = arith.addf %[[S1]], %[[R2]] : vector<8xf32>
  // CHECK: scf.yield %[[S2]]
  // CHECK: vector.store %[[SPLIT]], %[[Y]]
  // CHECK-NOT: scf.if
  // CHECK: vector.maskedload %[[X]]
  // CHECK: vector.maskedstore %[[Y]]
  // CHECK-NOT: linalg.generic
  %zero = arith.constant 0.0 : f32
  %padded = memref.alloc() : memref<1x16x12x12xf32>
  linalg.map outs(%padded : memref<1x16x12x12xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %interior = memref.subview %padded[0, 0, 1, 1] [1, 16, 10, 10] [1, 1, 1, 1]
      : memref<1x16x12x12xf32> to memref<1x16x10x10xf32, strided<[2304, 144, 12, 1], offset: 13>>
  linalg.copy ins(%x : memref<1x16x10x10xf32>)
              outs(%interior : memref<1x16x10x10xf32, strided<[2304, 144, 12, 1], offset: 13>>)
  linalg.fill ins(%zero : f32) outs(%y : memref<1x16x10x10xf32>)
  %w3 = memref.collapse_shape %w [[0, 1], [2], [3]] : memref<16x1x3x3xf32> into memref<16x3x3xf32>
  linalg.generic {indexing_maps = [affine_map<(n, f, oh, kh, kw, ow) -> (n, f, oh + kh, ow + kw)>,
                                   affine_map<(n, f, oh, kh, kw, ow) -> (f, kh, kw)>,
                                   affine_map<(n, f, oh, kh, kw, ow) -> (n, f, oh, ow)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%padded, %w3 : memref<1x16x12x12xf32>, memref<16x3x3xf32>) outs(%y : memref<1x16x10x10xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  memref.dealloc %padded : memref<1x16x12x12xf32>
  return
}

// A constant A with a single column of C to fill: the vectors run along m
// (mlc-configure-kernels.mlir), loaded from A's transposed panels
// (mlc-pack-weights.mlir) at [m0 / 16, k, 0] and [m0 / 16, k, 8]; B gives
// the broadcast scalars. The bias (a vector along m) and ReLU epilogue runs
// on the tile; then each vector's block of 8 x 8 (2 columns, then zeros) is
// transposed in 3 rounds of 8 shuffles, and every m's 2 columns stored
// under a mask.
// CHECK-LABEL: func @along_m
// CHECK-SAME: (%[[B:.+]]: memref<32x2xf32>, %[[C:.+]]: memref<16x2xf32>, %[[BIAS:.+]]: memref<16xf32>)
func.func @along_m(%b: memref<32x2xf32>, %c: memref<16x2xf32>, %bias: memref<16xf32>) {
  // CHECK: %[[AP:.+]] = memref.get_global @weights_a_tpanels16 : memref<1x32x16xf32>
  // CHECK: scf.for %[[K:.+]] = {{.*}} iter_args(
  // CHECK: vector.load %[[AP]][%{{.+}}, %[[K]], %c0{{.*}}] : memref<1x32x16xf32>, vector<8xf32>
  // CHECK: vector.load %[[AP]][%{{.+}}, %[[K]], %c8{{.*}}] : memref<1x32x16xf32>, vector<8xf32>
  // CHECK: memref.load %[[B]][%[[K]], %c0{{.*}}]
  // CHECK-COUNT-2: vector.fma
  // CHECK: memref.load %[[B]][%[[K]], %{{.+}}]
  // CHECK-COUNT-2: vector.fma
  // CHECK: vector.load %[[BIAS]]
  // CHECK: arith.maximumf
  // CHECK-COUNT-3: vector.load %[[BIAS]]
  // CHECK-NOT: vector.load %[[BIAS]]
  // CHECK-COUNT-24: vector.shuffle
  // CHECK: %[[TWO:.+]] = vector.constant_mask [2] : vector<8xi1>
  // CHECK: vector.maskedstore %[[C]][%{{.+}}, %c0{{.*}}], %[[TWO]]
  // CHECK-COUNT-7: vector.maskedstore %[[C]]
  // CHECK-COUNT-24: vector.shuffle
  // CHECK-COUNT-8: vector.maskedstore %[[C]]
  // CHECK-NOT: linalg.
  // CHECK: return
  %a = memref.get_global @weights_a : memref<16x32xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<16x2xf32>)
  linalg.matmul ins(%a, %b : memref<16x32xf32>, memref<32x2xf32>) outs(%c : memref<16x2xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m)>, affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<16xf32>) outs(%c : memref<16x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}
memref.global "private" constant @weights_a : memref<16x32xf32> =
    dense<[[-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0], [1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0], [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0], [2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0], [-1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0], [3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0], [0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0], [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0], [1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0], [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0], [2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0], [-1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0], [3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0], [0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0], [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0], [1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0]]>

// A 3x3 convolution's im2col (2 channels of a padded 6x6 image, a 4x4
// output), with constant weights for 8 filters: with the vectors along m,
// B's scalars are read where the im2col copied them from, and the copy
// goes. Tiles of 12 columns (one vector each), which hold 3 whole rows of
// the output: one base per row, the others at constant offsets.
// CHECK-LABEL: func @im2col_in_place
// CHECK-SAME: (%[[X:.+]]: memref<1x2x6x6xf32>,
func.func @im2col_in_place(%x: memref<1x2x6x6xf32>, %y: memref<8x16xf32>) {
  // CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[X]] {{\[}}[0, 1, 2, 3]] : memref<1x2x6x6xf32> into memref<72xf32>
  // CHECK: scf.for %[[K:.+]] = {{.*}} iter_args(
  // CHECK: vector.load
  // CHECK: %[[KAT:.+]] = affine.apply #{{.+}}(%[[K]])
  // CHECK: %[[ROW0:.+]] = arith.addi %{{.+}}, %[[KAT]]
  // CHECK: %[[ROW1:.+]] = arith.addi %{{.+}}, %[[KAT]]
  // CHECK: %[[ROW2:.+]] = arith.addi %{{.+}}, %[[KAT]]
  // CHECK: memref.load %[[FLAT]][%[[ROW0]]]
  // CHECK: %[[NEXT:.+]] = arith.addi %[[ROW0]], %c1
  // CHECK: memref.load %[[FLAT]][%[[NEXT]]]
  // CHECK-NOT: linalg.generic
  // CHECK: return
  %col = memref.alloc() : memref<1x2x3x3x4x4xf32>
  linalg.generic {indexing_maps = [affine_map<(n, c, kh, kw, oh, ow) -> (n, c, oh + kh, ow + kw)>,
                                   affine_map<(n, c, kh, kw, oh, ow) -> (n, c, kh, kw, oh, ow)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x2x6x6xf32>) outs(%col : memref<1x2x3x3x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %b = memref.collapse_shape %col [[0, 1, 2, 3], [4, 5]] : memref<1x2x3x3x4x4xf32> into memref<18x16xf32>
  %w = memref.get_global @conv_weights : memref<8x18xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<8x16xf32>)
  linalg.matmul ins(%w, %b : memref<8x18xf32>, memref<18x16xf32>) outs(%y : memref<8x16xf32>)
  memref.dealloc %col : memref<1x2x3x3x4x4xf32>
  return
}
memref.global "private" constant @conv_weights : memref<8x18xf32> =
    dense<[[-2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0], [1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0], [-1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0], [2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0], [0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0], [-2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0], [1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0], [-1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0, 2.0, -2.0, -1.0, 0.0, 1.0]]>

}
