// RUN: onnx-mlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(mlc-configure-kernels))' | FileCheck %s

// The same kernels on three targets. AVX-512: 16 f32 lanes; 32 registers
// hold 8 rows x 2 vectors of accumulators. The 256x512x64 product is large
// enough for threads; its first loop of at least 4 tiles is n (512 / 32).
// CHECK-LABEL: func @kernels_avx512
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 16 : i64, parallel_dim = 1 : i64, rows = 8 : i64, vectors = 2 : i64}}
// A single row: wider rows instead, (32 - 1) / 2 = 8 vectors of 16.
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 16 : i64, rows = 1 : i64, vectors = 8 : i64}}
// Too little work for threads: no parallel_dim.
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 16 : i64, rows = 8 : i64, vectors = 2 : i64}}
// A depthwise convolution: vectors along the output rows, channels (dim 1)
// in parallel.
// CHECK: linalg.generic {{.*}}mlc.kernel_config = {lanes = 16 : i64, parallel_dim = 1 : i64, rows = 1 : i64, vectors = 1 : i64}
// f64: half the lanes.
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 8 : i64, rows = 8 : i64, vectors = 2 : i64}}
// No vector kernel for integers: no configuration.
// CHECK: linalg.matmul ins
module attributes {mlc.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4",
                                             features = #llvm.target_features<["+avx2", "+avx512f", "+fma"]>>} {
  func.func @kernels_avx512(%a: memref<256x64xf32>, %b: memref<64x512xf32>, %c: memref<256x512xf32>,
                            %v: memref<1x64xf32>, %vc: memref<1x512xf32>,
                            %sa: memref<16x8xf32>, %sb: memref<8x32xf32>, %sc: memref<16x32xf32>,
                            %x: memref<1x64x58x58xf32>, %w: memref<64x3x3xf32>, %y: memref<1x64x56x56xf32>,
                            %da: memref<16x8xf64>, %db: memref<8x32xf64>, %dc: memref<16x32xf64>,
                            %ia: memref<4x8xi32>, %ib: memref<8x4xi32>, %ic: memref<4x4xi32>) {
    linalg.matmul ins(%a, %b : memref<256x64xf32>, memref<64x512xf32>) outs(%c : memref<256x512xf32>)
    linalg.matmul ins(%v, %b : memref<1x64xf32>, memref<64x512xf32>) outs(%vc : memref<1x512xf32>)
    linalg.matmul ins(%sa, %sb : memref<16x8xf32>, memref<8x32xf32>) outs(%sc : memref<16x32xf32>)
    linalg.generic {indexing_maps = [affine_map<(n, f, oh, kh, kw, ow) -> (n, f, oh + kh, ow + kw)>,
                                     affine_map<(n, f, oh, kh, kw, ow) -> (f, kh, kw)>,
                                     affine_map<(n, f, oh, kh, kw, ow) -> (n, f, oh, ow)>],
                    iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
        ins(%x, %w : memref<1x64x58x58xf32>, memref<64x3x3xf32>) outs(%y : memref<1x64x56x56xf32>) {
    ^bb0(%i: f32, %k: f32, %acc: f32):
      %p = arith.mulf %i, %k : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    }
    linalg.matmul ins(%da, %db : memref<16x8xf64>, memref<8x32xf64>) outs(%dc : memref<16x32xf64>)
    linalg.matmul ins(%ia, %ib : memref<4x8xi32>, memref<8x4xi32>) outs(%ic : memref<4x4xi32>)
    return
  }
}

// -----

// AVX2 with FMA: 8 lanes; 16 registers hold 6 rows x 2 vectors. 512 / 16 =
// 32 n tiles.
// CHECK-LABEL: func @kernels_avx2
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 8 : i64, parallel_dim = 1 : i64, rows = 6 : i64, vectors = 2 : i64}}
// A single row: (16 - 1) / 2 = 7 vectors.
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 8 : i64, rows = 1 : i64, vectors = 7 : i64}}
module attributes {mlc.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell",
                                             features = #llvm.target_features<["+avx2", "+fma", "-avx512f"]>>} {
  func.func @kernels_avx2(%a: memref<256x64xf32>, %b: memref<64x512xf32>, %c: memref<256x512xf32>,
                          %v: memref<1x64xf32>, %vc: memref<1x512xf32>) {
    linalg.matmul ins(%a, %b : memref<256x64xf32>, memref<64x512xf32>) outs(%c : memref<256x512xf32>)
    linalg.matmul ins(%v, %b : memref<1x64xf32>, memref<64x512xf32>) outs(%vc : memref<1x512xf32>)
    return
  }
}

// -----

// AArch64 has NEON: 4 lanes of 128 bits, 32 registers for 8 x 2 tiles.
// CHECK-LABEL: func @kernels_neon
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 4 : i64, parallel_dim = 1 : i64, rows = 8 : i64, vectors = 2 : i64}}
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 4 : i64, rows = 1 : i64, vectors = 8 : i64}}
// CHECK: linalg.generic {{.*}}mlc.kernel_config = {lanes = 4 : i64, parallel_dim = 1 : i64, rows = 1 : i64, vectors = 1 : i64}
module attributes {mlc.target = #llvm.target<triple = "aarch64-unknown-linux-gnu", chip = "generic">} {
  func.func @kernels_neon(%a: memref<256x64xf32>, %b: memref<64x512xf32>, %c: memref<256x512xf32>,
                          %v: memref<1x64xf32>, %vc: memref<1x512xf32>,
                          %x: memref<1x64x58x58xf32>, %w: memref<64x3x3xf32>, %y: memref<1x64x56x56xf32>) {
    linalg.matmul ins(%a, %b : memref<256x64xf32>, memref<64x512xf32>) outs(%c : memref<256x512xf32>)
    linalg.matmul ins(%v, %b : memref<1x64xf32>, memref<64x512xf32>) outs(%vc : memref<1x512xf32>)
    linalg.generic {indexing_maps = [affine_map<(n, f, oh, kh, kw, ow) -> (n, f, oh + kh, ow + kw)>,
                                     affine_map<(n, f, oh, kh, kw, ow) -> (f, kh, kw)>,
                                     affine_map<(n, f, oh, kh, kw, ow) -> (n, f, oh, ow)>],
                    iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
        ins(%x, %w : memref<1x64x58x58xf32>, memref<64x3x3xf32>) outs(%y : memref<1x64x56x56xf32>) {
    ^bb0(%i: f32, %k: f32, %acc: f32):
      %p = arith.mulf %i, %k : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    }
    return
  }
}

// -----

// x86-64 without AVX2 (or without a target description): SSE2's 4 lanes
// and 16 registers, 6 x 2 tiles.
// CHECK-LABEL: func @kernels_sse
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 4 : i64, parallel_dim = 1 : i64, rows = 6 : i64, vectors = 2 : i64}}
module attributes {mlc.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "x86-64">} {
  func.func @kernels_sse(%a: memref<256x64xf32>, %b: memref<64x512xf32>, %c: memref<256x512xf32>) {
    linalg.matmul ins(%a, %b : memref<256x64xf32>, memref<64x512xf32>) outs(%c : memref<256x512xf32>)
    return
  }
}

// -----

// CHECK-LABEL: func @kernels_untargeted
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 4 : i64, parallel_dim = 1 : i64, rows = 6 : i64, vectors = 2 : i64}}
func.func @kernels_untargeted(%a: memref<256x64xf32>, %b: memref<64x512xf32>, %c: memref<256x512xf32>) {
  linalg.matmul ins(%a, %b : memref<256x64xf32>, memref<64x512xf32>) outs(%c : memref<256x512xf32>)
  return
}

// -----

// Copies and fills run along the output's innermost dim: AVX2 holds 8 f32
// or 32 i8. A large one runs its outermost loop of 4 or more iterations in
// parallel.
// CHECK-LABEL: func @copies_avx2
// CHECK: linalg.copy {mlc.kernel_config = {lanes = 8 : i64, parallel_dim = 0 : i64, rows = 1 : i64, vectors = 1 : i64}}
// CHECK: linalg.fill {mlc.kernel_config = {lanes = 32 : i64, rows = 1 : i64, vectors = 1 : i64}}
module attributes {mlc.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell",
                                             features = #llvm.target_features<["+avx2", "+fma"]>>} {
  func.func @copies_avx2(%a: memref<128x56x56xf32>, %b: memref<128x56x56xf32>, %c: memref<4x40xi8>) {
    linalg.copy ins(%a : memref<128x56x56xf32>) outs(%b : memref<128x56x56xf32>)
    %zero = arith.constant 0 : i8
    linalg.fill ins(%zero : i8) outs(%c : memref<4x40xi8>)
    return
  }
}

// -----

// A constant A (a convolution's weights) by 49 columns (a 7x7 image fills
// 49 of 64 lanes along n) is faster with the vectors along m: tiles of 14
// columns (as many as 32 registers hold at 2 vectors; 49 leaves 7) by 32
// rows, m's 16 tiles in parallel. With 64 columns n fills its vectors; an
// A that is not a constant, or a splat, has no panels to load along m.
// CHECK-LABEL: func @along_m_avx512
// CHECK: linalg.matmul {mlc.kernel_config = {along_m, lanes = 16 : i64, parallel_dim = 0 : i64, rows = 14 : i64, vectors = 2 : i64}}
// CHECK-COUNT-3: linalg.matmul {mlc.kernel_config = {lanes = 16 : i64, parallel_dim = 0 : i64, rows = 8 : i64, vectors = 2 : i64}}
module attributes {mlc.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "znver4",
                                             features = #llvm.target_features<["+avx2", "+avx512f", "+fma"]>>} {
  memref.global "private" constant @w : memref<512x256xf32> = dense_resource<__elided__>
  memref.global "private" constant @ones : memref<512x256xf32> = dense<1.0>
  func.func @along_m_avx512(%x: memref<256x49xf32>, %y: memref<512x49xf32>,
                            %x64: memref<256x64xf32>, %y64: memref<512x64xf32>,
                            %a: memref<512x256xf32>) {
    %w = memref.get_global @w : memref<512x256xf32>
    %ones = memref.get_global @ones : memref<512x256xf32>
    linalg.matmul ins(%w, %x : memref<512x256xf32>, memref<256x49xf32>) outs(%y : memref<512x49xf32>)
    linalg.matmul ins(%w, %x64 : memref<512x256xf32>, memref<256x64xf32>) outs(%y64 : memref<512x64xf32>)
    linalg.matmul ins(%a, %x : memref<512x256xf32>, memref<256x49xf32>) outs(%y : memref<512x49xf32>)
    linalg.matmul ins(%ones, %x : memref<512x256xf32>, memref<256x49xf32>) outs(%y : memref<512x49xf32>)
    return
  }
}
