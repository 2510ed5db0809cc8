// RUN: onnx-mlc-opt %s -split-input-file --pass-pipeline='builtin.module(mlc-emit-c-abi{prefix=net})' | FileCheck %s

// CHECK-LABEL: func.func private @main_graph
func.func @main_graph(%x: memref<2x3xf32>, %y: memref<2xi64>) attributes {mlc.input_names = ["x"], mlc.output_names = ["y"]} {
  return
}
// The run entry checks counts, dtypes, ranks and dims, then calls the model.
// CHECK-LABEL: func.func @net_run(%{{.+}}: !llvm.ptr, %{{.+}}: i64, %{{.+}}: !llvm.ptr, %{{.+}}: i64) -> i32
// CHECK: cf.cond_br
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<2x3xf32>
// The output is allocated when the caller passes NULL.
// CHECK: llvm.call @aligned_alloc
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<2xi64>
// CHECK: call @main_graph
// CHECK-LABEL: func.func @net_free
// CHECK: llvm.call @free
// CHECK-LABEL: func.func @net_abi_version() -> i32
// CHECK-LABEL: func.func @net_status_message
// The signature is reported from constant tables.
// CHECK: llvm.mlir.global internal constant @net__input_dtypes(dense<1> : tensor<1xi32>)
// CHECK: llvm.mlir.global internal constant @net__input_names_text("x\00")
// CHECK-LABEL: func.func @net_num_inputs() -> i32
// CHECK-LABEL: func.func @net_input_shape(%{{.+}}: i32) -> !llvm.ptr
// CHECK: llvm.mlir.global internal constant @net__output_dtypes(dense<7> : tensor<1xi32>)

// -----

// A dynamic size named "n", a boolean stored as i8, and an output of
// run-time shape returned by the model after its status.
// CHECK-LABEL: func.func private @main_graph
func.func @main_graph(%x: memref<?x3xi8>) -> (i32, memref<?xi64>) attributes {
    mlc.input_names = ["mask"], mlc.output_names = ["idx"],
    mlc.input_types = [tensor<?x3xi1>], mlc.output_types = [tensor<?xi64>],
    mlc.input_dims = [["n", ""]]} {
  %c0 = arith.constant 0 : i32
  %c0_i = arith.constant 0 : index
  %m = memref.alloc(%c0_i) : memref<?xi64>
  return %c0, %m : i32, memref<?xi64>
}
// CHECK-LABEL: func.func @net_run
// Sizes known at run time must not be negative.
// CHECK: arith.cmpi sge
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<?x3xi8>
// CHECK: %[[R:.+]]:2 = call @main_graph
// A failed status is returned as is, after freeing what was allocated.
// CHECK: cf.cond_br
// CHECK: llvm.call @free
// CHECK: return %[[R]]#0
// The returned output is handed over or copied into the caller's buffer.
// CHECK: "llvm.intr.memcpy"
// CHECK: llvm.mlir.global internal constant @net__input_dtypes(dense<9> : tensor<1xi32>)
// CHECK: llvm.mlir.global internal constant @net__input_dims(dense<[-1, 3]> : tensor<2xi64>)
// CHECK: llvm.mlir.global internal constant @net__input_dim_names_text("n\00\00")
// CHECK-LABEL: func.func @net_input_dim_name(%{{.+}}: i32, %{{.+}}: i32) -> !llvm.ptr
