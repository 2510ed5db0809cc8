// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(mlc-instrument-kernels{prefix=net})' | FileCheck %s

// Each kernel call is timed between two clock reads; its counters are
// [3i] nanoseconds, [3i+1] calls, [3i+2] last start. Labels name the nodes
// of the call's location and their op types from mlc.node_ops.
module attributes {mlc.node_ops = {conv = "Conv", bn = "BatchNormalization", relu = "Relu"}} {
  // CHECK-LABEL: func @main_graph
  func.func @main_graph(%x: memref<8xf32>, %y: memref<8xf32>) {
    // CHECK: %[[T0:.+]] = call @net_profile_now()
    // CHECK-NEXT: call @main_graph_kernel_0
    // CHECK-NEXT: %[[T1:.+]] = call @net_profile_now()
    // CHECK: %[[D:.+]] = arith.subi %[[T1]], %[[T0]]
    // CHECK: llvm.atomicrmw add %{{.+}}, %[[D]] monotonic
    // CHECK: llvm.getelementptr {{.*}}[0, 1]
    // CHECK: llvm.atomicrmw add
    // CHECK: llvm.getelementptr {{.*}}[0, 2]
    // CHECK: llvm.atomicrmw xchg %{{.+}}, %[[T0]] monotonic
    call @main_graph_kernel_0(%x, %y) : (memref<8xf32>, memref<8xf32>) -> () loc(fused["conv", "bn", "relu"])
    // CHECK: call @main_graph_kernel_1
    // CHECK: llvm.getelementptr {{.*}}[0, 3]
    call @main_graph_kernel_1(%y, %x) : (memref<8xf32>, memref<8xf32>) -> () loc("relu")
    // Not a kernel: not timed.
    // CHECK: call @helper
    // CHECK-NEXT: return
    call @helper() : () -> ()
    return
  }
  func.func private @main_graph_kernel_0(%a: memref<8xf32>, %b: memref<8xf32>) attributes {mlc.kernel} {
    linalg.copy ins(%a : memref<8xf32>) outs(%b : memref<8xf32>)
    return
  }
  func.func private @main_graph_kernel_1(%a: memref<8xf32>, %b: memref<8xf32>) attributes {mlc.kernel} {
    linalg.copy ins(%a : memref<8xf32>) outs(%b : memref<8xf32>)
    return
  }
  func.func private @helper()
}
// CHECK: llvm.mlir.global internal constant @net_profile_label_text("conv+bn+relu\09Conv+BatchNormalization+Relu\0Arelu\09Relu\0A\00")
// CHECK: llvm.mlir.global internal @net_profile_counter_data(dense<0> : tensor<6xi64>)
// CHECK: func.func @net_profile_size() -> i64
// CHECK: arith.constant 2 : i64
// CHECK: func.func @net_profile_labels() -> !llvm.ptr
// CHECK: func.func @net_profile_counters() -> !llvm.ptr
// CHECK: llvm.func @clock_gettime(i32, !llvm.ptr) -> i32
// CHECK: func.func private @net_profile_now() -> i64
// CHECK: llvm.call @clock_gettime
