"""The model zoo (tests/zoo.py) end to end: each model exported once from
torch, compiled through the API and the CLI at -O0 and -O3, and run against
onnxruntime on the same inputs; a dynamic model at two sizes through one
compiled library.

Exports go to a temporary directory, or to $ONNX_MLC_ZOO_CACHE to reuse them
across runs. With $ONNX_MLC_ZOO_REPORT set, the export, compile and run
times and the error margins are written there as JSON.

Tolerance. Both sides compute in float32 (unit roundoff u = 6e-8) but sum in
different orders (tiling and vector lanes here, MLAS kernels there). A dot
product of K terms then differs by up to about K*u relative to the sum of
the terms' magnitudes, typically sqrt(K)*u: 1e-6..1e-5 for K = 300..3000,
and tens of layers (with LayerNorm, Softmax and GELU/Erf that can amplify
small differences) add this up to 1e-5..1e-4. So each output element must
satisfy |got - want| <= 1e-3 * |want| + 1e-4 * max|want|: the relative
term for large elements, and an absolute term scaled to the output's own
magnitude for the ones near zero, where the relative error of a cancelling
sum is unbounded. A real bug (a wrong axis, mask, stride, or bias) moves
outputs by 1e-2..1 of their scale and fails this by orders of magnitude.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort
import pytest

import onnx_mlc
import zoo

VARIANTS = [("api", 0), ("api", 3), ("cli", 0), ("cli", 3)]
CASES = [(spec.name, how, level) for spec in zoo.SPECS for how, level in VARIANTS]


@pytest.fixture(scope="session")
def zoo_cache(tmp_path_factory):
    path = os.environ.get("ONNX_MLC_ZOO_CACHE")
    if path:
        os.makedirs(path, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("zoo")


@pytest.fixture(scope="session")
def report():
    """{model: {...timings and margins...}}, written out at the end."""
    data = {}
    yield data
    path = os.environ.get("ONNX_MLC_ZOO_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)


@pytest.fixture(scope="session")
def exported(zoo_cache, report):
    """name -> path of the model's ONNX file, exported once per run."""
    paths = {}

    def get(name):
        if name not in paths:
            paths[name], seconds = zoo.export(name, zoo_cache)
            report.setdefault(name, {})["export_s"] = seconds
        return paths[name]
    return get


@pytest.fixture(scope="session")
def reference(exported):
    """(name, run index) -> (feeds, onnxruntime's outputs), computed once."""
    results = {}

    def get(name, index):
        if (name, index) not in results:
            feeds = zoo.feeds(zoo.BY_NAME[name], index)
            try:
                session = ort.InferenceSession(str(exported(name)), providers=["CPUExecutionProvider"])
                want = session.run(None, feeds)
            except Exception as e:  # no reference: a failure, not a skip
                pytest.fail(f"onnxruntime cannot run {name}: {type(e).__name__}: {e}")
            results[name, index] = feeds, want
        return results[name, index]
    return get


def compare(spec, got, want, what):
    """Asserts the float32 tolerance above on every output; returns the
    largest |got - want| / allowed over them (< 1 passes)."""
    assert len(got) == len(want), f"{what}: {len(got)} outputs, onnxruntime has {len(want)}"
    worst = 0.0
    for name, g, w in zip(spec.outputs, got, want):
        assert g.dtype == w.dtype and g.shape == w.shape, \
            f"{what} {name}: {g.dtype}{g.shape}, onnxruntime {w.dtype}{w.shape}"
        assert np.isfinite(w).all(), f"{what} {name}: onnxruntime's output is not finite"
        atol = spec.atol_scale * float(np.abs(w).max())
        np.testing.assert_allclose(g, w, rtol=spec.rtol, atol=atol,
                                   err_msg=f"{what}: output {name} (max|ref| {np.abs(w).max():.3g})")
        allowed = atol + spec.rtol * np.abs(w.astype(np.float64))
        worst = max(worst, float(np.max(np.abs(g.astype(np.float64) - w) / allowed)))
    return worst


def compile_variant(path, how, level, tmp_path):
    if how == "api":
        return onnx_mlc.compile(str(path), opt_level=level)
    out = tmp_path / "model.so"
    proc = subprocess.run([sys.executable, "-m", "onnx_mlc.cli", str(path), f"-O{level}", "-o", str(out)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"onnx-mlc -O{level} exited with {proc.returncode}:\n{proc.stderr}")
    assert (tmp_path / "model.h").exists(), "the CLI wrote no C header"
    return onnx_mlc.CompiledModel(str(out))


def check_signature(spec, compiled, reference_feeds):
    """Names, element types, and the symbolic dimensions still dynamic:
    the runs at other sizes go through this same library."""
    assert [i.name for i in compiled.inputs] == spec.inputs
    assert [o.name for o in compiled.outputs] == spec.outputs
    for info in compiled.inputs:
        assert info.dtype == reference_feeds[info.name].dtype, (info.name, info.dtype)
        dynamic = spec.dynamic_axes.get(info.name, {})
        for axis, size in enumerate(info.shape):
            assert (size is None) == (axis in dynamic), (info.name, info.shape, dynamic)


@pytest.mark.parametrize("name,how,level", CASES, ids=[f"{n}-{h}-O{lv}" for n, h, lv in CASES])
def test_zoo(name, how, level, exported, reference, report, tmp_path):
    spec = zoo.BY_NAME[name]
    path = exported(name)
    entry = report.setdefault(name, {}).setdefault(f"{how}-O{level}", {})
    start = time.perf_counter()
    compiled = compile_variant(path, how, level, tmp_path)
    entry["compile_s"] = time.perf_counter() - start
    check_signature(spec, compiled, reference(name, 0)[0])
    for index, size in enumerate(spec.sizes):
        feeds, want = reference(name, index)
        what = f"{name} {how} -O{level} at {size}"
        start = time.perf_counter()
        try:
            got = compiled(**feeds)
        except onnx_mlc.InputError as e:  # the inputs are valid: onnxruntime ran them
            pytest.fail(f"{what}: {e}")
        entry[f"run{index}_s"] = time.perf_counter() - start
        entry[f"margin{index}"] = compare(spec, got, want, what)
        if spec.check:
            spec.check(feeds, got)


@pytest.mark.parametrize("name", [s.name for s in zoo.SPECS])
def test_export_matches_torch(name, reference):
    """The exported graph computes what the torch module does, so a failure
    above is the compiler's and not the exporter's."""
    spec = zoo.BY_NAME[name]
    for index in range(len(spec.sizes)):
        feeds, want = reference(name, index)
        compare(spec, want, zoo.run_torch(name, feeds), f"onnxruntime vs torch for {name} at {spec.sizes[index]}")
