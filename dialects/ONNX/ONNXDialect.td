// The ONNX dialect: one op per ONNX operator, at the level of the model.

#ifndef ONNX_MLC_ONNX_DIALECT
#define ONNX_MLC_ONNX_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "ONNX/ONNXInterfaces.td"

def ONNX_Dialect : Dialect {
  let name = "onnx";
  let summary = "ONNX operators as imported from a model";
  let description = [{
    Ops mirror the newest `ai.onnx` schemas: same op names, operand names and
    attribute names, so the IR reads beside the model. Absent optional inputs
    and outputs are values of type `none`. Ops the dialect does not model are
    kept in `onnx.opaque`, which carries the domain, op type and opset, so the
    importer can represent any model and the error comes later, precisely.
  }];
  let cppNamespace = "::onnx_mlc::onnx";
  let hasConstantMaterializer = 1;
  let useDefaultTypePrinterParser = 1;
}

class ONNX_Op<string mnemonic, list<Trait> traits = []>
    : Op<ONNX_Dialect, mnemonic, traits>;

def ONNX_StringType : TypeDef<ONNX_Dialect, "String"> {
  let mnemonic = "string";
  let summary = "the element type of ONNX string tensors";
}

#endif // ONNX_MLC_ONNX_DIALECT
