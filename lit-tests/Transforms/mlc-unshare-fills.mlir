// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(func.func(mlc-unshare-fills))' | FileCheck %s

// Two products into the same filled tensor (CSE merged their fills): the
// second gets a fill of its own, made right before it, so that
// bufferization gives each its buffer without a copy. A use that is not a
// destination (an input) keeps the shared fill.
// CHECK-LABEL: func @two_products
// CHECK-SAME: (%[[A:.+]]: tensor<4x4xf32>, %[[B:.+]]: tensor<4x4xf32>)
// CHECK: %[[ZERO:.+]] = arith.constant 0.0
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[F:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<4x4xf32>)
// CHECK: %[[P:.+]] = linalg.matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[F]] : tensor<4x4xf32>)
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[F2:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E2]] : tensor<4x4xf32>)
// CHECK: %[[Q:.+]] = linalg.matmul ins(%[[P]], %[[F]] : {{.*}}) outs(%[[F2]] : tensor<4x4xf32>)
// CHECK: return %[[Q]]
func.func @two_products(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %p = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  %q = linalg.matmul ins(%p, %f : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %q : tensor<4x4xf32>
}

// Sizes known at run time: the clone of tensor.empty takes the same size.
// CHECK-LABEL: func @dynamic
// CHECK: %[[D:.+]] = tensor.dim
// CHECK: tensor.empty(%[[D]])
// CHECK: linalg.fill
// CHECK: linalg.matmul
// CHECK: tensor.empty(%[[D]])
// CHECK: linalg.fill
// CHECK: linalg.matmul
func.func @dynamic(%a: tensor<?x4xf32>, %b: tensor<4x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %d = tensor.dim %a, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%d) : tensor<?x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %p = linalg.matmul ins(%a, %b : tensor<?x4xf32>, tensor<4x4xf32>) outs(%f : tensor<?x4xf32>) -> tensor<?x4xf32>
  %q = linalg.matmul ins(%a, %b : tensor<?x4xf32>, tensor<4x4xf32>) outs(%f : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %p, %q : tensor<?x4xf32>, tensor<?x4xf32>
}
