"""A model stored with external data, at the size of GPT-2 medium (355M
parameters, 1.4 GB of weights): exported in a process of its own, compiled
at -O3 through the CLI (which maps the weights rather than loading them,
and writes them straight into the constants object), and checked against
onnxruntime at two sequence lengths from the one library.

Its compile time and peak memory are measured by
benchmarks/test_compile_scaling.py; here it must compile and be right.
The tolerance is the zoo's (tests/test_zoo.py), for the same float32
reassociation over 24 layers.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

import onnx_mlc

TESTS = Path(__file__).resolve().parent


def export_decoder(layers, out_dir):
    """Path of a GPT-2-wide decoder of `layers` blocks with external data,
    exported by tests/zoo.py in a child process (the export holds several
    copies of the weights; this process never does)."""
    proc = subprocess.run([sys.executable, str(TESTS / "zoo.py"), "gpt2-decoder", str(layers),
                           str(out_dir)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"exporting the {layers}-layer decoder failed:\n{proc.stderr[-4000:]}")
    return Path(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def gpt2_medium(tmp_path_factory):
    cache = os.environ.get("ONNX_MLC_ZOO_CACHE")
    out = Path(cache) / "gpt2-medium-decoder" if cache else tmp_path_factory.mktemp("gpt2m")
    return export_decoder(24, out)


def test_gpt2_medium_with_external_data(gpt2_medium, tmp_path):
    data = gpt2_medium.with_name("model.onnx.data")
    assert data.stat().st_size > 1.4e9, "the weights are not in the external data file"
    assert gpt2_medium.stat().st_size < 2e6, "the weights are inside the model file"
    out = tmp_path / "gpt2m.so"
    proc = subprocess.run([sys.executable, "-m", "onnx_mlc.cli", str(gpt2_medium), "-O3",
                           "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    compiled = onnx_mlc.CompiledModel(str(out))
    session = ort.InferenceSession(str(gpt2_medium), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    for batch, seq in [(1, 8), (2, 5)]:
        ids = rng.integers(0, 50257, (batch, seq), dtype=np.int64)
        mask = np.ones((batch, seq), dtype=np.int64)
        mask[-1, seq - 2:] = 0  # padding at the end of the last row
        feeds = {"input_ids": ids, "attention_mask": mask}
        (want,) = session.run(None, feeds)
        (got,) = compiled(**feeds)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4 * float(np.abs(want).max()),
                                   err_msg=f"at batch {batch}, sequence {seq}")
