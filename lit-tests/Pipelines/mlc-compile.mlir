// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-compile{opt-level=2 prefix=m})' | FileCheck %s
// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-optimize-onnx{opt-level=0})' | FileCheck %s --check-prefix=O0

// The whole compiler: only LLVM dialect remains, the model is private and
// the C ABI is exported. The only external functions are libc's allocator.
module attributes {onnx.opset = 13 : i64} {
  func.func @main_graph(%x: tensor<1x2x5x5xf32>) -> tensor<*xf32> attributes {mlc.input_names = ["x"], mlc.output_names = ["y"]} {
    %w = "onnx.Constant"() {value = dense<1.0> : tensor<3x2x3x3xf32>} : () -> tensor<3x2x3x3xf32>
    %b = "onnx.Constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
    // O0: "onnx.Conv"
    // O0: "onnx.Relu"
    %c = "onnx.Conv"(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<*xf32>
    %r = "onnx.Relu"(%c) : (tensor<*xf32>) -> tensor<*xf32>
    return %r : tensor<*xf32>
  }
}
// CHECK-NOT: onnx.{{[A-Za-z]+}}(
// CHECK-NOT: memref.
// CHECK-DAG: llvm.func @free(!llvm.ptr)
// CHECK-DAG: llvm.func @aligned_alloc(i64, i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @m_run(
// CHECK-DAG: llvm.func @m_output_shape(
// CHECK-DAG: llvm.func internal @main_graph(
