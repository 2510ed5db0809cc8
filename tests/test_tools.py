"""The tools around compile(): the compile cache, load() and the
onnxruntime-style InferenceSession."""

import subprocess
import sys

import numpy as np
import pytest
from onnx import TensorProto as T
from onnx import helper

import onnx_mlc
from conftest import make_model, run_reference


def mlp():
    rng = np.random.default_rng(0)
    w = helper.make_tensor("w", T.FLOAT, [4, 3], rng.standard_normal((4, 3)).astype(np.float32).ravel())
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Relu", ["h"], ["y"]),
             helper.make_node("ReduceSum", ["y"], ["s"], keepdims=0)]
    return make_model(nodes, [("x", T.FLOAT, ["batch", 4])], [("y", T.FLOAT, None), ("s", T.FLOAT, None)], [w])


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ONNX_MLC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ONNX_MLC_CACHE", raising=False)
    return tmp_path / "cache"


def forbid_compiling(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("compiled although the cache holds the library")
    monkeypatch.setattr(onnx_mlc.compiler, "compile_to", fail)


def test_a_second_compile_of_the_same_model_is_loaded_from_the_cache(cache_dir, monkeypatch, tmp_path):
    path = tmp_path / "mlp.onnx"
    path.write_bytes(mlp().SerializeToString())
    first = onnx_mlc.compile(str(path), opt_level=1)
    assert len(list(cache_dir.glob("*.so"))) == 1
    x = np.ones((2, 4), np.float32)
    forbid_compiling(monkeypatch)
    again = onnx_mlc.compile(str(path), opt_level=1)  # same file
    same = onnx_mlc.compile(mlp(), opt_level=1)  # the same bytes, given in memory
    assert again.library_path == first.library_path == same.library_path
    for a, b in zip(again(x), first(x)):
        np.testing.assert_array_equal(a, b)


def test_the_key_covers_options_and_model(cache_dir, monkeypatch):
    onnx_mlc.compile(mlp(), opt_level=1)
    onnx_mlc.compile(mlp(), opt_level=2)
    onnx_mlc.compile(mlp(), opt_level=1, input_shapes={"x": [3, 4]})
    changed = mlp()
    changed.graph.node[1].op_type = "Sigmoid"
    onnx_mlc.compile(changed, opt_level=1)
    assert len(list(cache_dir.glob("*.so"))) == 4


def test_the_cache_can_be_turned_off(cache_dir, monkeypatch):
    onnx_mlc.compile(mlp(), cache=False)
    monkeypatch.setenv("ONNX_MLC_CACHE", "0")
    onnx_mlc.compile(mlp())
    assert not cache_dir.exists() or not list(cache_dir.glob("*.so"))


def test_load_a_library_built_by_the_cli(tmp_path):
    path = tmp_path / "mlp.onnx"
    path.write_bytes(mlp().SerializeToString())
    lib = tmp_path / "mlp.so"
    subprocess.run([sys.executable, "-m", "onnx_mlc.cli", str(path), "-o", str(lib), "--prefix", "net"],
                   check=True)
    m = onnx_mlc.load(str(lib), prefix="net")
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    for got, want in zip(m(x), run_reference(mlp(), {"x": x})):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(onnx_mlc.OnnxMlcError, match="not found"):
        onnx_mlc.load(str(tmp_path / "missing.so"))


def test_inference_session_has_onnxruntime_surface():
    import onnxruntime as ort

    data = mlp().SerializeToString()
    ours = onnx_mlc.InferenceSession(data)
    theirs = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    for a, b in zip(ours.get_inputs() + ours.get_outputs(), theirs.get_inputs() + theirs.get_outputs()):
        assert (a.name, a.type) == (b.name, b.type)
    assert ours.get_inputs()[0].shape == theirs.get_inputs()[0].shape == ["batch", 4]
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    for got, want in zip(ours.run(None, {"x": x}), theirs.run(None, {"x": x})):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    (s,) = ours.run(["s"], {"x": x})
    np.testing.assert_allclose(s, theirs.run(["s"], {"x": x})[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(onnx_mlc.InputError, match="no output named 'z'"):
        ours.run(["z"], {"x": x})


def test_check_compares_with_onnxruntime(tmp_path):
    path = tmp_path / "mlp.onnx"
    path.write_bytes(mlp().SerializeToString())
    run = lambda *args: subprocess.run([sys.executable, "-m", "onnx_mlc.cli", "check", str(path), *args],  # noqa: E731
                                       capture_output=True, text=True)
    proc = run()
    assert proc.returncode == 0 and "match against onnxruntime" in proc.stdout, proc.stdout + proc.stderr
    np.savez(tmp_path / "in.npz", x=np.ones((7, 4), np.float32))
    proc = run("--inputs", str(tmp_path / "in.npz"), "--per-node")
    # Per node: h, y and s are compared (x is an input).
    assert proc.returncode == 0 and "3 values compared" in proc.stdout, proc.stdout + proc.stderr


def test_check_reports_a_mismatch():
    from onnx_mlc.check import mismatch

    a = np.array([1.0, 2.0, 3.0], np.float32)
    assert mismatch(a, a + np.float32(1e-7), 1e-4, 1e-5) is None
    assert mismatch(a, a + np.float32([0, 0, 1]), 1e-4, 1e-5) == "1 of 3 elements differ, max abs error 1"
    assert mismatch(a, a.astype(np.float64), 1e-4, 1e-5).startswith("float32[3] vs float64[3]")
    assert mismatch(np.array([1, 2]), np.array([1, 3]), 0, 0) == "1 of 2 elements differ"
