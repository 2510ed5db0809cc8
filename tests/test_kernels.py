"""Every matrix product and convolution of the benchmark models gets a
vector kernel: the compile report counts the contractions left to scalar
loops, and expects none. torch's layouts included: Gemm with transB=1,
depthwise and grouped convolutions, ReLU6 as Clip."""

import os
import re
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper, numpy_helper

import onnx_mlc
from conftest import check_against_ort, make_model, run_reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from test_latency import mlp  # noqa: E402
from test_models import lenet  # noqa: E402

LIGHT = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")


def mobile_block():
    """A MobileNetV2 block as torch exports it: 1x1 expansion, ReLU6 as
    Clip, a 3x3 depthwise convolution of stride 2, a 1x1 projection; and a
    grouped convolution (ResNeXt)."""
    rng = np.random.default_rng(0)

    def w(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.2, name)

    inits = [w("e", 48, 8, 1, 1), w("eb", 48), w("d", 48, 1, 3, 3), w("db", 48),
             w("p", 16, 48, 1, 1), w("g", 16, 4, 3, 3),
             numpy_helper.from_array(np.array(0, np.float32), "lo"),
             numpy_helper.from_array(np.array(6, np.float32), "hi")]
    nodes = [helper.make_node("Conv", ["x", "e", "eb"], ["e1"]),
             helper.make_node("Clip", ["e1", "lo", "hi"], ["e2"]),
             helper.make_node("Conv", ["e2", "d", "db"], ["d1"], group=48, strides=[2, 2],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Clip", ["d1", "lo", "hi"], ["d2"]),
             helper.make_node("Conv", ["d2", "p"], ["p1"]),
             helper.make_node("Conv", ["p1", "g"], ["y"], group=4, pads=[1, 1, 1, 1])]
    model = make_model(nodes, [("x", T.FLOAT, [1, 8, 30, 30])], [("y", T.FLOAT, None)], inits)
    return model, {"x": rng.standard_normal((1, 8, 30, 30)).astype(np.float32)}


def torch_mlp(batch):
    model, x = mlp(batch, sizes=(64, 100, 10), torch_layout=True)
    return model, {"x": x}


def light_resnet50():
    model = onnx.load(os.path.join(LIGHT, "light_resnet50.onnx"))
    return model, {model.graph.input[0].name:
                   np.random.default_rng(0).random((1, 3, 224, 224), dtype=np.float32)}


MODELS = {"mlp-torch-b1": lambda: torch_mlp(1), "mlp-torch-b64": lambda: torch_mlp(64),
          "lenet": lenet, "mobile-block": mobile_block, "light-resnet50": light_resnet50}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_no_scalar_contractions(name):
    model, feeds = MODELS[name]()
    compiled = onnx_mlc.compile(model, opt_level=3, report=True, cache=False)
    assert compiled.report.to_dict()["scalar_contractions"] == 0
    if name != "light-resnet50":  # its outputs are checked in test_light_models.py
        check_against_ort(model, feeds, opt_level=3, rtol=1e-4, atol=1e-4)


def test_integer_matmul_is_counted():
    """The count is not vacuous: an integer MatMul has no vector kernel yet."""
    model = make_model([helper.make_node("MatMul", ["a", "b"], ["y"])],
                       [("a", T.INT32, [4, 8]), ("b", T.INT32, [8, 4])], [("y", T.INT32, None)])
    compiled = onnx_mlc.compile(model, opt_level=3, report=True, cache=False)
    assert compiled.report.to_dict()["scalar_contractions"] == 1


TARGETS = {  # (triple, cpu, features): the f32 vector the kernels use
    "neon": (("aarch64-linux-gnu", None, None), "vector<4xf32>"),
    "sse2": (("x86_64-unknown-linux-gnu", "x86-64", ""), "vector<4xf32>"),
    "avx2": (("x86_64-unknown-linux-gnu", "haswell", "+avx2,+fma"), "vector<8xf32>"),
    "avx512": (("x86_64-unknown-linux-gnu", "skylake-avx512", "+avx2,+fma,+avx512f"),
               "vector<16xf32>"),
}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_kernels_follow_the_target(tmp_path, target):
    """The kernels are shaped for the target named, whatever the host: every
    contraction vectorized, with the target's vector length only."""
    from onnx_mlc.compiler import Options, compile_to
    from onnx_mlc.report import Report

    (triple, cpu, features), vector = TARGETS[target]
    model, _ = mobile_block()
    options = Options(opt_level=3, target=triple, cpu=cpu, features=features)
    report = Report(model, options, progress=False)
    out = tmp_path / "model.mlir"
    compile_to(model, "mlir", options, str(out), report)
    assert report.to_dict()["scalar_contractions"] == 0
    widths = set(re.findall(r"vector<\d+xf32>", out.read_text()))
    # Stride-2 windows read two vectors' worth at once.
    lanes = int(re.search(r"\d+", vector).group())
    assert widths <= {vector, f"vector<{2 * lanes}xf32>"}, widths
    assert vector in widths


def test_linear_weights_are_packed(tmp_path):
    """A linear layer's constant weights are laid out at compile time in
    panels of the kernel's tile (for AVX2 and 3 rows, 3 vectors of 8: 24
    columns), the last one zero-padded (100 = 4 x 24 + 4), and only that
    copy is kept; the results hold with both the full and the partial
    panels."""
    from onnx_mlc.compiler import Options, compile_to

    model, feeds = torch_mlp(3)
    options = Options(opt_level=3, target="x86_64-unknown-linux-gnu", cpu="haswell",
                      features="+avx2,+fma")
    out = tmp_path / "model.mlir"
    compile_to(model, "mlir", options, str(out))
    text = out.read_text()
    # The 64 -> 100 layer's B is 64 x 100: 5 panels of 64 x 24.
    assert re.search(r"@__constant_64x100xf32\w*_panels24\(.*tensor<5x64x24xf32>", text)
    assert not re.search(r"@__constant_64x100xf32(_\d+)?\(", text)
    check_against_ort(model, feeds, opt_level=3, rtol=1e-4, atol=1e-4)


def deep_stage_block():
    """ResNet-50's last stage in small: a 3x3 convolution of stride 2 and one
    of stride 1 on a 7x7 image (whose 49 columns leave lanes empty along n,
    and whose im2col the kernel reads in place), a 1x1 convolution with the
    residual sum of a strided 1x1 projection, then Relu."""
    rng = np.random.default_rng(2)

    def w(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.1, name)

    inits = [w("w1", 64, 32, 3, 3), w("b1", 64), w("w2", 64, 64, 3, 3), w("w3", 128, 64, 1, 1),
             w("b3", 128), w("w4", 128, 32, 1, 1)]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["c2", "w3", "b3"], ["c3"]),
             helper.make_node("Conv", ["x", "w4"], ["skip"], strides=[2, 2]),
             helper.make_node("Add", ["c3", "skip"], ["s"]),
             helper.make_node("Relu", ["s"], ["y"])]
    model = make_model(nodes, [("x", T.FLOAT, [1, 32, 14, 14])], [("y", T.FLOAT, None)], inits)
    return model, {"x": rng.standard_normal((1, 32, 14, 14)).astype(np.float32)}


def squeeze_excite_block():
    """The 1x1 convolutions of a squeeze-and-excitation block, on a pooled
    1x1 image (matrix-vector products), with a bias, ReLU and a residual
    sum."""
    rng = np.random.default_rng(3)

    def w(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.1, name)

    inits = [w("w1", 64, 256, 1, 1), w("b1", 64), w("w2", 256, 64, 1, 1), w("b2", 256)]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"]),
             helper.make_node("Add", ["c2", "x"], ["y"])]
    model = make_model(nodes, [("x", T.FLOAT, [1, 256, 1, 1])], [("y", T.FLOAT, None)], inits)
    return model, {"x": rng.standard_normal((1, 256, 1, 1)).astype(np.float32)}


@pytest.mark.parametrize("block", [deep_stage_block, squeeze_excite_block],
                         ids=["deep-stage", "squeeze-excite"])
@pytest.mark.parametrize("cpu, features", [("x86-64", ""), ("haswell", "+avx2,+fma"), (None, None)],
                         ids=["sse2", "avx2", "host"])
def test_convolutions_along_m(tmp_path, cpu, features, block):
    """Convolutions whose weights are laid out for vectors along m (their
    transposed panels, `_tpanels`), with the tiles transposed on the way
    out (or stored as they are, for one column), at each vector width (4
    lanes: tiles of more rows than lanes), hold against onnxruntime."""
    from onnx_mlc.compiler import Options, compile_to

    model, feeds = block()
    out = tmp_path / "model.mlir"
    compile_to(model, "mlir", Options(opt_level=3, cpu=cpu, features=features), str(out))
    assert re.search(r"_tpanels\d+", out.read_text())
    compiled = onnx_mlc.compile(model, opt_level=3, cpu=cpu, features=features, cache=False)
    want = run_reference(model, feeds)
    np.testing.assert_allclose(compiled(**feeds)[0], want[0], rtol=1e-4, atol=1e-4)


def test_target_features_are_checked():
    with pytest.raises(onnx_mlc.OnnxMlcError, match="'\\+name' or '-name'"):
        onnx_mlc.compile(torch_mlp(1)[0], features="avx2")


def residual_block(depthwise):
    """A residual connection as torchvision writes it: Add(conv(x), x), then
    Relu; the Add of two convolutions (a projection shortcut); and, with
    `depthwise`, the sum after a depthwise convolution."""
    rng = np.random.default_rng(1)

    def w(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.2, name)

    group = 16 if depthwise else 1
    inits = [w("w1", 16, 16 // group, 3, 3), w("b1", 16), w("w2", 16, 16, 1, 1), w("w3", 16, 16, 1, 1)]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], group=group),
             helper.make_node("Add", ["c1", "x"], ["s1"]),
             helper.make_node("Relu", ["s1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2"], ["c2"]),
             helper.make_node("Conv", ["x", "w3"], ["c3"]),
             helper.make_node("Add", ["c2", "c3"], ["y"])]
    model = make_model(nodes, [("x", T.FLOAT, [1, 16, 20, 20])], [("y", T.FLOAT, None)], inits)
    return model, {"x": rng.standard_normal((1, 16, 20, 20)).astype(np.float32)}


@pytest.mark.parametrize("depthwise", [False, True], ids=["dense", "depthwise"])
def test_residual_sums_join_the_convolution(depthwise):
    """The residual Add (and the Relu after it) is computed on the
    convolution's output tile: no Add remains, and the results hold."""
    model, feeds = residual_block(depthwise)
    compiled = onnx_mlc.compile(model, opt_level=3, report=True, cache=False)
    report = compiled.report.to_dict()
    assert "Add" not in report["ops_after"]
    assert report["fused"] == {"Conv+Add+Relu": 1, "Conv+Add": 1}
    check_against_ort(model, feeds, opt_level=3, rtol=1e-4, atol=1e-4)


def test_exp_erf_tanh_are_arithmetic_not_libm_calls(tmp_path):
    """exp, erf and tanh on f32 (Softmax, GELU, Sigmoid, Tanh) are computed
    with polynomials, so that their loops vectorize: the library calls none
    of libm's expf, erff, tanhf, and stays within a few ulp of float64."""
    import math
    import subprocess

    from onnx_mlc.compiler import Options, compile_to

    nodes = [helper.make_node("Exp", ["x"], ["e"]), helper.make_node("Erf", ["x"], ["r"]),
             helper.make_node("Tanh", ["x"], ["t"])]
    model = make_model(nodes, [("x", T.FLOAT, [4001])],
                       [("e", T.FLOAT, None), ("r", T.FLOAT, None), ("t", T.FLOAT, None)])
    lib = tmp_path / "math.so"
    compile_to(model, "lib", Options(opt_level=3), str(lib))
    undefined = subprocess.run(["nm", "-D", "--undefined-only", str(lib)], capture_output=True,
                               text=True, check=True).stdout
    for name in ("expf", "erff", "tanhf"):
        assert not re.search(rf"\b{name}\b", undefined), undefined
    x = np.linspace(-20, 20, 4001, dtype=np.float32)
    e, r, t = onnx_mlc.load(str(lib))(x)
    xd = x.astype(np.float64)
    for got, want in ((e, np.exp(xd)), (r, np.array([math.erf(v) for v in xd])), (t, np.tanh(xd))):
        # float32 rounding is 2^-24 relative; the approximations add a few ulp.
        np.testing.assert_allclose(got, want, rtol=8 * 2.0**-24, atol=1e-37)
