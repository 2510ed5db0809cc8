// Declarative peepholes over ONNX ops, run by the canonicalizer.

#ifndef ONNX_MLC_ONNX_CANONICALIZE
#define ONNX_MLC_ONNX_CANONICALIZE

include "mlir/IR/PatternBase.td"
include "ONNX/ONNX.td"

// A reshape of a reshape only needs the outer shape, unless that shape
// copies a dimension (a 0 while allowzero is 0): the copy must read the
// inner result, not the original input.
def OuterShapeCopiesNothing
    : Constraint<CPred<"::onnx_mlc::onnx::reshapeCopiesNoDimension($0, $1)">,
                 "the shape copies no input dimension">;
def ReshapeOfReshape : Pat<
  (ONNX_ReshapeOp (ONNX_ReshapeOp $x, $inner, $az0), $outer, $az1),
  (ONNX_ReshapeOp $x, $outer, $az1),
  [(OuterShapeCopiesNothing $outer, $az1)]>;

#endif // ONNX_MLC_ONNX_CANONICALIZE
