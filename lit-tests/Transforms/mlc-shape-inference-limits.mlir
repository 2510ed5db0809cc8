// RUN: onnx-mlc-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(func.func(mlc-shape-inference))'

// A shape whose size overflows 64 bits is refused, not wrapped around, even
// if a 0 leaves nothing to allocate.
func.func @overflow(%x: tensor<3xf32>) -> tensor<*xf32> {
  %s = "onnx.Constant"() {value = dense<[4294967296, 4294967296, 0]> : tensor<3xi64>} : () -> tensor<3xi64>
  // expected-error @+1 {{result shape [4294967296x4294967296x0] is too large to allocate: its size overflows 64 bits}}
  %y = "onnx.ConstantOfShape"(%s) : (tensor<3xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

// Within 64 bits but beyond 2^48 bytes: refused with its size.
func.func @too_large(%x: tensor<3xf32>) -> tensor<*xf32> {
  %s = "onnx.Constant"() {value = dense<[1048576, 1048576, 1048576]> : tensor<3xi64>} : () -> tensor<3xi64>
  // expected-error @+1 {{result shape [1048576x1048576x1048576] is too large to allocate: 4611686018427387904 bytes (at most 281474976710656)}}
  %y = "onnx.ConstantOfShape"(%s) : (tensor<3xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

// Sizes with a 0 hold nothing, however large the others (as long as their
// product, from which strides are computed, fits in 64 bits).
func.func @empty(%x: tensor<3xf32>) -> tensor<*xf32> {
  %s = "onnx.Constant"() {value = dense<[2147483648, 2147483648, 0]> : tensor<3xi64>} : () -> tensor<3xi64>
  %y = "onnx.ConstantOfShape"(%s) : (tensor<3xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}
