"""Several compiled models called from several threads at once, thousands
of times, must give exactly what each gives when called alone. ctypes
releases the GIL during a call, so the libraries really run concurrently."""

import threading

import numpy as np
from onnx import TensorProto as T
from onnx import helper, numpy_helper

import onnx_mlc
from conftest import make_model

THREADS = 8
CALLS_PER_THREAD = 400


def mlp():
    """Dynamic batch: outputs the library sizes at run time."""
    rng = np.random.default_rng(1)
    w = numpy_helper.from_array(rng.standard_normal((16, 32)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(32).astype(np.float32), "b")
    model = make_model([helper.make_node("MatMul", ["x", "w"], ["m"]),
                        helper.make_node("Add", ["m", "b"], ["a"]),
                        helper.make_node("Tanh", ["a"], ["y"]),
                        helper.make_node("ReduceMax", ["y"], ["r"], keepdims=0, axes=[1])],
                       [("x", T.FLOAT, ["batch", 16])], [("y", T.FLOAT, None), ("r", T.FLOAT, None)],
                       [w, b], opset=17)
    return model, lambda rng: {"x": rng.standard_normal((int(rng.integers(1, 9)), 16)).astype(np.float32)}


def conv():
    """Static shapes: outputs written into the caller's buffers."""
    rng = np.random.default_rng(2)
    w = numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), "w")
    model = make_model([helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                        helper.make_node("Relu", ["c"], ["r"]),
                        helper.make_node("GlobalAveragePool", ["r"], ["y"])],
                       [("x", T.FLOAT, [1, 3, 16, 16])], [("y", T.FLOAT, None)], [w])
    return model, lambda rng: {"x": rng.standard_normal((1, 3, 16, 16)).astype(np.float32)}


def parallel_conv():
    """Large enough for the thread pool: calls from other host threads that
    find it busy run alone."""
    from test_threads import conv_model
    return conv_model(), lambda rng: {"x": rng.standard_normal((1, 16, 64, 64)).astype(np.float32)}


def unique():
    """Data-dependent output sizes, allocated by the library and freed by
    the runtime."""
    model = make_model([helper.make_node("Unique", ["x"], ["u", "i", "inv", "c"], sorted=1)],
                       [("x", T.INT64, [32])],
                       [("u", T.INT64, None), ("i", T.INT64, None), ("inv", T.INT64, None),
                        ("c", T.INT64, None)])
    return model, lambda rng: {"x": rng.integers(0, int(rng.integers(2, 20)), 32).astype(np.int64)}


def test_threads_and_models_agree_with_single_threaded_calls():
    rng = np.random.default_rng(0)
    cases = []  # (compiled model, inputs, outputs of a call alone)
    for build in (mlp, conv, parallel_conv, unique):
        model, feeds = build()
        compiled = onnx_mlc.compile(model)
        for _ in range(16):
            f = feeds(rng)
            cases.append((compiled, f, compiled(**f)))
    errors = []

    def work(seed):
        r = np.random.default_rng(seed)
        try:
            for _ in range(CALLS_PER_THREAD):
                compiled, f, want = cases[int(r.integers(len(cases)))]
                got = compiled(**f)
                for g, w in zip(got, want):
                    if g.shape != w.shape or not np.array_equal(g, w):
                        errors.append(f"{compiled!r}: {g.shape} vs {w.shape}")
        except Exception as e:  # reported below, not lost in the thread
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:5]
