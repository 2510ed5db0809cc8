// RUN: onnx-mlc-opt %s --pass-pipeline='builtin.module(func.func(mlc-approximate-math))' | FileCheck %s

// exp, erf and tanh on f32 become arithmetic (no libm call is left to
// lower), scalar or vector alike; other functions and types stay.
// CHECK-LABEL: func @approximated
func.func @approximated(%x: f32, %v: vector<16xf32>) -> (f32, f32, vector<16xf32>) {
  // CHECK-NOT: math.exp
  // CHECK-NOT: math.erf
  // CHECK-NOT: math.tanh
  // CHECK: math.fma {{.*}} : f32
  // CHECK: math.fma {{.*}} : vector<16xf32>
  %e = math.exp %x : f32
  %r = math.erf %e : f32
  %t = math.tanh %v : vector<16xf32>
  return %e, %r, %t : f32, f32, vector<16xf32>
}

// CHECK-LABEL: func @kept
func.func @kept(%x: f64, %y: f32) -> (f64, f32) {
  // CHECK: math.exp %{{.+}} : f64
  // CHECK: math.sin %{{.+}} : f32
  %e = math.exp %x : f64
  %s = math.sin %y : f32
  return %e, %s : f64, f32
}
