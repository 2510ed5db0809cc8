// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(mlc-scalarize-small-tensors))' | FileCheck %s

// Shape(x)[1], unsqueezed and concatenated with a constant, read back as a
// size: the whole chain folds to the dim it came from.
// CHECK-LABEL: func.func @shape_chain
// CHECK-SAME: (%[[X:.+]]: tensor<?x?xf32>)
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %c1
// CHECK: %[[I:.+]] = arith.index_cast %[[D]] : index to i64
// CHECK-NOT: linalg.generic
// CHECK-NOT: tensor.insert_slice
// CHECK: return %[[I]]
#scalar = affine_map<() -> ()>
func.func @shape_chain(%x: tensor<?x?xf32>) -> i64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %x, %c0 : tensor<?x?xf32>
  %d1 = tensor.dim %x, %c1 : tensor<?x?xf32>
  %i0 = arith.index_cast %d0 : index to i64
  %i1 = arith.index_cast %d1 : index to i64
  %shape = tensor.from_elements %i0, %i1 : tensor<2xi64>
  %which = arith.constant dense<1> : tensor<i64>
  %e = tensor.empty() : tensor<i64>
  %g = linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []}
      ins(%which : tensor<i64>) outs(%e : tensor<i64>) {
  ^bb0(%in: i64, %out: i64):
    %j = arith.index_cast %in : i64 to index
    %v = tensor.extract %shape[%j] : tensor<2xi64>
    linalg.yield %v : i64
  } -> tensor<i64>
  %u = tensor.expand_shape %g [] output_shape [1] : tensor<i64> into tensor<1xi64>
  %minus1 = arith.constant dense<-1> : tensor<1xi64>
  %e2 = tensor.empty() : tensor<2xi64>
  %s0 = tensor.insert_slice %minus1 into %e2[0] [1] [1] : tensor<1xi64> into tensor<2xi64>
  %s1 = tensor.insert_slice %u into %s0[1] [1] [1] : tensor<1xi64> into tensor<2xi64>
  %r = tensor.extract %s1[%c1] : tensor<2xi64>
  return %r : i64
}

// -----

// A tensor above the size limit keeps its loop.
// CHECK-LABEL: func.func @large
// CHECK: linalg.generic
func.func @large(%x: tensor<32xi64>) -> tensor<32xi64> {
  %e = tensor.empty() : tensor<32xi64>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<32xi64>) outs(%e : tensor<32xi64>) {
  ^bb0(%in: i64, %out: i64):
    %s = arith.addi %in, %in : i64
    linalg.yield %s : i64
  } -> tensor<32xi64>
  return %r : tensor<32xi64>
}

// -----

// The sizes of a broadcast decided at run time: each branch's size is known
// before the scf.if, so the size is a select between them.
// CHECK-LABEL: func.func @dim_of_if
// CHECK-SAME: (%[[X:.+]]: tensor<?xf32>, %[[N:.+]]: index, %[[C:.+]]: i1)
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %c0
// CHECK: %[[S:.+]] = arith.select %[[C]], %[[D]], %[[N]]
// CHECK: return %[[S]]
func.func @dim_of_if(%x: tensor<?xf32>, %n: index, %c: i1) -> index {
  %c0 = arith.constant 0 : index
  %r = scf.if %c -> tensor<?xf32> {
    scf.yield %x : tensor<?xf32>
  } else {
    %e = tensor.empty(%n) : tensor<?xf32>
    %f = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
        outs(%e : tensor<?xf32>) {
    ^bb0(%out: f32):
      %z = arith.constant 0.0 : f32
      linalg.yield %z : f32
    } -> tensor<?xf32>
    scf.yield %f : tensor<?xf32>
  }
  %d = tensor.dim %r, %c0 : tensor<?xf32>
  return %d : index
}

// -----

// Sizes of reshapes are the sizes they were built from.
// CHECK-LABEL: func.func @dim_of_reshapes
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf32>, %[[N:.+]]: index)
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %c0
// CHECK: %[[P:.+]] = arith.muli %[[D]], %c4
// CHECK: return %[[N]], %[[P]]
func.func @dim_of_reshapes(%x: tensor<?x4xf32>, %n: index) -> (index, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.expand_shape %x [[0, 1], [2]] output_shape [1, %n, 4] : tensor<?x4xf32> into tensor<1x?x4xf32>
  %a = tensor.dim %e, %c1 : tensor<1x?x4xf32>
  %c = tensor.collapse_shape %x [[0, 1]] : tensor<?x4xf32> into tensor<?xf32>
  %b = tensor.dim %c, %c0 : tensor<?xf32>
  return %a, %b : index, index
}
