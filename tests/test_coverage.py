"""What the compiler covers: every op it lowers has a shape rule, and ops
ONNX defines as functions compile through their bodies."""

import os
import re

import numpy as np
from onnx import TensorProto as T
from onnx import helper

import onnx_mlc
from conftest import check_against_ort, make_model
from onnx_mlc.compiler import lowered_ops, new_context

DIALECT = os.path.join(os.path.dirname(__file__), "..", "dialects", "ONNX")


def ops_with_shape_rules():
    ops = set()
    for name in ("ONNXOps.td", "ONNXExtraOps.td"):
        with open(os.path.join(DIALECT, name)) as f:
            text = f.read()
        ops |= set(re.findall(r'def ONNX_\w+Op : ONNX_Op<"(\w+)",\s*\[[^\]]*'
                              r'DeclareOpInterfaceMethods<ONNX_ShapeInferenceOpInterface, \["resultShapes"\]>',
                              text))
    return ops


def test_every_lowered_op_has_a_shape_rule():
    # The lowering computes result sizes with the op's shape rule, so a
    # lowered op without one could only ever handle static shapes.
    lowered = lowered_ops(new_context()) - {"Yield"}  # a terminator: no results
    assert len(lowered) > 100
    missing = sorted(lowered - ops_with_shape_rules())
    assert not missing, f"lowered ops without a shape rule: {missing}"


def test_function_ops_compile_through_their_bodies(rng):
    # Neither loss has a lowering of its own: the importer inlines the ONNX
    # function bodies (LogSoftmax, Gather, Where, ReduceSum, ...).
    assert "SoftmaxCrossEntropyLoss" not in lowered_ops(new_context())
    nodes = [helper.make_node("SoftmaxCrossEntropyLoss", ["x", "t"], ["loss"], reduction="mean"),
             helper.make_node("NegativeLogLikelihoodLoss", ["x", "t"], ["nll"], reduction="sum",
                              ignore_index=1)]
    model = make_model(nodes, [("x", T.FLOAT, [4, 5]), ("t", T.INT64, [4])],
                       [("loss", T.FLOAT, []), ("nll", T.FLOAT, [])], opset=13)
    check_against_ort(model, {"x": rng.standard_normal((4, 5)).astype(np.float32),
                              "t": np.array([0, 1, 4, 2], np.int64)})


def test_unsupported_op_without_function_names_the_node():
    model = make_model([helper.make_node("DFT", ["x"], ["y"], name="fourier")],
                       [("x", T.FLOAT, [1, 8, 1])], [("y", T.FLOAT, None)], opset=17)
    try:
        onnx_mlc.compile(model)
    except onnx_mlc.OnnxMlcError as e:
        assert "node 'fourier' (DFT, domain ai.onnx, opset 17)" in str(e)
    else:
        raise AssertionError("DFT compiled")
