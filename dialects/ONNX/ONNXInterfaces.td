// Interfaces implemented by ONNX dialect ops.

#ifndef ONNX_MLC_ONNX_INTERFACES
#define ONNX_MLC_ONNX_INTERFACES

include "mlir/IR/OpBase.td"

def ONNX_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::onnx_mlc::onnx";
  let description = [{
    The op's shape rule, `resultShapes`, computes its result shapes with a
    `DimBuilder`: as constants (or unknown) for shape inference and the
    verifier, and as constants or run-time `index` values for the lowering,
    which therefore always agrees with inference. Ops without a rule keep
    the default, which says nothing.

    Every op with a rule is verified by it: operands that contradict the op
    (an axis out of range, mismatched ranks or sizes) and declared result
    types that contradict the rule are errors at the node.
  }];
  let methods = [
    InterfaceMethod<[{
        Appends the shape of each result to `shapes`, in order, and may stop
        early where a rank is unknown. Fails, with a diagnostic on the op,
        when the operands contradict the op.
      }],
      "::llvm::LogicalResult", "resultShapes",
      (ins "::onnx_mlc::onnx::DimBuilder &":$dims,
           "::onnx_mlc::onnx::ShapeList &":$shapes), "",
      [{ return ::llvm::success(); }]>,
    InterfaceMethod<[{
        Refines result types in place from the rule. Results only ever
        become more precise: a static dimension is never changed.
      }],
      "::llvm::LogicalResult", "inferShapes", (ins), "",
      [{ return ::onnx_mlc::onnx::inferShapesFromRule($_op); }]>
  ];
  let verify = [{ return ::onnx_mlc::onnx::verifyShapeRule($_op); }];
}

#endif // ONNX_MLC_ONNX_INTERFACES
