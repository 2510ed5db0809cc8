"""Symbolic dimensions, every element type, and the run-time checks of the
C ABI, end to end against onnxruntime."""

import ctypes

import ml_dtypes
import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import onnx_mlc
from conftest import make_model, run_reference


def compare(model, feeds, compiled=None, rtol=1e-5, atol=1e-6, reference="onnxruntime"):
    compiled = compiled or onnx_mlc.compile(model)
    got = compiled(**feeds)
    if reference == "onnxruntime":
        want = run_reference(model, feeds)
    else:  # types onnxruntime has no CPU kernel for
        want = ReferenceEvaluator(model).run(None, feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, g.shape, w.dtype, w.shape)
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol)
    return compiled


def mlp_with_symbolic_batch():
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((16, 8)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal((8,)).astype(np.float32), "b")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Add", ["h", "b"], ["a"]),
             helper.make_node("Relu", ["a"], ["r"]), helper.make_node("Softmax", ["r"], ["y"], axis=-1)]
    return make_model(nodes, [("x", T.FLOAT, ["batch", 16])], [("y", T.FLOAT, ["batch", 8])], [w, b])


def test_one_library_runs_at_any_batch():
    model = mlp_with_symbolic_batch()
    compiled = onnx_mlc.compile(model)
    assert compiled.inputs[0].shape == (None, 16)
    assert compiled.inputs[0].dim_names == ("batch", "")
    rng = np.random.default_rng(1)
    for batch in (1, 3, 64, 0):
        compare(model, {"x": rng.standard_normal((batch, 16)).astype(np.float32)}, compiled)


def test_dynamic_matmul_at_every_row_count(rng):
    """m, n and k known only at run time: full tiles, the one tile that
    repeats its last row, and the blocks of 4, 2 and 1 rows, for every m up
    to two tiles on any target, and leftover columns under masks."""
    model = make_model([helper.make_node("MatMul", ["a", "b"], ["y"])],
                       [("a", T.FLOAT, ["m", "k"]), ("b", T.FLOAT, ["k", "n"])],
                       [("y", T.FLOAT, ["m", "n"])])
    compiled = onnx_mlc.compile(model, opt_level=3)
    for m in range(0, 33):
        for k, n in [(37, 70), (5, 3)]:
            feeds = {"a": rng.standard_normal((m, k)).astype(np.float32),
                     "b": rng.standard_normal((k, n)).astype(np.float32)}
            compare(model, feeds, compiled, rtol=1e-5, atol=1e-5)


def test_input_shapes_pin_the_dimensions():
    compiled = onnx_mlc.compile(mlp_with_symbolic_batch(), input_shapes={"x": [4, 16]})
    assert compiled.inputs[0].shape == (4, 16)
    with pytest.raises(onnx_mlc.InputError, match="shape"):
        compiled(np.zeros((5, 16), np.float32))
    with pytest.raises(onnx_mlc.OnnxMlcError, match="not a graph input"):
        onnx_mlc.compile(mlp_with_symbolic_batch(), input_shapes={"nope": [1]})


def test_shared_dim_names_must_agree():
    model = make_model([helper.make_node("Add", ["a", "b"], ["y"])],
                       [("a", T.FLOAT, ["n", 3]), ("b", T.FLOAT, ["n", 3])], [("y", T.FLOAT, ["n", 3])])
    compiled = onnx_mlc.compile(model)
    with pytest.raises(onnx_mlc.InputError, match="dimension 'n' is 2"):
        compiled(np.zeros((2, 3), np.float32), np.zeros((3, 3), np.float32))


def test_runtime_shape_mismatch_is_an_error_code():
    # Different names, so only the model can tell that they must agree.
    model = make_model([helper.make_node("Add", ["a", "b"], ["y"])],
                       [("a", T.FLOAT, ["n", 3]), ("b", T.FLOAT, ["m", 3])], [("y", T.FLOAT, None)])
    compiled = onnx_mlc.compile(model)
    compare(model, {"a": np.ones((2, 3), np.float32), "b": np.ones((2, 3), np.float32)}, compiled)
    with pytest.raises(onnx_mlc.InputError, match="invalid shape inside the model"):
        compiled(np.zeros((2, 3), np.float32), np.zeros((4, 3), np.float32))


def test_runtime_sizes_of_one_broadcast():
    # Sizes known only at run time broadcast as numpy's do, on either side,
    # in elementwise ops and in MatMul's batch dims.
    add = make_model([helper.make_node("Add", ["a", "b"], ["y"])],
                     [("a", T.FLOAT, ["n", "k"]), ("b", T.FLOAT, ["m", 3])], [("y", T.FLOAT, None)])
    compiled = onnx_mlc.compile(add)
    rng = np.random.default_rng(2)
    for a, b in (((2, 3), (1, 3)), ((1, 3), (4, 3)), ((1, 1), (1, 3)), ((5, 1), (1, 3)), ((2, 3), (2, 3))):
        compare(add, {"a": rng.standard_normal(a).astype(np.float32),
                      "b": rng.standard_normal(b).astype(np.float32)}, compiled)
    with pytest.raises(onnx_mlc.InputError, match="invalid shape inside the model"):
        compiled(np.zeros((2, 2), np.float32), np.zeros((2, 3), np.float32))
    matmul = make_model([helper.make_node("MatMul", ["a", "b"], ["y"])],
                        [("a", T.FLOAT, ["p", "q", 2, 4]), ("b", T.FLOAT, ["r", "s", 4, 3])],
                        [("y", T.FLOAT, None)])
    compiled = onnx_mlc.compile(matmul)
    for a, b in (((2, 1), (1, 5)), ((1, 3), (2, 3)), ((2, 3), (2, 3))):
        compare(matmul, {"a": rng.standard_normal(a + (2, 4)).astype(np.float32),
                         "b": rng.standard_normal(b + (4, 3)).astype(np.float32)}, compiled)
    with pytest.raises(onnx_mlc.InputError, match="invalid shape inside the model"):
        compiled(np.zeros((2, 3, 2, 4), np.float32), np.zeros((3, 3, 4, 3), np.float32))


def test_a_long_chain_of_runtime_checks_compiles(rng):
    # Each Add checks its operands' sizes after the previous Add ran, so the
    # checks nest one level each; compile time must stay linear in the depth.
    depth = 48
    nodes = [helper.make_node("Add", [f"s{i}", f"x{i + 1}"], [f"s{i + 1}"]) for i in range(depth)]
    nodes[0].input[0] = "x0"
    inputs = [(f"x{i}", T.FLOAT, [f"n{i}"]) for i in range(depth + 1)]
    model = make_model(nodes, inputs, [(f"s{depth}", T.FLOAT, None)])
    feeds = {f"x{i}": rng.standard_normal(1 if i % 3 else 5).astype(np.float32) for i in range(depth + 1)}
    compare(model, feeds)


def test_reshape_to_a_runtime_shape():
    # The shape is an input: the library must honour its value, and refuse
    # one that does not keep the element count.
    model = make_model([helper.make_node("Reshape", ["x", "s"], ["y"])],
                       [("x", T.FLOAT, [2, 3, 4]), ("s", T.INT64, [3])], [("y", T.FLOAT, None)])
    compiled = onnx_mlc.compile(model)
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    for shape in ([0, 0, 4], [4, 3, 2], [1, 1, 24], [0, 12, 1]):
        compare(model, {"x": x, "s": np.array(shape, np.int64)}, compiled)
    with pytest.raises(onnx_mlc.InputError, match="invalid shape"):
        compiled(x, np.array([7, 7, 7], np.int64))


def test_value_dependent_output_is_allocated_by_the_library():
    # Range's length depends on its inputs' values.
    model = make_model([helper.make_node("Range", ["s", "l", "d"], ["y"])],
                       [("s", T.INT64, []), ("l", T.INT64, []), ("d", T.INT64, [])],
                       [("y", T.INT64, None)])
    compiled = onnx_mlc.compile(model)
    for s, l, d in ((0, 10, 3), (5, -3, -2), (4, 4, 1)):
        compare(model, {"s": np.array(s), "l": np.array(l), "d": np.array(d)}, compiled)


# Every element type through a model that uses it (Add for numbers, And for
# booleans) and through Cast from float.
NUMERIC = [T.FLOAT, T.DOUBLE, T.FLOAT16, T.INT8, T.INT16, T.INT32, T.INT64,
           T.UINT8, T.UINT16, T.UINT32, T.UINT64]


def sample(onnx_type, shape, rng):
    dtype = onnx_mlc.dtypes.numpy_dtype(onnx_type)
    if onnx_type == T.BOOL:
        return rng.integers(0, 2, shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -100), min(info.max, 100), shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("onnx_type", NUMERIC, ids=[T.DataType.Name(t) for t in NUMERIC])
def test_every_numeric_type(onnx_type, rng):
    model = make_model([helper.make_node("Add", ["a", "b"], ["s"]),
                        helper.make_node("Max", ["s", "a"], ["m"]),
                        helper.make_node("Less", ["a", "b"], ["lt"])],
                       [("a", onnx_type, ["n", 4]), ("b", onnx_type, [4])],
                       [("m", onnx_type, None), ("lt", T.BOOL, None)], opset=13)
    rtol = 1e-3 if onnx_type == T.FLOAT16 else 1e-6
    # onnxruntime has no CPU Add for 8- and 16-bit integers.
    small_int = onnx_type in (T.INT8, T.INT16, T.UINT8, T.UINT16)
    compare(model, {"a": sample(onnx_type, (3, 4), rng), "b": sample(onnx_type, (4,), rng)},
            rtol=rtol, reference="onnx" if small_int else "onnxruntime")


def test_bool_logic_and_where(rng):
    nodes = [helper.make_node("Greater", ["x", "t"], ["g"]), helper.make_node("Not", ["m"], ["nm"]),
             helper.make_node("And", ["g", "nm"], ["c"]),
             helper.make_node("Where", ["c", "x", "t"], ["y"])]
    model = make_model(nodes, [("x", T.FLOAT, [2, 5]), ("t", T.FLOAT, [5]), ("m", T.BOOL, [2, 5])],
                       [("y", T.FLOAT, None), ("c", T.BOOL, None)])
    compare(model, {"x": sample(T.FLOAT, (2, 5), rng), "t": sample(T.FLOAT, (5,), rng),
                    "m": sample(T.BOOL, (2, 5), rng)})


def test_bfloat16_computes_within_its_precision(rng):
    # onnxruntime has no bfloat16 Add on CPU: the reference is numpy's f32
    # result rounded to bfloat16.
    model = make_model([helper.make_node("Mul", ["a", "b"], ["y"])],
                       [("a", T.BFLOAT16, [8]), ("b", T.BFLOAT16, [8])], [("y", T.BFLOAT16, None)])
    a = rng.standard_normal(8).astype(ml_dtypes.bfloat16)
    b = rng.standard_normal(8).astype(ml_dtypes.bfloat16)
    (y,) = onnx_mlc.compile(model)(a, b)
    assert y.dtype == ml_dtypes.bfloat16
    want = (a.astype(np.float32) * b.astype(np.float32)).astype(ml_dtypes.bfloat16)
    np.testing.assert_array_equal(y.astype(np.float32), want.astype(np.float32))


def test_strings_are_refused_clearly():
    model = make_model([helper.make_node("Identity", ["x"], ["y"])],
                       [("x", T.STRING, [2])], [("y", T.STRING, None)])
    with pytest.raises(onnx_mlc.OnnxMlcError, match="graph input 'x': element type string"):
        onnx_mlc.compile(model)


def test_c_abi_library_allocated_output(tmp_path):
    # Through ctypes, as a C host would: a NULL data pointer asks the
    # library to allocate, and P_free releases it.
    model = make_model([helper.make_node("Range", ["s", "l", "d"], ["y"])],
                       [("s", T.INT64, []), ("l", T.INT64, []), ("d", T.INT64, [])],
                       [("y", T.INT64, None)])
    path = str(tmp_path / "range.so")
    onnx_mlc.compile_to(model, "lib", onnx_mlc.Options(), path)
    lib = ctypes.CDLL(path)
    from onnx_mlc.runtime import _Tensor
    values = [np.array(v, np.int64) for v in (2, 11, 3)]
    ins = (_Tensor * 3)()
    for d, v in zip(ins, values):
        d.data, d.shape, d.dtype, d.rank = v.ctypes.data, None, T.INT64, 0
    shape = (ctypes.c_int64 * 1)()
    outs = (_Tensor * 1)()
    outs[0].data, outs[0].shape, outs[0].dtype, outs[0].rank = None, shape, T.INT64, 1
    lib.mlc_run.restype = ctypes.c_int32
    assert lib.mlc_run(ins, 3, outs, 1) == 0
    assert shape[0] == 3
    got = np.ctypeslib.as_array(ctypes.cast(outs[0].data, ctypes.POINTER(ctypes.c_int64)), (3,))
    np.testing.assert_array_equal(got, [2, 5, 8])
    lib.mlc_free(ctypes.c_void_p(outs[0].data))
    # A caller's buffer must have the actual shape.
    buf = np.zeros(4, np.int64)
    shape[0] = 4
    outs[0].data = buf.ctypes.data
    assert lib.mlc_run(ins, 3, outs, 1) == 6  # MLC_ERR_SHAPE
    shape[0] = 3
    outs[0].data = buf.ctypes.data
    assert lib.mlc_run(ins, 3, outs, 1) == 0
    np.testing.assert_array_equal(buf[:3], [2, 5, 8])
    lib.mlc_status_message.restype = ctypes.c_char_p
    assert lib.mlc_status_message(6) == b"a tensor has the wrong shape"
    assert lib.mlc_abi_version() == onnx_mlc.runtime.ABI_VERSION


def test_static_and_value_dependent_outputs_mixed(rng):
    # NonZero's output size depends on the values; the outputs around it
    # are static. Each must reach its own slot of the C ABI.
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("NonZero", ["x"], ["nz"]),
             helper.make_node("Neg", ["x"], ["n"])]
    model = make_model(nodes, [("x", T.FLOAT, [3, 4])],
                       [("r", T.FLOAT, [3, 4]), ("nz", T.INT64, None), ("n", T.FLOAT, [3, 4])])
    x = rng.standard_normal((3, 4)).astype(np.float32)
    x[x < 0.3] = 0
    compare(model, {"x": x})
