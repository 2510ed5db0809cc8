"""Shared helpers: building small models and checking them against onnxruntime."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper

import onnx_mlc


def make_model(nodes, inputs, outputs, initializers=(), opset=17):
    """A model from (name, dtype, shape) inputs/outputs; dtype an ONNX enum."""
    graph = helper.make_graph(
        nodes, "test",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def run_reference(model, feeds):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def check_against_ort(model, feeds, opt_level=2, rtol=1e-5, atol=1e-5):
    """Compiles `model`, runs it and onnxruntime on `feeds`, compares outputs.
    The default tolerance allows float32 reassociation of sums."""
    compiled = onnx_mlc.compile(model, opt_level=opt_level)
    got = compiled(**feeds)
    want = run_reference(model, feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
    return compiled


@pytest.fixture(autouse=True, scope="session")
def _private_compile_cache(tmp_path_factory):
    """The tests' compiled libraries go to a cache of their own, not the
    user's (tests/test_tools.py checks the cache itself)."""
    import os

    old = os.environ.get("ONNX_MLC_CACHE_DIR")
    os.environ["ONNX_MLC_CACHE_DIR"] = str(tmp_path_factory.mktemp("compile_cache"))
    yield
    if old is None:
        del os.environ["ONNX_MLC_CACHE_DIR"]
    else:
        os.environ["ONNX_MLC_CACHE_DIR"] = old


@pytest.fixture
def rng():
    return np.random.default_rng(0)
