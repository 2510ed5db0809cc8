// Hand-written ONNX dialect ops: the escape hatch and the fused kernels that
// the compiler's own passes create. They are not ONNX operators.

#ifndef ONNX_MLC_ONNX_EXTRA_OPS
#define ONNX_MLC_ONNX_EXTRA_OPS

include "ONNX/ONNXDialect.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def ONNX_OpaqueOp : ONNX_Op<"opaque"> {
  let summary = "an ONNX node the dialect does not model";
  let description = [{
    Holds a node of any domain, op type and opset with its attributes, so that
    import never fails on an unknown op. Lowering reports it as unsupported,
    naming the node, op, domain and opset.

    ```mlir
    %0 = onnx.opaque "MyOp"(%x) {domain = "com.example", opset = 1 : i64,
                                  node_attributes = {alpha = 1.0 : f32}}
        : (tensor<4xf32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$inputs, StrAttr:$op_type,
                       StrAttr:$domain, I64Attr:$opset,
                       DictionaryAttr:$node_attributes);
  let results = (outs Variadic<AnyType>:$outputs);
  let assemblyFormat = [{
    $op_type `(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs)
  }];
}

def ONNX_NoneOp : ONNX_Op<"none", [Pure]> {
  let summary = "the value of an absent optional input";
  let description = [{
    ONNX marks an absent optional input with an empty name; the importer
    passes this op's result instead, so every op has all its operands.

    ```mlir
    %none = onnx.none
    %y = "onnx.Conv"(%x, %w, %none) : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>, none) -> tensor<1x1x2x2xf32>
    ```
  }];
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
}

def ONNX_YieldOp : ONNX_Op<"Yield", [Pure, Terminator, ReturnLike]> {
  let summary = "the outputs of a subgraph: an If branch, a Loop or Scan body";
  let description = [{
    Ends the region that holds an ONNX subgraph, returning its outputs in
    the order of the subgraph's outputs.

    ```mlir
    %y = "onnx.If"(%c) ({
      onnx.Yield %a : tensor<2xf32>
    }, {
      onnx.Yield %b : tensor<2xf32>
    }) : (tensor<i1>) -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$outputs);
  let assemblyFormat = "attr-dict ($outputs^ `:` type($outputs))?";
}

def ONNX_FusedConvOp : ONNX_Op<"FusedConv",
    [Pure, DeclareOpInterfaceMethods<ONNX_ShapeInferenceOpInterface, ["resultShapes"]>]> {
  let summary = "Conv with its bias, a residual sum and activation in one kernel";
  let description = [{
    `Y = activation(Conv(X, W, B) + Z)`: a `Conv` whose bias (including a
    folded BatchNormalization), residual input `Z` (optional, of Y's shape:
    the Add of a ResNet or MobileNetV2 block) and following activation are
    computed while each output tile is still in registers. `activation` is
    "" or one of "Relu", "Sigmoid", "Tanh", or "Clip" with
    `activation_params` = [min, max] (ReLU6 in MobileNets). Created by
    `mlc-fuse-conv`.
  }];
  let arguments = (ins TensorOf<[F32]>:$X, TensorOf<[F32]>:$W,
    AnyTypeOf<[TensorOf<[F32]>, NoneType]>:$B,
    Optional<TensorOf<[F32]>>:$Z,
    DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
    OptionalAttr<DenseI64ArrayAttr>:$dilations,
    DefaultValuedAttr<I64Attr, "1">:$group,
    OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
    OptionalAttr<DenseI64ArrayAttr>:$pads,
    OptionalAttr<DenseI64ArrayAttr>:$strides,
    DefaultValuedStrAttr<StrAttr, "">:$activation,
    OptionalAttr<DenseF32ArrayAttr>:$activation_params);
  let results = (outs TensorOf<[F32]>:$Y);
  let hasVerifier = 1;
}

def ONNX_FusedGemmOp : ONNX_Op<"FusedGemm",
    [Pure, DeclareOpInterfaceMethods<ONNX_ShapeInferenceOpInterface, ["resultShapes"]>]> {
  let summary = "Gemm with its activation in one kernel";
  let description = [{
    `Y = activation(alpha * A' * B' + beta * C)`, created by `mlc-fuse-gemm`
    from a Gemm, or a 2-D MatMul and the Add of a bias, and the activation
    that follows it. `activation` is as for `onnx.FusedConv`.
  }];
  let arguments = (ins TensorOf<[F32]>:$A, TensorOf<[F32]>:$B,
    AnyTypeOf<[TensorOf<[F32]>, NoneType]>:$C,
    DefaultValuedAttr<F32Attr, "1.0">:$alpha,
    DefaultValuedAttr<F32Attr, "1.0">:$beta,
    DefaultValuedAttr<I64Attr, "0">:$transA,
    DefaultValuedAttr<I64Attr, "0">:$transB,
    DefaultValuedStrAttr<StrAttr, "">:$activation,
    OptionalAttr<DenseF32ArrayAttr>:$activation_params);
  let results = (outs TensorOf<[F32]>:$Y);
  let hasVerifier = 1;
}

#endif // ONNX_MLC_ONNX_EXTRA_OPS
