"""The compile report and the profile build, checked for content on
ResNet-50 (the light model shipped with onnx: the real architecture) and
through the CLI on a small model."""

import json
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper

import onnx_mlc
from conftest import make_model
from test_light_models import load


@pytest.fixture(scope="module")
def resnet50():
    """ResNet-50 compiled once with a report, as a profile build, run 3 times."""
    model, x, ref = load("resnet50")
    compiled = onnx_mlc.compile(model, opt_level=3, report=True, profile=True)
    # The first call touches the fresh pages of the workspace; the profile
    # is of the calls after it.
    compiled(x)
    compiled.profile.reset()
    outputs = [compiled(x)[0] for _ in range(3)]
    return model, compiled, outputs, ref


def test_report_names_resnet50s_fused_patterns(resnet50):
    model, compiled, _, _ = resnet50
    report = compiled.report.to_dict()
    # ResNet-50: 53 Conv+BatchNormalization, 49 Relu, 16 residual sums. The
    # last convolution of each block absorbs the sum and the Relu after it;
    # 33 others absorb a Relu; the 4 projection shortcuts absorb nothing.
    assert report["fused"] == {"Conv+BatchNormalization+Relu": 33,
                               "Conv+BatchNormalization+Sum+Relu": 16,
                               "Conv+BatchNormalization": 4}
    assert report["ops_before"]["Conv"] == 53 and report["ops_before"]["BatchNormalization"] == 53
    assert report["ops_after"]["FusedConv"] == 53
    for gone in ("Conv", "BatchNormalization", "Relu", "Sum", "Add"):
        assert gone not in report["ops_after"]
    assert report["kernels"] > 53
    assert report["kernels_by_nodes"]["Conv+BatchNormalization+Relu"] >= 33
    assert report["unsupported"] == [] and report["error"] is None
    # Activations alone (1x64x112x112 floats) take 3 MiB.
    assert report["workspace_bytes"] > 3 << 20
    phases = [p["phase"] for p in report["phases"]]
    assert phases == ["import", "optimize-onnx", "lower-to-memref", "lower-to-llvm", "translate",
                      "llvm", "link"]
    assert json.loads(compiled.report.to_json()) == report
    text = str(compiled.report)
    assert "Conv+BatchNormalization+Relu" in text and "workspace:" in text


def test_profile_build_computes_the_same(resnet50):
    _, _, outputs, ref = resnet50
    for y in outputs:
        np.testing.assert_allclose(y, ref, rtol=1e-3, atol=1e-5)


def test_profile_names_resnet50s_hottest_nodes(resnet50):
    model, compiled, _, _ = resnet50
    profile = compiled.profile.to_dict()
    assert profile["runs"] == 3
    nodes = {n.name: n.op_type for n in model.graph.node}
    rows = profile["nodes"]
    # Every kernel is labelled with the nodes it computes, and their types.
    for row in rows:
        names, types = row["node"].split("+"), row["op_type"].split("+")
        assert [nodes[n] for n in names] == types
    assert all(row["calls"] % 3 == 0 for row in rows)  # the same kernels every run
    # Convolutions are where ResNet-50 spends its time; the stem's MaxPool
    # (4 kernels over 1x64x112x112) comes close to the fifth convolution.
    hottest = rows[:5]
    is_conv = [r["op_type"].startswith("Conv+BatchNormalization") for r in hottest]
    assert is_conv[0] and sum(is_conv) >= 4, compiled.profile.table(10)
    assert [r["seconds"] for r in rows] == sorted((r["seconds"] for r in rows), reverse=True)
    conv_share = sum(r["share"] for r in rows if r["op_type"].startswith("Conv"))
    assert conv_share > 0.5
    assert 0.9 < sum(r["share"] for r in rows) + profile["outside_kernels_seconds"] / \
        profile["run_seconds"] <= 1.0 + 1e-9
    table = compiled.profile.table(5)
    assert hottest[0]["node"] in table and "(outside kernels" in table
    # The Chrome trace: a run event, then one event per kernel site.
    events = compiled.profile.chrome_trace()["traceEvents"]
    runs = [e for e in events if e["name"] == "run"]
    kernels = [e for e in events if e["cat"] == "kernel"]
    assert len(runs) == 3 and len(kernels) >= 3 * len(rows)
    assert {e["name"] for e in kernels} == {r["node"] for r in rows}
    assert all(e["ph"] == "X" and e["dur"] >= 0 for e in events)


def test_profile_reset_and_plain_builds_have_none():
    model = make_model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                       [("x", T.FLOAT, [8, 8])], [("y", T.FLOAT, None)])
    plain = onnx_mlc.compile(model, cache=False)
    assert plain.profile is None and plain.report is None
    profiled = onnx_mlc.compile(model, profile=True, cache=False)
    x = np.ones((8, 8), np.float32)
    profiled(x)
    assert profiled.profile.by_node()[0][:3] == ("relu", "Relu", 1)
    profiled.profile.reset()
    assert profiled.profile.by_node() == [] and profiled.profile.runs == 0
    profiled(x)
    assert profiled.profile.by_node()[0][2] == 1


def small_model(tmp_path):
    w = np.random.default_rng(0).standard_normal((16, 16)).astype(np.float32)
    model = make_model(
        [helper.make_node("MatMul", ["x", "w"], ["m"], name="mm"),
         helper.make_node("Add", ["m", "b"], ["a"], name="add"),
         helper.make_node("Relu", ["a"], ["y"], name="relu")],
        [("x", T.FLOAT, [8, 16])], [("y", T.FLOAT, None)],
        [onnx.numpy_helper.from_array(w, "w"),
         onnx.numpy_helper.from_array(np.ones(16, np.float32), "b")])
    path = tmp_path / "small.onnx"
    path.write_bytes(model.SerializeToString())
    return path


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "onnx_mlc.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


def test_cli_report_json_and_text(tmp_path):
    path = small_model(tmp_path)
    r = cli(path, "--report=json", "-o", tmp_path / "small.so", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["fused"] == {"MatMul+Add+Relu": 1}
    assert report["ops_before"] == {"MatMul": 1, "Add": 1, "Relu": 1}
    assert report["ops_after"] == {"FusedGemm": 1}
    r = cli(path, "--report", "--emit=mlir", "-o", tmp_path / "small.mlir", cwd=tmp_path)
    assert r.returncode == 0 and "MatMul+Add+Relu" in r.stdout and "lower-to-llvm" in r.stdout


def test_cli_report_lists_unsupported_ops_when_compiling_fails(tmp_path):
    model = make_model([helper.make_node("Frobnicate", ["x"], ["y"], name="frob", domain="acme")],
                       [("x", T.FLOAT, [2])], [("y", T.FLOAT, [2])])
    model.opset_import.append(helper.make_opsetid("acme", 1))
    path = tmp_path / "bad.onnx"
    path.write_bytes(model.SerializeToString())
    r = cli(path, "--report=json", cwd=tmp_path)
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["unsupported"] == ["node 'frob' (Frobnicate, domain acme)"]
    assert "frob" in report["error"]


def test_cli_profile_build_header_and_profile_command(tmp_path):
    path = small_model(tmp_path)
    r = cli(path, "--profile", "-o", tmp_path / "p.so", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    header = (tmp_path / "p.h").read_text()
    assert "int64_t *mlc_profile_counters(void);" in header
    loaded = onnx_mlc.load(str(tmp_path / "p.so"))
    loaded(np.ones((8, 16), np.float32))
    assert loaded.profile.by_node()[0][:2] == ("mm+add+relu", "MatMul+Add+Relu")
    trace = tmp_path / "trace.json"
    r = cli("profile", path, "--runs", 4, "--trace", trace, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "4 runs" in r.stdout and "MatMul+Add+Relu" in r.stdout
    events = json.loads(trace.read_text())["traceEvents"]
    assert sum(e["name"] == "run" for e in events) == 4
    assert os.path.getsize(trace) > 0
