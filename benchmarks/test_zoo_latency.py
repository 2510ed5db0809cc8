"""Latency of zoo models (tests/zoo.py) exported by torch, in a static and
a dynamic variant, onnx-mlc -O3 next to onnxruntime, both on one thread.

  dynamic  the export as it is: symbolic batch (and sequence) sizes
  static   the same file with the input sizes fixed to the measured ones,
           so that both engines may specialize

ResNet-18 at batch 1 (224x224); BERT (4 layers, 256 wide) at batch 1 with
sequences of 7 and of 128 tokens and a padding mask.

    ONNX_MLC_ZOO_CACHE=/tmp/zoo python -m pytest benchmarks/test_zoo_latency.py
"""

import os
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import onnx_mlc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import zoo  # noqa: E402

SIZES = {"resnet18": {"batch": 1}, "bert-7": {"batch": 1, "seq": 7},
         "bert-128": {"batch": 1, "seq": 128}}
THREADS = 1


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    path = os.environ.get("ONNX_MLC_ZOO_CACHE")
    return Path(path) if path else tmp_path_factory.mktemp("zoo")


def pinned(path, feeds, out):
    """A copy of the model at `path` whose inputs have the sizes of `feeds`."""
    model = onnx.load(str(path))
    for info in model.graph.input:
        if info.name in feeds:
            for dim, size in zip(info.type.tensor_type.shape.dim, feeds[info.name].shape):
                dim.Clear()
                dim.dim_value = size
    onnx.save(model, str(out))
    return out


@pytest.fixture(scope="module", params=[(c, v) for c in SIZES for v in ("static", "dynamic")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def workload(request, cache, tmp_path_factory):
    case, variant = request.param
    spec = zoo.BY_NAME[case.split("-")[0]]
    path, _ = zoo.export(spec.name, cache)
    feeds = spec.feeds(np.random.default_rng(0), **SIZES[case])
    if variant == "static":
        path = pinned(path, feeds, tmp_path_factory.mktemp(case) / "static.onnx")
    return f"{case} {variant}", path, feeds


def ort_session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("engine", ["onnx-mlc -O3", "onnxruntime"])
def test_zoo_latency(benchmark, record, workload, engine):
    case, path, feeds = workload
    session = ort_session(path)
    if engine == "onnxruntime":
        run = lambda: session.run(None, feeds)  # noqa: E731
    else:
        compiled = onnx_mlc.compile(str(path), opt_level=3)
        run = lambda: compiled(**feeds)  # noqa: E731
        # A fast wrong answer is no result (the zoo's tolerance).
        for got, want in zip(run(), session.run(None, feeds)):
            np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4 * float(np.abs(want).max()))
    benchmark(run)
    record(benchmark, case, engine)
