#!/usr/bin/env python3
"""Generates dialects/ONNX/ONNXOps.td from the ONNX operator schemas.

Run it whenever the pinned `onnx` package changes, and check the result in:

    python scripts/gen_onnx_ops.py > dialects/ONNX/ONNXOps.td

Each op mirrors the newest `ai.onnx` schema: inputs, outputs and attributes
keep their ONNX names, type constraints become ODS type constraints, optional
inputs and outputs are `none` when absent, and graph attributes become regions.
What the compiler implements beyond the schema (verifiers, folders, shape
inference) is declared in EXTRAS below, so the generated file stays the single
source of truth for the op set.
"""

import sys

import onnx
from onnx import defs
from onnx.defs import OpSchema

# Per-op hooks implemented in cpp/lib/Dialect/ONNX/IR. The ops in SHAPE_RULES
# implement ShapeInferenceOpInterface::resultShapes (ONNXShapeInference.cpp);
# EXTRAS map to ODS flags.
SHAPE_RULES = {
    "Abs", "Acos", "Acosh", "Add", "And", "ArgMax",
    "ArgMin", "Asin", "Asinh", "Atan", "Atanh", "AveragePool",
    "BatchNormalization", "BitCast", "BitShift", "BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor",
    "Cast", "CastLike", "Ceil", "Celu", "Clip", "Compress",
    "Concat", "Constant", "ConstantOfShape", "Conv", "ConvTranspose", "Cos",
    "Cosh", "CumProd", "CumSum", "DepthToSpace", "Div", "Dropout", "Einsum",
    "Elu", "Equal", "Erf", "Exp", "Expand", "EyeLike",
    "Flatten", "Floor", "Gather", "GatherElements", "GatherND", "Gelu",
    "Gemm", "GlobalAveragePool", "GridSample", "GlobalLpPool", "GlobalMaxPool", "Greater", "GreaterOrEqual",
    "GRU", "GroupNormalization", "HardSigmoid", "If", "HardSwish", "Hardmax", "Identity", "InstanceNormalization",
    "IsInf", "IsNaN", "LRN", "LSTM", "LayerNormalization", "LeakyRelu", "Less",
    "LessOrEqual", "Log", "LogSoftmax", "LpNormalization", "LpPool", "Loop", "MatMul",
    "Max", "MaxPool", "Mean", "MeanVarianceNormalization", "Min", "Mish",
    "Mod", "Mul", "Neg", "NonZero", "Not", "OneHot",
    "Or", "PRelu", "Pad", "Pow", "RMSNormalization", "RNN", "Range",
    "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
    "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "Relu",
    "Reshape", "Resize", "Round", "Scan", "ScatterElements", "ScatterND", "Selu", "Shape",
    "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Size",
    "Slice", "Softmax", "Softplus", "Softsign", "SpaceToDepth", "Split",
    "Sqrt", "Squeeze", "Sub", "Sum", "Swish", "Tan",
    "Tanh", "ThresholdedRelu", "Tile", "TopK", "Transpose", "Trilu",
    "Unique", "Unsqueeze", "Where", "Xor",
}

# Ops whose fold() is the shared constant evaluator alone (small results;
# mlc-constant-propagation folds larger ones). Shape computations are made
# of these, so folding them at every level keeps shapes static.
FOLD_TO_CONSTANT = {
    "Abs", "And", "Cast", "CastLike", "Ceil", "Equal", "Expand", "Flatten", "Floor",
    "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Max", "Min", "Mod", "Neg", "Not",
    "Or", "Range", "Reciprocal", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSum",
    "Size", "Slice", "Sqrt", "Sum", "Tile", "Where", "Xor",
}

EXTRAS = {
    "Add": {"folder"},
    "AveragePool": {"verifier"},
    "Concat": {"folder"},
    "Constant": {"folder"},
    "ConstantOfShape": {"folder"},
    "Conv": {"verifier"},
    "Div": {"folder"},
    "Dropout": {"canonicalizer"},
    "Gather": {"folder"},
    "Identity": {"folder"},
    "If": {"canonicalizer"},
    "MaxPool": {"verifier"},
    "Mul": {"folder"},
    "Reshape": {"canonicalizer", "folder"},
    "Shape": {"folder"},
    "Squeeze": {"folder"},
    "Sub": {"folder"},
    "Sum": {"canonicalizer"},
    "Transpose": {"folder"},
    "Unsqueeze": {"folder"},
}

# Ops whose results are not a function of their operands alone.
IMPURE = {
    "Bernoulli", "Multinomial", "RandomNormal", "RandomNormalLike",
    "RandomUniform", "RandomUniformLike",
}

ELEMENT_TYPES = {
    "float": "F32", "double": "F64", "float16": "F16", "bfloat16": "BF16",
    "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64",
    "uint8": "UI8", "uint16": "UI16", "uint32": "UI32", "uint64": "UI64",
    "int4": "I<4>", "uint4": "UI<4>", "int2": "I<2>", "uint2": "UI<2>",
    "bool": "I1",
    "complex64": "Complex<F32>", "complex128": "Complex<F64>",
    "float8e4m3fn": "F8E4M3FN", "float8e4m3fnuz": "F8E4M3FNUZ",
    "float8e5m2": "F8E5M2", "float8e5m2fnuz": "F8E5M2FNUZ",
    "float8e8m0": "F8E8M0FNU", "float4e2m1": "F4E2M1FN",
    "float6e2m3": "F6E2M3FN", "float6e3m2": "F6E3M2FN",
    "string": "ONNX_StringType",
}

A = OpSchema.AttrType


def type_constraint(type_strs):
    """ODS constraint for a list of ONNX type strings such as 'tensor(float)'."""
    elems = []
    for t in type_strs:
        if not (t.startswith("tensor(") and t.endswith(")")):
            return "AnyType"  # sequences, optionals, maps: not modelled yet
        elem = t[len("tensor("):-1]
        if elem not in ELEMENT_TYPES:
            return "AnyType"
        elems.append(ELEMENT_TYPES[elem])
    return f"TensorOf<[{', '.join(sorted(set(elems)))}]>"


def param_constraint(schema, param):
    constraints = {tc.type_param_str: tc.allowed_type_strs for tc in schema.type_constraints}
    strs = constraints.get(param.type_str, [param.type_str])
    return type_constraint(strs)


def cpp_float(value):
    text = repr(float(value))
    if text in ("inf", "-inf", "nan"):
        return None
    return text if any(c in text for c in ".e") else text + ".0"


def attribute(name, attr):
    """Returns the ODS attribute definition, or None for a region."""
    default = attr.default_value if attr.default_value.name else None
    kind = attr.type
    if kind == A.INT:
        base = "I64Attr"
        value = str(default.i) if default is not None else None
    elif kind == A.FLOAT:
        base = "F32Attr"
        value = cpp_float(default.f) if default is not None else None
    elif kind == A.STRING:
        if default is not None and not attr.required:
            return f'DefaultValuedStrAttr<StrAttr, "{default.s.decode()}">'
        base = "StrAttr"
        value = None
    elif kind == A.INTS:
        base = "DenseI64ArrayAttr"
        value = None
    elif kind == A.FLOATS:
        base = "DenseF32ArrayAttr"
        value = None
    elif kind == A.STRINGS:
        base = "StrArrayAttr"
        value = None
    elif kind == A.TENSOR:
        base = "ElementsAttr"
        value = None
    elif kind in (A.GRAPH, A.GRAPHS):
        return None
    else:
        base = "AnyAttr"
        value = None
    if attr.required:
        return base
    if value is not None:
        return f'DefaultValuedAttr<{base}, "{value}">'
    return f"OptionalAttr<{base}>"


def op_def(schema):
    name = schema.name
    extras = EXTRAS.get(name, set())
    traits = []
    if name not in IMPURE and not any(a.type in (A.GRAPH, A.GRAPHS) for a in schema.attributes.values()):
        traits.append("Pure")
    if name == "Constant":
        traits.append("ConstantLike")
    if name in SHAPE_RULES:
        traits.append("DeclareOpInterfaceMethods<ONNX_ShapeInferenceOpInterface, [\"resultShapes\"]>")
    else:
        traits.append("ONNX_ShapeInferenceOpInterface")

    args, regions = [], []
    for p in schema.inputs:
        c = param_constraint(schema, p)
        if p.option == OpSchema.FormalParameterOption.Variadic:
            args.append(f"Variadic<{c}>:${p.name}")
        elif p.option == OpSchema.FormalParameterOption.Optional:
            args.append(f"AnyTypeOf<[{c}, NoneType]>:${p.name}")
        else:
            args.append(f"{c}:${p.name}")
    for attr_name in sorted(schema.attributes):
        attr = schema.attributes[attr_name]
        ods = attribute(attr_name, attr)
        if ods is None:
            regions.append(f"SizedRegion<1>:${attr_name}")
        else:
            args.append(f"{ods}:${attr_name}")
    results = []
    for p in schema.outputs:
        c = param_constraint(schema, p)
        if p.option == OpSchema.FormalParameterOption.Variadic:
            results.append(f"Variadic<{c}>:${p.name}")
        elif p.option == OpSchema.FormalParameterOption.Optional:
            results.append(f"AnyTypeOf<[{c}, NoneType]>:${p.name}")
        else:
            results.append(f"{c}:${p.name}")

    indent = ",\n    "
    lines = [f'def ONNX_{name}Op : ONNX_Op<"{name}", [{", ".join(traits)}]> {{']
    lines.append(f'  let summary = "ONNX {name}, opset {schema.since_version}";')
    lines.append(f"  let arguments = (ins{' ' if args else ''}{indent.join(args)});")
    lines.append(f"  let results = (outs{' ' if results else ''}{indent.join(results)});")
    if regions:
        lines.append(f"  let regions = (region {', '.join(regions)});")
    if "verifier" in extras:
        lines.append("  let hasVerifier = 1;")
    if "folder" in extras or name in FOLD_TO_CONSTANT:
        lines.append("  let hasFolder = 1;")
    if "canonicalizer" in extras:
        lines.append("  let hasCanonicalizer = 1;")
    lines.append("}")
    return "\n".join(lines)


def main():
    schemas = sorted(
        (s for s in defs.get_all_schemas() if s.domain == "" and not s.deprecated),
        key=lambda s: s.name)
    out = [
        "// ONNX operator definitions, one per ai.onnx schema.",
        "// Generated by scripts/gen_onnx_ops.py from onnx " + onnx.__version__ + " -- do not edit.",
        "",
        "#ifndef ONNX_MLC_ONNX_OPS",
        "#define ONNX_MLC_ONNX_OPS",
        "",
        'include "ONNX/ONNXDialect.td"',
        "",
    ]
    for s in schemas:
        out.append(op_def(s))
        out.append("")
    out.append("#endif // ONNX_MLC_ONNX_OPS")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
