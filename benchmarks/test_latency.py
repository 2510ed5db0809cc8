"""Latency and compile time, onnx-mlc next to onnxruntime in the same run:
light_resnet50 (batch 1) and a 3-layer MLP at batch 1 and 64 (MatMul + Add,
and torch's Gemm with transB=1), both engines
on one thread (onnx-mlc's kernels are single-threaded so far)."""

import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnx_mlc

LIGHT = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
THREADS = 1


def resnet50():
    model = onnx.load(os.path.join(LIGHT, "light_resnet50.onnx"))
    x = np.random.default_rng(0).random((1, 3, 224, 224), dtype=np.float32)
    return model, x


def mlp(batch, sizes=(784, 1024, 1024, 10), torch_layout=False):
    """MatMul + Add (+ Relu) layers with random weights; or, as torch
    exports nn.Linear, Gemm with the weights stored transposed (transB=1)."""
    rng = np.random.default_rng(0)
    nodes, inits, prev = [], [], "x"
    for i, (k, n) in enumerate(zip(sizes, sizes[1:])):
        w = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
        inits += [numpy_helper.from_array(w.T.copy() if torch_layout else w, f"w{i}"),
                  numpy_helper.from_array(rng.standard_normal(n).astype(np.float32), f"b{i}")]
        if torch_layout:
            nodes.append(helper.make_node("Gemm", [prev, f"w{i}", f"b{i}"], [f"a{i}"], transB=1))
        else:
            nodes += [helper.make_node("MatMul", [prev, f"w{i}"], [f"m{i}"]),
                      helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"])]
        prev = f"a{i}"
        if i < len(sizes) - 2:
            nodes.append(helper.make_node("Relu", [prev], [f"r{i}"]))
            prev = f"r{i}"
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, sizes[0]])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [batch, sizes[-1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # what onnxruntime 1.31 reads
    return model, rng.random((batch, sizes[0]), dtype=np.float32)


MODELS = {"resnet50-b1": resnet50, "mlp-b1": lambda: mlp(1), "mlp-b64": lambda: mlp(64),
          "mlp-torch-b1": lambda: mlp(1, torch_layout=True),
          "mlp-torch-b64": lambda: mlp(64, torch_layout=True)}


def ort_session(model):
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module", params=sorted(MODELS))
def workload(request):
    model, x = MODELS[request.param]()
    return request.param, model, x


@pytest.mark.parametrize("engine", ["onnx-mlc -O0", "onnx-mlc -O3", "onnxruntime"])
def test_latency(benchmark, record, workload, engine):
    case, model, x = workload
    sess = ort_session(model)
    name = sess.get_inputs()[0].name
    if engine == "onnxruntime":
        run = lambda: sess.run(None, {name: x})  # noqa: E731
    else:
        compiled = onnx_mlc.compile(model, opt_level=int(engine[-1]))
        run = lambda: compiled(x)  # noqa: E731
        # A fast wrong answer is no result.
        np.testing.assert_allclose(run()[0], sess.run(None, {name: x})[0], rtol=1e-3, atol=1e-4)
    benchmark(run)
    record(benchmark, case, engine)


@pytest.mark.parametrize("engine", ["onnx-mlc -O0", "onnx-mlc -O3", "onnxruntime"])
def test_compile_resnet50(benchmark, record, engine):
    """onnx-mlc's compile() next to onnxruntime's session creation."""
    model, _ = resnet50()
    if engine == "onnxruntime":
        build = lambda: ort_session(model)  # noqa: E731
    else:
        level = int(engine[-1])
        build = lambda: onnx_mlc.compile(model, opt_level=level)  # noqa: E731
    benchmark.pedantic(build, rounds=1, iterations=1)
    record(benchmark, "resnet50 compile", engine)
