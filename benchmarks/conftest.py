"""Side-by-side measurements of onnx-mlc and onnxruntime.

Each benchmark stores its median in a session table; at the end the table
is printed as onnx-mlc / onnxruntime ratios (below 1 means onnx-mlc is
faster). Run with:  python -m pytest benchmarks
"""

import collections

import pytest

_medians = collections.defaultdict(dict)  # case -> {engine: seconds}


@pytest.fixture
def record():
    def store(benchmark, case, engine):
        benchmark.group = case
        benchmark.extra_info["engine"] = engine
        _medians[case][engine] = benchmark.stats.stats.median
    return store


def pytest_terminal_summary(terminalreporter):
    rows = [(case, e) for case, e in sorted(_medians.items()) if "onnxruntime" in e]
    if not rows:
        return
    terminalreporter.section("onnx-mlc / onnxruntime (median time ratio)")
    for case, engines in rows:
        ort = engines["onnxruntime"]
        for engine, t in sorted(engines.items()):
            if engine != "onnxruntime":
                terminalreporter.write_line(
                    f"{case:32} {engine:14} {t * 1e3:10.2f} ms   onnxruntime {ort * 1e3:10.2f} ms"
                    f"   ratio {t / ort:6.2f}")
