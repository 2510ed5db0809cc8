"""The compiled library's thread pool: the thread count (default, the
MLC_NUM_THREADS variable, the affinity mask, set_threads), results that do
not depend on it, and unloading a library whose workers are running."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto as T
from onnx import helper, numpy_helper

import onnx_mlc
from conftest import make_model


def conv_model():
    """Large enough that its contraction, padding and activation all run in
    parallel loops; a depthwise convolution takes the direct path."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((32, 16, 3, 3)).astype(np.float32), "w")
    dw = numpy_helper.from_array(rng.standard_normal((32, 1, 3, 3)).astype(np.float32), "dw")
    b = numpy_helper.from_array(rng.standard_normal(32).astype(np.float32), "b")
    return make_model([helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
                       helper.make_node("Relu", ["c"], ["r"]),
                       helper.make_node("Conv", ["r", "dw"], ["d"], group=32, pads=[1, 1, 1, 1],
                                        strides=[2, 2]),
                       helper.make_node("Sigmoid", ["d"], ["y"])],
                      [("x", T.FLOAT, [1, 16, 64, 64])], [("y", T.FLOAT, None)], [w, dw, b])


def test_results_do_not_depend_on_the_thread_count():
    model = conv_model()
    x = np.random.default_rng(1).standard_normal((1, 16, 64, 64)).astype(np.float32)
    expected = ort.InferenceSession(model.SerializeToString(),
                                    providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    compiled = onnx_mlc.compile(model, opt_level=3, threads=1)
    assert compiled.threads == 1
    alone = compiled(x)[0]
    np.testing.assert_allclose(alone, expected, rtol=1e-4, atol=1e-5)
    for n in (2, 3, 7):
        compiled.set_threads(n)
        assert compiled.threads == n
        # Each output element is computed by one thread in the same order.
        np.testing.assert_array_equal(compiled(x)[0], alone)


def test_default_is_the_affinity_mask_and_errors_are_clear():
    compiled = onnx_mlc.compile(conv_model(), opt_level=3)
    compiled.set_threads(None)
    expected = int(os.environ.get("MLC_NUM_THREADS", 0)) or len(os.sched_getaffinity(0))
    assert compiled.threads == min(expected, 64)
    compiled.set_threads(1000)
    assert compiled.threads == 64
    for bad in (-1, 2.5, "2", True):
        with pytest.raises(onnx_mlc.OnnxMlcError, match="threads"):
            compiled.set_threads(bad)


def _run_python(code, env=None):
    full_env = {k: v for k, v in os.environ.items() if k != "MLC_NUM_THREADS"}
    full_env.update(env or {})
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                            text=True, env=full_env, cwd=os.path.dirname(__file__), timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    path = tmp_path_factory.mktemp("threads") / "conv.so"
    onnx_mlc.compile_to(conv_model(), "lib", onnx_mlc.Options(opt_level=3), str(path))
    return str(path)


def test_environment_and_affinity_choose_the_default(library):
    read = f"import onnx_mlc; print(onnx_mlc.load({library!r}).threads)"
    assert _run_python(read, {"MLC_NUM_THREADS": "3"}) == "3"
    # Not a number, or not positive: the affinity mask decides.
    mask = ("import os; os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]}); " + read)
    assert _run_python(mask, {"MLC_NUM_THREADS": "lots"}) == "1"
    assert _run_python(mask) == "1"


def test_unloading_joins_the_workers(library):
    """dlclose() of a library whose workers run (or sleep) must neither hang
    nor crash; it can then be loaded and run again."""
    code = f"""
    import _ctypes, ctypes, numpy as np
    x = np.random.default_rng(0).standard_normal((1, 16, 64, 64)).astype(np.float32)
    first = None
    for round in range(3):
        lib = ctypes.CDLL({library!r})
        lib.mlc_set_num_threads(4)
        import onnx_mlc.runtime as rt
        m = rt.CompiledModel({library!r})
        y = m(x)[0]
        first = y if first is None else first
        assert np.array_equal(y, first)
        del m
        _ctypes.dlclose(lib._handle)
        _ctypes.dlclose(lib._handle)  # CompiledModel's own reference
    print("ok")
    """
    assert _run_python(code) == "ok"
