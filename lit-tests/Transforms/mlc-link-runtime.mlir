// RUN: onnx-mlc-opt %s --mlc-link-runtime=prefix=net | FileCheck %s

// A call of a parallel body over [begin, end) becomes a thread-pool task:
// the other arguments are stored in a struct allocated at the caller's
// entry, and <body>_task unpacks them for each chunk.
// CHECK-LABEL: llvm.func @model
// CHECK-SAME: (%[[P:.+]]: !llvm.ptr, %[[F:.+]]: f32, %[[N:.+]]: i64)
llvm.func @model(%p: !llvm.ptr, %f: f32, %n: i64) {
  // CHECK: %[[SLOT:.+]] = llvm.alloca %{{.+}} x !llvm.struct<(ptr, f32)>
  // CHECK: %[[A:.+]] = llvm.insertvalue %[[P]], %{{.+}}[0]
  // CHECK: %[[B:.+]] = llvm.insertvalue %[[F]], %[[A]][1]
  // CHECK: llvm.store %[[B]], %[[SLOT]]
  // CHECK: %[[TASK:.+]] = llvm.mlir.addressof @body_task
  // CHECK: llvm.call @mlc_parallel_for(%[[TASK]], %[[SLOT]], %{{.+}}, %[[N]])
  // CHECK-NOT: llvm.call @body(
  %c0 = llvm.mlir.constant(0 : i64) : i64
  llvm.call @body(%p, %f, %c0, %n) : (!llvm.ptr, f32, i64, i64) -> ()
  llvm.return
}
llvm.func internal @body(%p: !llvm.ptr, %f: f32, %begin: i64, %end: i64) attributes {mlc.parallel_body} {
  llvm.return
}
// CHECK: llvm.func internal @body_task(%[[CTX:.+]]: !llvm.ptr, %[[LO:.+]]: i64, %[[HI:.+]]: i64)
// CHECK: %[[S:.+]] = llvm.load %[[CTX]] : !llvm.ptr -> !llvm.struct<(ptr, f32)>
// CHECK: %[[S0:.+]] = llvm.extractvalue %[[S]][0]
// CHECK: %[[S1:.+]] = llvm.extractvalue %[[S]][1]
// CHECK: llvm.call @body(%[[S0]], %[[S1]], %[[LO]], %[[HI]])

// The runtime is merged in, the pool's thread-count functions exported with
// the model's prefix, everything else internal.
// CHECK-DAG: llvm.func internal @mlc_parallel_for(
// CHECK-DAG: llvm.func @net_set_num_threads(%{{.+}}: i32)
// CHECK-DAG: llvm.func @net_num_threads() -> i32
// CHECK-DAG: llvm.func @pthread_create(
// CHECK-DAG: llvm.mlir.global_dtors dtors = [@mlc_pool_shutdown]
// CHECK-DAG: llvm.func internal @mlc_workspace_take(
// CHECK-DAG: llvm.func internal @mlc_workspace_give(
