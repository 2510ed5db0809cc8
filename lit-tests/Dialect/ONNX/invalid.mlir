// RUN: onnx-mlc-opt %s -split-input-file -verify-diagnostics

func.func @conv_rank(%x: tensor<3x8xf32>, %w: tensor<4x3xf32>) {
  %none = onnx.none
  // expected-error @+1 {{expects input and weights of equal rank >= 3}}
  %y = "onnx.Conv"(%x, %w, %none) : (tensor<3x8xf32>, tensor<4x3xf32>, none) -> tensor<*xf32>
  return
}

// -----

func.func @conv_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  %none = onnx.none
  // expected-error @+1 {{pads has 2 values, expected 4}}
  %y = "onnx.Conv"(%x, %w, %none) {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{perm is not a permutation}}
  %y = "onnx.Transpose"(%x) {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @concat_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %y = "onnx.Concat"(%x, %x) {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @gemm_rank(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) {
  %none = onnx.none
  // expected-error @+1 {{expects 2-D A and B}}
  %y = "onnx.Gemm"(%a, %b, %none) : (tensor<2x3x4xf32>, tensor<4x5xf32>, none) -> tensor<*xf32>
  return
}

// -----

func.func @element_type(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be tensor of}}
  %y = "onnx.Sqrt"(%x) : (tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func.func @fused_activation(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  %none = onnx.none
  // expected-error @+1 {{unknown activation 'Gelu'}}
  %y = "onnx.FusedConv"(%x, %w, %none) {activation = "Gelu"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return
}

// -----

func.func @declared_shape(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{result 0 is declared 'tensor<2x5xf32>' but its operands give shape [2x4]}}
  %y = "onnx.MatMul"(%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @layernorm_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %y:3 = "onnx.LayerNormalization"(%x, %x, %x) {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<2x3xf32>, none, none)
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  %s = "onnx.Constant"() {value = dense<[4, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{cannot reshape 6 elements to 8 elements}}
  %y = "onnx.Reshape"(%x, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return
}
