"""Bad input gets a clear error and nothing worse."""

import subprocess
import sys
import threading

import numpy as np
import pytest
from onnx import TensorProto as T
from onnx import helper

import onnx_mlc
from conftest import make_model

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
], ids=["float-axis", "string-alpha", "no-input", "empty-required-input"])
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
