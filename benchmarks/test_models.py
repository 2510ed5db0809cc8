"""The models of issue 8, onnx-mlc -O3 next to onnxruntime in one run, at
one thread and at each engine's default (onnx-mlc: the CPUs of the affinity
mask; onnxruntime: its own default):

  mlp-torch-b1/b64  784-1024-1024-10, Gemm with transB=1 as torch exports it
  lenet-b1          two 5x5 convolutions, max pooling, three linear layers
  mobilenet_v2      torchvision, random weights, batch 1, 224x224
  resnet50          torchvision, random weights, batch 1, 224x224
  bert-128          the zoo's 4-layer BERT, one sequence of 128 tokens

Besides the latency ratios (conftest.py), the summary gives each engine's
achieved GFLOP/s (multiply-adds of Conv, Gemm and MatMul counted as 2),
onnx-mlc's compile time, and the peak resident memory each engine adds to a
process that loads the model and runs it (measured in a fresh process).

    ONNX_MLC_ZOO_CACHE=/tmp/zoo python -m pytest benchmarks/test_models.py
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper, shape_inference

import onnx_mlc

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_latency import mlp  # noqa: E402

_memory = {}  # (case, engine) -> peak resident bytes added


def lenet():
    rng = np.random.default_rng(0)
    inits, nodes = [], []

    def weight(name, *shape):
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))).astype(np.float32), name))
        return name

    nodes += [helper.make_node("Conv", ["x", weight("c1", 6, 1, 5, 5), weight("b1", 6)], ["a1"],
                               pads=[2, 2, 2, 2]),
              helper.make_node("Relu", ["a1"], ["r1"]),
              helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
              helper.make_node("Conv", ["p1", weight("c2", 16, 6, 5, 5), weight("b2", 16)], ["a2"]),
              helper.make_node("Relu", ["a2"], ["r2"]),
              helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
              helper.make_node("Flatten", ["p2"], ["f"])]
    prev = "f"
    for i, (k, n) in enumerate([(400, 120), (120, 84), (84, 10)]):
        nodes.append(helper.make_node("Gemm", [prev, weight(f"w{i}", n, k), weight(f"g{i}", n)],
                                      [f"l{i}"], transB=1))
        prev = f"l{i}"
        if i < 2:
            nodes.append(helper.make_node("Relu", [prev], [f"lr{i}"]))
            prev = f"lr{i}"
    graph = helper.make_graph(
        nodes, "lenet", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model, {"x": rng.random((1, 1, 28, 28), dtype=np.float32)}


def torchvision_model(arch):
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")

    def build():
        torch.manual_seed(0)
        module = getattr(torchvision.models, arch)(weights=None).eval()
        x = torch.randn(1, 3, 224, 224)
        path = Path(os.environ.get("ONNX_MLC_ZOO_CACHE", "/tmp")) / f"bench_{arch}.onnx"
        if not path.exists():
            torch.onnx.export(module, x, str(path), opset_version=17, dynamo=False,
                              input_names=["x"], output_names=["y"])
        return onnx.load(str(path)), {"x": x.numpy()}
    return build


def bert():
    import zoo
    cache = Path(os.environ.get("ONNX_MLC_ZOO_CACHE", "/tmp"))
    path, _ = zoo.export("bert", cache)
    spec = zoo.BY_NAME["bert"]
    rng = np.random.default_rng(0)
    feeds = {"input_ids": zoo._ids(rng, 1, 128),
             "attention_mask": zoo._padding_mask(rng, 1, 128),
             "token_type_ids": np.zeros((1, 128), np.int64)}
    feeds = {k: v for k, v in feeds.items() if k in spec.inputs}
    model = onnx.load(str(path))
    for info in model.graph.input:  # pinned to the measured sizes
        if info.name in feeds:
            for dim, size in zip(info.type.tensor_type.shape.dim, feeds[info.name].shape):
                dim.Clear()
                dim.dim_value = size
    return model, feeds


def mlp_feeds(batch):
    model, x = mlp(batch, torch_layout=True)
    return model, {"x": x}


MODELS = {"mlp-torch-b1": lambda: mlp_feeds(1), "mlp-torch-b64": lambda: mlp_feeds(64),
          "lenet-b1": lenet, "mobilenet_v2": torchvision_model("mobilenet_v2"),
          "resnet50": torchvision_model("resnet50"), "bert-128": bert}


def count_flops(model):
    """2 x the multiply-adds of Conv, Gemm and MatMul, from inferred shapes."""
    inferred = shape_inference.infer_shapes(model)
    shapes = {}
    for v in list(inferred.graph.value_info) + list(inferred.graph.input) + \
            list(inferred.graph.output):
        dims = [d.dim_value for d in v.type.tensor_type.shape.dim]
        shapes[v.name] = dims
    for init in inferred.graph.initializer:
        shapes[init.name] = list(init.dims)
    total = 0
    for node in inferred.graph.node:
        out = shapes.get(node.output[0])
        if not out or 0 in out:
            continue
        if node.op_type == "Conv":
            w = shapes.get(node.input[1])
            if w:
                total += 2 * int(np.prod(out)) * int(np.prod(w[1:]))
        elif node.op_type in ("Gemm", "MatMul"):
            a = shapes.get(node.input[0])
            if a:
                trans = any(at.name == "transA" and at.i for at in node.attribute)
                k = a[-2] if trans and node.op_type == "Gemm" else a[-1]
                total += 2 * int(np.prod(out)) * k
    return total


@pytest.fixture(scope="module", params=sorted(MODELS))
def workload(request):
    model, feeds = MODELS[request.param]()
    return request.param, model, feeds


def ort_session(model, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("threads", [1, 0], ids=["1-thread", "default-threads"])
@pytest.mark.parametrize("engine", ["onnx-mlc -O3", "onnxruntime"])
def test_latency(benchmark, record, note, workload, engine, threads):
    case, model, feeds = workload
    label = f"{case} {'1T' if threads == 1 else 'default'}"
    if engine == "onnxruntime":
        session = ort_session(model, threads)
        run = lambda: session.run(None, feeds)  # noqa: E731
    else:
        start = time.perf_counter()
        compiled = onnx_mlc.compile(model, opt_level=3, cache=False, threads=threads or None)
        note("onnx-mlc -O3 compile time", case, f"{time.perf_counter() - start:8.2f} s")
        run = lambda: compiled(**feeds)  # noqa: E731
        # A fast wrong answer is no result.
        want = ort_session(model, 1).run(None, feeds)
        for got, ref in zip(run(), want):
            np.testing.assert_allclose(got, ref, rtol=1e-3, atol=1e-4 * max(1.0, np.abs(ref).max()))
    benchmark(run)
    record(benchmark, label, engine, count_flops(model))


# Linux: writing 5 to clear_refs resets the peak (VmHWM) to the current
# resident size, so that the engine's import does not count.
_MEMORY_PROBE = """
import sys, numpy as np
engine, path, feeds_path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
feeds = dict(np.load(feeds_path))

def status(key):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key + ":"))

if engine == "onnxruntime":
    import onnxruntime as ort
else:
    import onnx_mlc
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = status("VmRSS")
if engine == "onnxruntime":
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    run = lambda: s.run(None, feeds)
else:
    m = onnx_mlc.load(path)
    run = lambda: m(**feeds)
for _ in range(runs):
    run()
print(status("VmHWM") - base)
"""


@pytest.mark.parametrize("engine", ["onnx-mlc -O3", "onnxruntime"])
def test_peak_memory(note, workload, engine, tmp_path):
    """Peak resident memory a process gains by loading the model and running
    it 10 times, after importing the engine."""
    case, model, feeds = workload
    onnx_path = tmp_path / "model.onnx"
    onnx.save(model, str(onnx_path))
    np.savez(tmp_path / "feeds.npz", **feeds)
    path = str(onnx_path)
    if engine != "onnxruntime":
        path = str(tmp_path / "model.so")
        onnx_mlc.compile_to(str(onnx_path), "lib", onnx_mlc.Options(opt_level=3), path)
    out = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, engine, path,
                          str(tmp_path / "feeds.npz"), "10"],
                         capture_output=True, text=True, check=True)
    _memory[(case, engine)] = int(out.stdout.strip()) * 1024
    mine, theirs = _memory.get((case, "onnx-mlc -O3")), _memory.get((case, "onnxruntime"))
    if mine is not None and theirs is not None:
        note("peak resident memory added (MiB): onnx-mlc, onnxruntime", case,
             f"{mine / 2**20:8.1f} {theirs / 2**20:8.1f}   ratio {mine / max(theirs, 1):5.2f}")
