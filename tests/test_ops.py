"""Per-op numerics against onnxruntime: broadcasting and attribute edge cases."""

import numpy as np
import pytest
from onnx import TensorProto as T
from onnx import helper, numpy_helper

from conftest import check_against_ort, make_model

F = T.FLOAT


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)),
                                    ((1,), (2, 3)), ((), (2, 2))])
def test_binary_broadcast(op, shapes, rng):
    a, b = shapes
    model = make_model([helper.make_node(op, ["a", "b"], ["y"])],
                       [("a", F, a), ("b", F, b)], [("y", F, None)])
    bv = rand(rng, *b)
    if op == "Div":
        bv = np.where(np.abs(bv) < 0.1, 1.0, bv).astype(np.float32)
    check_against_ort(model, {"a": rand(rng, *a), "b": bv})


def test_int64_arithmetic(rng):
    model = make_model([helper.make_node("Mul", ["a", "b"], ["m"]),
                        helper.make_node("Sub", ["m", "a"], ["y"])],
                       [("a", T.INT64, [3, 4]), ("b", T.INT64, [4])], [("y", T.INT64, None)])
    check_against_ort(model, {"a": rng.integers(-50, 50, (3, 4)), "b": rng.integers(-5, 5, (4,))})


@pytest.mark.parametrize("op", ["Relu", "Sigmoid", "Tanh", "Exp", "Neg", "Abs"])
def test_unary(op, rng):
    model = make_model([helper.make_node(op, ["x"], ["y"])], [("x", F, [3, 5])], [("y", F, None)])
    check_against_ort(model, {"x": rand(rng, 3, 5)})


@pytest.mark.parametrize("op", ["Log", "Sqrt"])
def test_unary_positive(op, rng):
    model = make_model([helper.make_node(op, ["x"], ["y"])], [("x", F, [3, 5])], [("y", F, None)])
    check_against_ort(model, {"x": np.abs(rand(rng, 3, 5)) + 0.1})


def test_sum_three_broadcast(rng):
    model = make_model([helper.make_node("Sum", ["a", "b", "c"], ["y"])],
                       [("a", F, [2, 3]), ("b", F, [3]), ("c", F, [2, 1])], [("y", F, None)])
    check_against_ort(model, {"a": rand(rng, 2, 3), "b": rand(rng, 3), "c": rand(rng, 2, 1)})


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 5)),
                                    ((3, 4), (4,)), ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul(shapes, rng):
    a, b = shapes
    model = make_model([helper.make_node("MatMul", ["a", "b"], ["y"])],
                       [("a", F, a), ("b", F, b)], [("y", F, None)])
    check_against_ort(model, {"a": rand(rng, *a), "b": rand(rng, *b)})


@pytest.mark.parametrize("trans_a,trans_b,alpha,beta,c_shape", [
    (0, 0, 1.0, 1.0, (5,)), (1, 0, 0.5, 2.0, (3, 5)), (0, 1, 1.0, 0.0, (1, 5)),
    (1, 1, 2.0, 1.0, (3, 1)), (0, 0, 1.0, 1.0, None)])
def test_gemm(trans_a, trans_b, alpha, beta, c_shape, rng):
    a = (4, 3) if trans_a else (3, 4)
    b = (5, 4) if trans_b else (4, 5)
    inputs = [("a", F, a), ("b", F, b)] + ([("c", F, c_shape)] if c_shape else [])
    node = helper.make_node("Gemm", [n for n, _, _ in inputs], ["y"], transA=trans_a,
                            transB=trans_b, alpha=alpha, beta=beta)
    feeds = {n: rand(rng, *s) for n, _, s in inputs}
    for level in (0, 2):
        check_against_ort(make_model([node], inputs, [("y", F, None)]), feeds, opt_level=level)


@pytest.mark.parametrize("trans_a,activation", [(0, "Relu"), (1, None)])
def test_gemm_with_constant_transposed_b(trans_a, activation, rng):
    # torch's nn.Linear: B constant, stored (n, k) with transB=1; -O2
    # transposes it at compile time.
    a = (40, 33) if trans_a else (33, 40)
    w = numpy_helper.from_array(rand(rng, 48, 40), "w")
    nodes = [helper.make_node("Gemm", ["a", "w", "c"], ["g"], transA=trans_a, transB=1, alpha=0.5)]
    nodes += [helper.make_node(activation, ["g"], ["y"])] if activation else []
    out = "y" if activation else "g"
    model = make_model(nodes, [("a", F, a), ("c", F, (48,))], [(out, F, None)], [w])
    for level in (0, 2):
        check_against_ort(model, {"a": rand(rng, *a), "c": rand(rng, 48)}, opt_level=level)


CONV_CASES = [
    dict(),
    dict(pads=[1, 1, 1, 1]),
    dict(strides=[2, 2], pads=[1, 0, 2, 1]),
    dict(dilations=[2, 2]),
    dict(auto_pad="SAME_UPPER", strides=[2, 2]),
    dict(auto_pad="SAME_LOWER"),
    dict(auto_pad="VALID", strides=[2, 1]),
    dict(group=2),
    dict(group=4, pads=[1, 1, 1, 1]),  # depthwise
]


@pytest.mark.parametrize("attrs", CONV_CASES, ids=lambda a: ",".join(f"{k}={v}" for k, v in a.items()) or "plain")
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(attrs, bias, rng):
    group = attrs.get("group", 1)
    x, w = rand(rng, 2, 4, 7, 8), rand(rng, 6 if group != 4 else 4, 4 // group, 3, 3)
    inits = [numpy_helper.from_array(w, "w")] + ([numpy_helper.from_array(rand(rng, w.shape[0]), "b")] if bias else [])
    node = helper.make_node("Conv", ["x", "w"] + (["b"] if bias else []), ["y"], **attrs)
    model = make_model([node], [("x", F, x.shape)], [("y", F, None)], inits)
    check_against_ort(model, {"x": x}, rtol=1e-4, atol=1e-4)


def test_conv1d_and_3d(rng):
    for x_shape, w_shape in [((1, 2, 9), (3, 2, 3)), ((1, 2, 4, 5, 6), (3, 2, 2, 2, 2))]:
        x, w = rand(rng, *x_shape), rand(rng, *w_shape)
        node = helper.make_node("Conv", ["x", "w"], ["y"])
        model = make_model([node], [("x", F, x_shape)], [("y", F, None)], [numpy_helper.from_array(w, "w")])
        check_against_ort(model, {"x": x}, rtol=1e-4, atol=1e-4)


# 5x3x3x3 weights are a dense attribute; 40x8x3x3 (2,880 values) are stored
# as a dense resource, which the BatchNorm folding must read and write too.
@pytest.mark.parametrize("filters,channels", [(5, 3), (40, 8)])
def test_conv_bn_relu_fused(rng, filters, channels):
    x, w = rand(rng, 1, channels, 8, 8), rand(rng, filters, channels, 3, 3)
    params = [numpy_helper.from_array(v, n) for n, v in
              [("w", w), ("s", rand(rng, filters)), ("bb", rand(rng, filters)),
               ("m", rand(rng, filters)), ("v", np.abs(rand(rng, filters)) + 0.5)]]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["n"]),
             helper.make_node("Relu", ["n"], ["y"])]
    model = make_model(nodes, [("x", F, x.shape)], [("y", F, None)], params)
    for level in (0, 3):
        check_against_ort(model, {"x": x}, opt_level=level, rtol=1e-4, atol=1e-4)


POOL_CASES = [
    dict(kernel_shape=[2, 2]),
    dict(kernel_shape=[3, 3], strides=[2, 2]),
    dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
    dict(kernel_shape=[2, 3], auto_pad="SAME_UPPER"),
    dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1),
    dict(kernel_shape=[2, 2], dilations=[2, 2]),
]


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
@pytest.mark.parametrize("attrs", POOL_CASES, ids=lambda a: ",".join(f"{k}={v}" for k, v in a.items()))
def test_pool(op, attrs, rng):
    if op == "MaxPool":
        attrs = {k: v for k, v in attrs.items() if k != "count_include_pad"}
    # AveragePool has dilations since opset 19.
    opset = 19 if op == "AveragePool" and "dilations" in attrs else 17
    model = make_model([helper.make_node(op, ["x"], ["y"], **attrs)], [("x", F, [1, 3, 9, 10])],
                       [("y", F, None)], opset=opset)
    check_against_ort(model, {"x": rand(rng, 1, 3, 9, 10)})


def test_global_average_pool_lrn_batchnorm(rng):
    params = [numpy_helper.from_array(v, n) for n, v in
              [("s", rand(rng, 6)), ("b", rand(rng, 6)), ("m", rand(rng, 6)),
               ("v", np.abs(rand(rng, 6)) + 0.5)]]
    nodes = [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["n"], epsilon=1e-3),
             helper.make_node("LRN", ["n"], ["l"], size=3, alpha=1e-3, beta=0.75, bias=2.0),
             helper.make_node("GlobalAveragePool", ["l"], ["y"])]
    model = make_model(nodes, [("x", F, [2, 6, 5, 5])], [("y", F, None)], params)
    check_against_ort(model, {"x": rand(rng, 2, 6, 5, 5)}, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax(axis, rng):
    model = make_model([helper.make_node("Softmax", ["x"], ["y"], axis=axis)], [("x", F, [3, 4, 5])],
                       [("y", F, None)])
    check_against_ort(model, {"x": rand(rng, 3, 4, 5)})


def test_softmax_opset11_coerces_to_2d(rng):
    model = make_model([helper.make_node("Softmax", ["x"], ["y"], axis=1)], [("x", F, [3, 4, 5])],
                       [("y", F, None)], opset=11)
    check_against_ort(model, {"x": rand(rng, 3, 4, 5)})


def test_shape_ops(rng):
    axes = numpy_helper.from_array(np.array([0, 3], np.int64), "axes")
    sq = numpy_helper.from_array(np.array([0], np.int64), "sq")
    idx = numpy_helper.from_array(np.array([[2, -1], [0, 1]], np.int64), "idx")
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0, 2]),
             helper.make_node("Unsqueeze", ["t", "axes"], ["u"]),
             helper.make_node("Squeeze", ["u", "sq"], ["s"]),
             helper.make_node("Flatten", ["s"], ["f"], axis=2),
             helper.make_node("Concat", ["f", "f"], ["c"], axis=-1),
             helper.make_node("Gather", ["c", "idx"], ["y"], axis=0)]
    model = make_model(nodes, [("x", F, [3, 4, 5])], [("y", F, None)], [axes, sq, idx])
    check_against_ort(model, {"x": rand(rng, 3, 4, 5)})


def test_shape_gather_concat_reshape_chain(rng):
    i0 = numpy_helper.from_array(np.array(0, np.int64), "i0")
    m1 = numpy_helper.from_array(np.array([-1], np.int64), "m1")
    ax = numpy_helper.from_array(np.array([0], np.int64), "ax")
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "i0"], ["d"], axis=0),
             helper.make_node("Unsqueeze", ["d", "ax"], ["du"]),
             helper.make_node("Concat", ["du", "m1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["y"])]
    model = make_model(nodes, [("x", F, [2, 3, 4])], [("y", F, None)], [i0, m1, ax])
    compiled = check_against_ort(model, {"x": rand(rng, 2, 3, 4)})
    assert compiled.outputs[0].shape == (2, 12)


def test_constant_of_shape_and_dropout(rng):
    shape = numpy_helper.from_array(np.array([2, 3], np.int64), "shape")
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["c"],
                              value=numpy_helper.from_array(np.array([1.5], np.float32))),
             helper.make_node("Dropout", ["x"], ["d"]),
             helper.make_node("Add", ["c", "d"], ["i"]),
             helper.make_node("Identity", ["i"], ["y"])]
    model = make_model(nodes, [("x", F, [2, 3])], [("y", F, None)], [shape])
    check_against_ort(model, {"x": rand(rng, 2, 3)})


def test_legacy_attribute_operands(rng):
    # Clip before opset 11 and ReduceMean before 18 take attributes where
    # the current schemas take inputs; the importer turns one into the other.
    nodes = [helper.make_node("Clip", ["x"], ["c"], min=-0.5, max=0.5),
             helper.make_node("ReduceMean", ["c"], ["y"], axes=[1], keepdims=0)]
    model = make_model(nodes, [("x", F, [3, 4, 5])], [("y", F, None)], opset=10)
    check_against_ort(model, {"x": rand(rng, 3, 4, 5)})
