// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(func.func(mlc-copies-to-linalg))' | FileCheck %s

// CHECK-LABEL: func @strided_copy
func.func @strided_copy(%a: memref<4xf32>, %b: memref<4xf32, strided<[2]>>) {
  // CHECK: linalg.copy ins(%arg0 : memref<4xf32>) outs(%arg1 : memref<4xf32, strided<[2]>>)
  // CHECK-NOT: memref.copy
  memref.copy %a, %b : memref<4xf32> to memref<4xf32, strided<[2]>>
  return
}
