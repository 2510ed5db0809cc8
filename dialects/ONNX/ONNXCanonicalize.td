// Declarative peepholes over ONNX ops, run by the canonicalizer.

#ifndef ONNX_MLC_ONNX_CANONICALIZE
#define ONNX_MLC_ONNX_CANONICALIZE

include "mlir/IR/PatternBase.td"
include "ONNX/ONNX.td"

// A reshape of a reshape only needs the outer shape, as long as neither
// reads a 0 in its shape as "copy the input dimension".
def AllowZeroIsOff : Constraint<CPred<"::llvm::cast<::mlir::IntegerAttr>($0).getInt() == 0">,
                                 "allowzero is 0">;
def ReshapeOfReshape : Pat<
  (ONNX_ReshapeOp (ONNX_ReshapeOp $x, $inner, $az0), $outer, $az1),
  (ONNX_ReshapeOp $x, $outer, $az1),
  [(AllowZeroIsOff $az0), (AllowZeroIsOff $az1)]>;

#endif // ONNX_MLC_ONNX_CANONICALIZE
