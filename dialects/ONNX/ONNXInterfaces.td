// Interfaces implemented by ONNX dialect ops.

#ifndef ONNX_MLC_ONNX_INTERFACES
#define ONNX_MLC_ONNX_INTERFACES

include "mlir/IR/OpBase.td"

def ONNX_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::onnx_mlc::onnx";
  let description = [{
    Refines the op's result types from its operand types and, where the
    semantics need them, the values of constant operands (a Reshape's shape,
    say). Results only ever become more precise: a static dimension is never
    changed. Ops that the compiler does not implement keep the default, which
    refines nothing.
  }];
  let methods = [
    InterfaceMethod<[{
        Refines result types in place. Fails, with a diagnostic on the op,
        when the operand shapes contradict the op's semantics.
      }],
      "::llvm::LogicalResult", "inferShapes", (ins), "",
      [{ return ::llvm::success(); }]>
  ];
}

#endif // ONNX_MLC_ONNX_INTERFACES
