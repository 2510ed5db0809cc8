// RUN: onnx-mlc-opt %s --mlc-pack-weights | FileCheck %s

// Tiles of 1 vector of 2 lanes: B (2x3) goes into panels of 2 columns, k
// after k: [[1, 2], [4, 5]], then [[3, 0], [6, 0]], zero past the last
// column. The original stays until nothing reads it.
// CHECK-LABEL: module
// CHECK: memref.global "private" constant @b : memref<2x3xf32>
// CHECK: memref.global "private" constant @b_panels2 : memref<2x2x2xf32> = dense_resource<[[B:.*]]> {alignment = 64 : i64}
// CHECK: memref.global "private" constant @w : memref<3x1x1x1xf32>
// CHECK: memref.global "private" constant @w_panels2 : memref<2x1x2xf32>
// CHECK: memref.global "private" constant @a_tpanels2 : memref<2x2x2xf32> = dense_resource<[[A:.*]]> {alignment = 64 : i64}
// CHECK-LABEL: func @packed
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, panels = @b_panels2, rows = 2 : i64, vectors = 1 : i64}}
// Used again by a kernel with the same tile: no second copy.
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, panels = @b_panels2, rows = 2 : i64, vectors = 1 : i64}}
// A reshaped constant with a leading unit dim, as a 1x1 convolution's
// weights reach a batched product.
// CHECK: linalg.batch_matmul {mlc.kernel_config = {lanes = 2 : i64, panels = @w_panels2, rows = 2 : i64, vectors = 1 : i64}}
// With the vectors along m, A (3x2) goes into panels of 2 of its rows, k
// after k: [[1, 3], [2, 4]], then [[5, 0], [6, 0]].
// CHECK: linalg.matmul {mlc.kernel_config = {along_m, lanes = 2 : i64, panels = @a_tpanels2, rows = 2 : i64, vectors = 1 : i64}}
// CHECK-LABEL: func @not_packed
// A tile as wide as B: nothing to gain.
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 4 : i64, rows = 2 : i64, vectors = 1 : i64}}
// B indexed (n, k): not a panel layout of rows.
// CHECK: linalg.matmul indexing_maps = {{.*}} {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
// A constant A is left as it is; a splat has no layout.
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
// Unconfigured ops are not touched.
// CHECK: linalg.matmul ins
// The panels' bytes (after the blob's 4-byte alignment): 1, 2, 4, 5, 3, 0,
// 6, 0.
// CHECK: [[B]]: "0x{{........}}0000803F00000040000080400000A04000004040000000000000C04000000000"
// A's: 1, 3, 2, 4, 5, 0, 6, 0.
// CHECK: [[A]]: "0x{{........}}0000803F0000404000000040000080400000A040000000000000C04000000000"
module {
  memref.global "private" constant @b : memref<2x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]>
  memref.global "private" constant @w : memref<3x1x1x1xf32> = dense<[[[[1.0]]], [[[2.0]]], [[[3.0]]]]>
  memref.global "private" constant @a : memref<3x2xf32> = dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]>
  memref.global "private" constant @ones : memref<2x3xf32> = dense<1.0>
  func.func @packed(%x: memref<3x2xf32>, %c: memref<3x3xf32>, %y: memref<1x4x1xf32>,
                    %z: memref<1x4x3xf32>, %x2: memref<2x2xf32>, %bt: memref<3x2xf32>) {
    %b = memref.get_global @b : memref<2x3xf32>
    linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%x, %b : memref<3x2xf32>, memref<2x3xf32>) outs(%c : memref<3x3xf32>)
    linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%x, %b : memref<3x2xf32>, memref<2x3xf32>) outs(%c : memref<3x3xf32>)
    %w = memref.get_global @w : memref<3x1x1x1xf32>
    %flat = memref.collapse_shape %w [[0, 1, 2, 3]] : memref<3x1x1x1xf32> into memref<3xf32>
    %w2 = memref.expand_shape %flat [[0, 1, 2]] output_shape [1, 1, 3] : memref<3xf32> into memref<1x1x3xf32>
    linalg.batch_matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%y, %w2 : memref<1x4x1xf32>, memref<1x1x3xf32>) outs(%z : memref<1x4x3xf32>)
    %a = memref.get_global @a : memref<3x2xf32>
    linalg.matmul {mlc.kernel_config = {along_m, lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%a, %x2 : memref<3x2xf32>, memref<2x2xf32>) outs(%bt : memref<3x2xf32>)
    return
  }
  func.func @not_packed(%ct: memref<2x3xf32>, %x: memref<2x2xf32>,
                        %bt: memref<3x2xf32>) {
    %a = memref.get_global @a : memref<3x2xf32>
    %b = memref.get_global @b : memref<2x3xf32>
    %ones = memref.get_global @ones : memref<2x3xf32>
    linalg.matmul {mlc.kernel_config = {lanes = 4 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%x, %b : memref<2x2xf32>, memref<2x3xf32>) outs(%ct : memref<2x3xf32>)
    linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>]
        {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%x, %a : memref<2x2xf32>, memref<3x2xf32>) outs(%ct : memref<2x3xf32>)
    linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%a, %x : memref<3x2xf32>, memref<2x2xf32>) outs(%bt : memref<3x2xf32>)
    linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%x, %ones : memref<2x2xf32>, memref<2x3xf32>) outs(%ct : memref<2x3xf32>)
    linalg.matmul ins(%x, %b : memref<2x2xf32>, memref<2x3xf32>) outs(%ct : memref<2x3xf32>)
    return
  }
}
