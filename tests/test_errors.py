"""Bad input gets a clear error and nothing worse."""

import subprocess
import sys
import threading

import numpy as np
import pytest
from onnx import TensorProto as T
from onnx import helper

import onnx_mlc
from conftest import make_model, run_reference

F = T.FLOAT


def small_model():
    return make_model([helper.make_node("Relu", ["x"], ["y"])], [("x", F, [2, 3])], [("y", F, None)])


def test_truncated_file(tmp_path):
    path = tmp_path / "bad.onnx"
    path.write_bytes(small_model().SerializeToString()[:-7])
    with pytest.raises(onnx_mlc.OnnxMlcError, match="not a valid ONNX file"):
        onnx_mlc.compile(str(path))
    proc = subprocess.run([sys.executable, "-m", "onnx_mlc.cli", str(path), "-o", str(tmp_path / "m.so")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("onnx-mlc: error:") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_empty_file_is_refused(tmp_path):
    # Protobuf parses 0 bytes as an empty ModelProto: that must not compile
    # into a model with no inputs and no outputs.
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    with pytest.raises(onnx_mlc.OnnxMlcError, match="no outputs"):
        onnx_mlc.compile(str(path))
    proc = subprocess.run([sys.executable, "-m", "onnx_mlc.cli", str(path), "-o", str(tmp_path / "m.so")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "no outputs" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_file():
    with pytest.raises(onnx_mlc.OnnxMlcError, match="not found"):
        onnx_mlc.compile("/nonexistent/model.onnx")


def test_two_unsupported_ops_are_both_listed():
    nodes = [helper.make_node("Bernoulli", ["x"], ["a"], name="first"),
             helper.make_node("Frobnicate", ["a"], ["y"], name="second", domain="com.example")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", F, [4])],
                              [helper.make_tensor_value_info("y", F, [4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.example", 1)])
    with pytest.raises(onnx_mlc.OnnxMlcError) as err:
        onnx_mlc.compile(model)
    msg = str(err.value)
    assert "node 'first' (Bernoulli, domain ai.onnx, opset 17)" in msg
    assert "node 'second' (Frobnicate, domain com.example, opset 1)" in msg


def test_an_invalid_node_is_named_with_its_op_domain_and_opset():
    # Rejected by the op's own checks (an out-of-range axis), not by the
    # lowering: the message still names the node, op, domain and opset.
    model = make_model([helper.make_node("Concat", ["a", "b"], ["y"], axis=3, name="join")],
                       [("a", F, [2, 3]), ("b", F, [2, 3])], [("y", F, None)])
    with pytest.raises(onnx_mlc.OnnxMlcError) as err:
        onnx_mlc.compile(model)
    assert "node 'join' (Concat, domain ai.onnx, opset 17)" in str(err.value)


@pytest.mark.parametrize("node,why", [
    (helper.make_node("Concat", ["x", "x"], ["y"], axis=1.5, name="bad"), "attribute 'axis' must be INT, not FLOAT"),
    (helper.make_node("LeakyRelu", ["x"], ["y"], alpha="a", name="bad"), "attribute 'alpha' must be FLOAT, not STRING"),
    (helper.make_node("Shape", [], ["y"], name="bad"), "has 0 inputs; the schema takes 1 to 1"),
    (helper.make_node("Gemm", ["x", ""], ["y"], name="bad"), "required input 1 ('B') is empty"),
    (helper.make_node("AveragePool", ["x"], ["y"], name="bad"), "required attribute 'kernel_shape' is missing"),
    (helper.make_node("Relu", ["x"], ["y"], name="bad", bogus=1), "has attribute 'bogus', which the schema does not define"),
    (helper.make_node("LayerNormalization", ["x", "x"], ["y", "m", "v"], axis=2 ** 31, name="bad"),
     "attribute 'axis' is out of range for an axis: [2147483648]"),
], ids=["float-axis", "string-alpha", "no-input", "empty-required-input", "missing-attribute",
        "unknown-attribute", "axis-beyond-32-bits"])
def test_a_node_that_breaks_its_schema_is_refused(node, why):
    # These crashed the compiler (a wrong attribute class, a missing operand)
    # before they were checked against the ONNX schema at import.
    model = make_model([node], [("x", F, [2, 3])], [("y", F, None)])
    with pytest.raises(onnx_mlc.OnnxMlcError) as err:
        onnx_mlc.compile(model)
    assert f"node 'bad' ({node.op_type}, domain ai.onnx, opset 17): {why}" in str(err.value)


def test_runtime_checks_inputs():
    m = onnx_mlc.compile(small_model())
    with pytest.raises(onnx_mlc.InputError, match="shape"):
        m(np.zeros((3, 2), np.float32))
    with pytest.raises(onnx_mlc.InputError, match="dtype"):
        m(np.zeros((2, 3), np.float64))
    with pytest.raises(onnx_mlc.InputError, match="takes 1 input"):
        m(np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32))
    with pytest.raises(onnx_mlc.InputError, match="missing"):
        m()
    with pytest.raises(onnx_mlc.InputError, match="no input named"):
        m(z=np.zeros((2, 3), np.float32))
    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 3
    np.testing.assert_array_equal(m(x=x)[0], np.maximum(x, 0))


def test_bad_options():
    with pytest.raises(onnx_mlc.OnnxMlcError, match="opt_level"):
        onnx_mlc.compile(small_model(), opt_level=7)


def test_threads_share_a_model():
    m = onnx_mlc.compile(small_model())
    errors = []

    def work(seed):
        x = np.random.default_rng(seed).standard_normal((2, 3)).astype(np.float32)
        for _ in range(200):
            if not np.array_equal(m(x)[0], np.maximum(x, 0)):
                errors.append(seed)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def refusal(model):
    with pytest.raises(onnx_mlc.OnnxMlcError) as err:
        onnx_mlc.compile(model)
    return str(err.value)


def test_model_validation_before_onnx_shape_inference():
    # Each of these crashed or raised inside ONNX's shape inference, numpy or
    # nanobind before the model was validated.
    relu = helper.make_node("Relu", ["x"], ["y"])
    model = make_model([relu], [("x", F, [2, 3])], [("y", F, None)])
    model.graph.input[0].type.tensor_type.elem_type = 12345
    assert "graph input 'x': unknown element type 12345" in refusal(model)

    model = make_model([relu], [("x", F, [2, -3])], [("y", F, None)])
    assert "negative dimension" in refusal(model)

    model = make_model([relu], [("x", F, [2 ** 40, 2 ** 40])], [("y", F, None)])
    assert "shape [1099511627776, 1099511627776] is too large to allocate" in refusal(model)

    short = helper.make_tensor("w", F, [2, 3], b"\0" * 24, raw=True)
    short.raw_data = b"\0" * 11
    model = make_model([helper.make_node("Add", ["x", "w"], ["y"])], [("x", F, [2, 3])], [("y", F, None)],
                       [short])
    assert "initializer 'w': its data does not match its type float and dims [2, 3]" in refusal(model)

    model = make_model([relu], [("x", F, [2, 3]), ("x", F, [2, 3])], [("y", F, None)])
    assert "value 'x' is defined twice" in refusal(model)

    model = make_model([helper.make_node("Relu", ["nothing"], ["y"], name="r")], [("x", F, [2, 3])],
                       [("y", F, None)])
    assert "node 'r' (Relu, domain ai.onnx, opset 17): input 'nothing' is not defined before it" \
        in refusal(model)

    data = make_model([helper.make_node("Relu", ["x"], ["yyyy"])], [("x", F, [2])],
                      [("yyyy", F, None)]).SerializeToString()
    assert "is not valid UTF-8" in refusal(data.replace(b"yyyy", b"\xff\xfe\xfd\xfc"))


@pytest.mark.parametrize("op", ["ConstantOfShape", "Expand", "Tile"])
def test_a_shape_too_large_to_allocate_is_refused_with_its_size(op):
    big = [2 ** 31, 2 ** 31, 1] if op != "Tile" else [2 ** 62]
    inputs = ["s"] if op == "ConstantOfShape" else ["x", "s"]
    model = make_model([helper.make_node(op, inputs, ["y"], name="big")], [("x", F, [3])], [("y", F, None)],
                       [helper.make_tensor("s", T.INT64, [len(big)], big)])
    # ONNX's shape inference sees most of these first (then the importer
    # refuses the output's declared type); mlc-shape-inference refuses the
    # others (lit-tests/Transforms/mlc-shape-inference-limits.mlir).
    message = refusal(model)
    assert "is too large to allocate" in message and ("bytes" in message or "overflows" in message)


def test_an_empty_result_of_huge_sizes_compiles():
    # 2^31 x 2^31 x 0 holds nothing: no constant of that type may reach LLVM
    # (its nested array type made LLVM run out of memory).
    model = make_model([helper.make_node("Expand", ["x", "s"], ["y"])], [("x", F, [0])], [("y", F, None)],
                       [helper.make_tensor("s", T.INT64, [3], [2 ** 31, 2 ** 31, 0])])
    m = onnx_mlc.compile(model)
    assert m.outputs[0].shape == (2 ** 31, 2 ** 31, 0)


AXIS_OPS = [  # every lowered op with an axis attribute: (op, inputs)
    ("ScatterElements", ["x", "i", "x"]), ("GatherElements", ["x", "i"]), ("Gather", ["x", "i"]),
    ("Concat", ["x", "x"]), ("Split", ["x"]), ("Softmax", ["x"]), ("LogSoftmax", ["x"]),
    ("Hardmax", ["x"]), ("ArgMax", ["x"]), ("ArgMin", ["x"]), ("Flatten", ["x"]),
    ("LayerNormalization", ["x", "x"]), ("Compress", ["x", "b"]), ("OneHot", ["i", "d", "v"]),
    ("TopK", ["x", "k"]),
]


@pytest.mark.parametrize("op,attrs,inputs", [(op, {"axis": a}, ins) for op, ins in AXIS_OPS
                                             for a in (5, -5)])
def test_an_axis_out_of_range_is_refused(op, attrs, inputs):
    outputs = {"TopK": ["y", "j"]}.get(op, ["y"])
    types = {"ArgMax": T.INT64, "ArgMin": T.INT64}
    model = make_model([helper.make_node(op, inputs, outputs, name="n", **attrs)],
                       [("x", F, [2, 3]), ("i", T.INT64, [2, 3]), ("b", T.BOOL, [3]),
                        ("d", T.INT64, []), ("v", F, [2]), ("k", T.INT64, [1])],
                       [(o, types.get(op, F) if o == "y" else T.INT64, None) for o in outputs])
    why = refusal(model)
    assert "node 'n'" in why and ("out of range" in why or "axis" in why), why


def test_recurrent_weights_of_the_wrong_shape_are_refused():
    model = make_model([helper.make_node("GRU", ["x", "w", "r", "b"], ["y"], hidden_size=4, name="g")],
                       [("x", F, [5, 2, 3]), ("w", F, [1, 12, 3]), ("r", F, [1, 12, 4]), ("b", F, [24])],
                       [("y", F, None)])
    assert "node 'g' (GRU, domain ai.onnx, opset 17): expects B of rank 2, not 1" in refusal(model)


def test_integer_division_by_zero_does_not_trap():
    # x / 0 and x % 0 are undefined in ONNX; the library must not die of
    # SIGFPE. It gives numpy's results (0), and MIN / -1 wraps.
    model = make_model([helper.make_node("Div", ["a", "b"], ["q"]), helper.make_node("Mod", ["a", "b"], ["r"])],
                       [("a", T.INT32, [4]), ("b", T.INT32, [4])], [("q", T.INT32, None), ("r", T.INT32, None)])
    a = np.array([7, -7, np.iinfo(np.int32).min, 5], np.int32)
    b = np.array([0, 0, -1, 2], np.int32)
    q, r = onnx_mlc.compile(model)(a, b)
    np.testing.assert_array_equal(q, [0, 0, np.iinfo(np.int32).min, 2])
    np.testing.assert_array_equal(r, [0, 0, 0, 1])


def test_a_data_dependent_size_that_contradicts_the_declared_one_is_an_error():
    # The model declares Compress's output (2, 2); the condition keeps 0 rows.
    # The library used to compute at the declared size first, reading out of
    # bounds; now it returns the shape error.
    model = make_model([helper.make_node("Compress", ["x", "c"], ["y"], axis=0)],
                       [("x", F, [3, 2]), ("c", T.BOOL, [3])], [("y", F, [2, 2])])
    m = onnx_mlc.compile(model)
    x = np.ones((3, 2), np.float32)
    with pytest.raises(onnx_mlc.InputError, match="invalid shape inside the model"):
        m(x, np.array([False, False, False]))
    np.testing.assert_array_equal(m(x, np.array([True, False, True]))[0], np.ones((2, 2)))


@pytest.mark.parametrize("op", ["Pad", "Expand", "ConstantOfShape"])
def test_a_huge_size_given_at_run_time_is_out_of_memory(op):
    # The sizes arrive as data: the library checks the allocation (at most
    # 2^48 bytes, malloc not failing) and reports MLC_ERR_OUT_OF_MEMORY
    # instead of writing through a null pointer.
    inputs = {"Pad": ["x", "s"], "Expand": ["x", "s"], "ConstantOfShape": ["s"]}[op]
    n = {"Pad": 4, "Expand": 2, "ConstantOfShape": 2}[op]
    ins = [("x", F, [1, 1])] if "x" in inputs else []
    model = make_model([helper.make_node(op, inputs, ["y"])], ins + [("s", T.INT64, [n])],
                       [("y", F, None)])
    m = onnx_mlc.compile(model)
    feeds = {"s": np.array([2 ** 40] * n, np.int64)}
    if "x" in inputs:
        feeds["x"] = np.ones((1, 1), np.float32)
    with pytest.raises(onnx_mlc.InputError, match="out of memory"):
        m(**feeds)


def test_a_zero_divisor_in_a_run_time_shape_does_not_trap():
    # allowzero Reshape to (0, -1): the -1 divides by 0. That must be the
    # shape error, not SIGFPE.
    model = make_model([helper.make_node("Reshape", ["x", "s"], ["y"], allowzero=1)],
                       [("x", F, [2, 3]), ("s", T.INT64, [2])], [("y", F, None)], opset=19)
    m = onnx_mlc.compile(model)
    with pytest.raises(onnx_mlc.InputError, match="invalid shape"):
        m(np.ones((2, 3), np.float32), np.array([0, -1], np.int64))
    assert m(np.ones((2, 3), np.float32), np.array([3, -1], np.int64))[0].shape == (3, 2)


def test_a_library_allocated_output_listed_twice_is_freed_once():
    # Unique's outputs are allocated by the library; the same value as two
    # graph outputs was one buffer, freed twice (heap corruption). The
    # library now returns a copy for the second.
    model = make_model([helper.make_node("Unique", ["x"], ["y"])], [("x", F, [5])],
                       [("y", F, None), ("y", F, None)])
    m = onnx_mlc.compile(model)
    for _ in range(20):
        a, b = m(np.array([3, 1, 3, 2, 1], np.float32))
        np.testing.assert_array_equal(a, [1, 2, 3])
        np.testing.assert_array_equal(b, [1, 2, 3])
        assert a.ctypes.data != b.ctypes.data


def test_constant_of_shape_of_a_type_other_than_declared_is_refused():
    # A value attribute of int32 with the output declared int8 hit an
    # assertion when the constant was built.
    node = helper.make_node("ConstantOfShape", ["s"], ["y"], name="c",
                            value=helper.make_tensor("v", T.INT32, [1], [7]))
    model = make_model([node], [("x", F, [1])], [("y", T.INT8, [2])],
                       [helper.make_tensor("s", T.INT64, [1], [2])])
    assert "does not match the result's element type" in refusal(model)


def test_split_with_more_outputs_than_num_outputs_is_refused():
    node = helper.make_node("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=2, name="s")
    model = make_model([node], [("x", F, [2, 4])], [("a", F, None), ("b", F, None), ("c", F, None)], opset=18)
    assert "num_outputs is 2 but the node has 3 outputs" in refusal(model)


def test_slice_declared_with_another_rank_than_its_data_is_refused():
    # Fuzz (seed 4, mutant 2319): run-time axes, a rank-1 data and a rank-3
    # declared result failed an assertion when the result was cast.
    node = helper.make_node("Slice", ["d", "s", "e", "a"], ["y"], name="sl")
    model = make_model([node], [("d", T.INT64, [1]), ("s", T.INT64, [1]), ("e", T.INT64, [1]),
                                ("a", T.INT64, [1])], [("y", T.INT64, [20, 9, 5])])
    assert "declared with rank 3, but slicing keeps the data's rank 1" in refusal(model)


def test_gru_with_a_dynamic_batch_and_a_declared_one_compiles_and_checks():
    # Fuzz (seed 4, mutant 7480): a symbolic batch in X with Y_h declared at
    # batch 3 segfaulted while the time loop was being built.
    rng = np.random.default_rng(0)
    node = helper.make_node("GRU", ["x", "w", "r"], ["", "h"], hidden_size=3, name="g")
    model = make_model([node], [("x", F, [1, "M", 3]), ("w", F, [1, 9, 3]), ("r", F, [1, 9, 3])],
                       [("h", F, [1, 3, 3])])
    m = onnx_mlc.compile(model)
    w, r = (rng.standard_normal((1, 9, 3)).astype(np.float32) for _ in range(2))
    x = rng.standard_normal((1, 3, 3)).astype(np.float32)
    (h,) = m(x, w, r)
    np.testing.assert_allclose(h, run_reference(model, {"x": x, "w": w, "r": r})[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(onnx_mlc.InputError, match="invalid shape inside the model"):
        m(np.ones((1, 2, 3), np.float32), w, r)


def test_resize_with_empty_sizes_and_no_scales_is_refused():
    # Fuzz (seed 5, mutant 1653): an empty sizes tensor counted as given, and
    # the lowering read four sizes out of it (segfault).
    node = helper.make_node("Resize", ["x", "roi", "", "s"], ["y"], name="r", mode="linear")
    model = make_model([node], [("x", F, [1, 1, 4, 4]), ("roi", F, [8]), ("s", T.INT64, [0])],
                       [("y", F, [1, 1, 3, 3])])
    assert "node 'r' (Resize, domain ai.onnx, opset 17): needs scales or sizes" in refusal(model)
