// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-emit-c-abi{prefix=net})' | FileCheck %s

// CHECK-LABEL: func.func private @main_graph
func.func @main_graph(%x: memref<2x3xf32>, %y: memref<2xi64>) attributes {mlc.input_names = ["x"], mlc.output_names = ["y"]} {
  return
}
// The run entry checks counts, dtypes, ranks and dims, then calls the model.
// CHECK-LABEL: func.func @net_run(%{{.+}}: !llvm.ptr, %{{.+}}: i64, %{{.+}}: !llvm.ptr, %{{.+}}: i64) -> i32
// CHECK: cf.cond_br
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<2x3xf32>
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<2xi64>
// CHECK: call @main_graph
// The signature is reported from constant tables.
// CHECK: llvm.mlir.global internal constant @net__input_dtypes(dense<1> : tensor<1xi32>)
// CHECK: llvm.mlir.global internal constant @net__input_names("x\00")
// CHECK-LABEL: func.func @net_num_inputs() -> i32
// CHECK-LABEL: func.func @net_input_shape(%{{.+}}: i32) -> !llvm.ptr
// CHECK: llvm.mlir.global internal constant @net__output_dtypes(dense<7> : tensor<1xi32>)
