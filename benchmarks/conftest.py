"""Side-by-side measurements of onnx-mlc and onnxruntime.

Each benchmark stores its median in a session table; at the end the table
is printed as onnx-mlc / onnxruntime ratios (below 1 means onnx-mlc is
faster). Run with:  python -m pytest benchmarks
"""

import collections

import pytest

_medians = collections.defaultdict(dict)  # case -> {engine: seconds}
_flops = {}                                # case -> operations per run
_notes = collections.defaultdict(dict)     # section -> {row: text}


@pytest.fixture
def record():
    """record(benchmark, case, engine[, flops]): keeps the median; with the
    floating-point operations of one run, the summary gives GFLOP/s."""
    def store(benchmark, case, engine, flops=None):
        benchmark.group = case
        benchmark.extra_info["engine"] = engine
        _medians[case][engine] = benchmark.stats.stats.median
        if flops:
            _flops[case] = flops
    return store


@pytest.fixture
def note():
    """note(section, row, text): a line of a section of the summary."""
    def store(section, row, text):
        _notes[section][row] = text
    return store


def pytest_terminal_summary(terminalreporter):
    rows = [(case, e) for case, e in sorted(_medians.items()) if "onnxruntime" in e]
    if rows:
        terminalreporter.section("onnx-mlc / onnxruntime (median time ratio; speedup = 1 / ratio)")
        for case, engines in rows:
            ort = engines["onnxruntime"]
            flops = _flops.get(case)
            for engine, t in sorted(engines.items()):
                if engine == "onnxruntime":
                    continue
                rate = (f"   GFLOP/s {flops / t / 1e9:7.1f} vs {flops / ort / 1e9:7.1f}"
                        if flops else "")
                terminalreporter.write_line(
                    f"{case:32} {engine:14} {t * 1e3:10.3f} ms   onnxruntime {ort * 1e3:10.3f} ms"
                    f"   ratio {t / ort:6.2f}   speedup {ort / t:5.2f}{rate}")
    for section, lines in sorted(_notes.items()):
        terminalreporter.section(section)
        for row, text in sorted(lines.items()):
            terminalreporter.write_line(f"{row:32} {text}")
