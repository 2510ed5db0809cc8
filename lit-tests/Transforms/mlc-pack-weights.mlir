// RUN: onnx-mlc-opt %s --split-input-file --mlc-pack-weights | FileCheck %s

// Tiles of 2 rows x 1 vector of 2 lanes. A (3x2) goes into panels of 2
// rows, k after k: [[1, 3], [2, 4]], then [[5, 0], [6, 0]] with the row
// past the edge zero. B (2x3) into panels of 2 columns: [[1, 2], [4, 5]],
// then [[3, 0], [6, 0]]. The originals stay until nothing reads them.
// CHECK-LABEL: module
// CHECK: memref.global "private" constant @a : memref<3x2xf32>
// CHECK: memref.global "private" constant @a_panels0x2 : memref<2x2x2xf32> = dense_resource<[[A:.*]]> {alignment = 64 : i64}
// CHECK: memref.global "private" constant @b : memref<2x3xf32>
// CHECK: memref.global "private" constant @b_panels1x2 : memref<2x2x2xf32> = dense_resource<[[B:.*]]> {alignment = 64 : i64}
// CHECK-LABEL: func @both
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, panels_a = @a_panels0x2, panels_b = @b_panels1x2, rows = 2 : i64, vectors = 1 : i64}}
// Both panels used again by a second kernel with the same tile: no copy.
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, panels_a = @a_panels0x2, panels_b = @b_panels1x2, rows = 2 : i64, vectors = 1 : i64}}
// A tile as wide as B: nothing to gain. A is not indexed (m, k): left as is.
// CHECK-LABEL: func @not_packed
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 4 : i64, rows = 2 : i64, vectors = 1 : i64}}
// CHECK: linalg.matmul indexing_maps = {{.*}} {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
// A splat has no layout; a B computed at run time is not a constant.
// CHECK: linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
// Unconfigured ops are not touched.
// CHECK: linalg.matmul ins
// The panels' bytes (after the blob's 4-byte alignment): 1, 3, 2, 4, 5, 0,
// 6, 0 for A; 1, 2, 4, 5, 3, 0, 6, 0 for B.
// CHECK: [[A]]: "0x{{........}}0000803F0000404000000040000080400000A040000000000000C04000000000"
// CHECK: [[B]]: "0x{{........}}0000803F00000040000080400000A04000004040000000000000C04000000000"
module {
  memref.global "private" constant @a : memref<3x2xf32> = dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]>
  memref.global "private" constant @b : memref<2x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]>
  memref.global "private" constant @ones : memref<2x3xf32> = dense<1.0>
  func.func @both(%c: memref<3x3xf32>) {
    %a = memref.get_global @a : memref<3x2xf32>
    %b = memref.get_global @b : memref<2x3xf32>
    linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%a, %b : memref<3x2xf32>, memref<2x3xf32>) outs(%c : memref<3x3xf32>)
    linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%a, %b : memref<3x2xf32>, memref<2x3xf32>) outs(%c : memref<3x3xf32>)
    return
  }
  func.func @not_packed(%c: memref<3x3xf32>, %ct: memref<2x3xf32>,
                        %x: memref<2x2xf32>) {
    %a = memref.get_global @a : memref<3x2xf32>
    %b = memref.get_global @b : memref<2x3xf32>
    %ones = memref.get_global @ones : memref<2x3xf32>
    linalg.matmul {mlc.kernel_config = {lanes = 4 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%x, %b : memref<2x2xf32>, memref<2x3xf32>) outs(%ct : memref<2x3xf32>)
    linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>]
        {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%a, %c : memref<3x2xf32>, memref<3x3xf32>) outs(%ct : memref<2x3xf32>)
    linalg.matmul {mlc.kernel_config = {lanes = 2 : i64, rows = 2 : i64, vectors = 1 : i64}}
        ins(%x, %ones : memref<2x2xf32>, memref<2x3xf32>) outs(%ct : memref<2x3xf32>)
    linalg.matmul ins(%a, %b : memref<3x2xf32>, memref<2x3xf32>) outs(%c : memref<3x3xf32>)
    return
  }
}
