"""Compile time and peak compile memory of GPT-2-wide decoders with
external data, at 6, 12 and 24 layers (24 is GPT-2 medium: 355M parameters,
1.4 GB of weights), each compiled at -O3 by the CLI in a process of its own.

Reported per model: seconds, seconds per layer, and peak resident memory
as a multiple of the weights' size. The targets: peak memory under twice
the weights, and compile time about linear in the number of layers (24
layers within 1.5x of four times the 6-layer time).

    ONNX_MLC_ZOO_CACHE=/tmp/zoo python -m pytest benchmarks/test_compile_scaling.py -s
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_large_model import export_decoder  # noqa: E402

LAYERS = (6, 12, 24)
_results = {}


@pytest.fixture(scope="module")
def decoders(tmp_path_factory):
    cache = os.environ.get("ONNX_MLC_ZOO_CACHE")
    root = Path(cache) if cache else tmp_path_factory.mktemp("decoders")
    return {n: export_decoder(n, root / ("gpt2-medium-decoder" if n == 24 else f"gpt2-decoder-{n}"))
            for n in LAYERS}


def compile_measured(model, out):
    """(wall seconds, peak RSS bytes) of one CLI compile."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "onnx_mlc.cli", str(model), "-O3", "-o", str(out)],
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode()
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, stderr
    return seconds, usage.ru_maxrss * 1024


@pytest.mark.parametrize("layers", LAYERS)
def test_compile_scaling(layers, decoders, tmp_path):
    model = decoders[layers]
    weights = model.with_name("model.onnx.data").stat().st_size
    seconds, peak = compile_measured(model, tmp_path / "model.so")
    _results[layers] = seconds
    print(f"\n{layers:3} layers: weights {weights / 1e9:.2f} GB, compile {seconds:.1f} s "
          f"({seconds / layers:.2f} s/layer), peak {peak / 1e9:.2f} GB = {peak / weights:.2f}x weights")
    assert peak < 2 * weights
    if layers == max(LAYERS) and min(LAYERS) in _results:
        growth = seconds / _results[min(LAYERS)]
        linear = max(LAYERS) / min(LAYERS)
        print(f"compile time grows {growth:.2f}x for {linear:.0f}x the layers")
        assert growth < 1.5 * linear
