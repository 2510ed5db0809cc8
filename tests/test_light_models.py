"""The real architectures shipped in the onnx wheel, compiled through the
API and the CLI at -O0 and -O3, against the reference outputs beside them."""

import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from onnx.backend.test.runner import Runner

import onnx_mlc
from onnx_mlc.runtime import CompiledModel

LIGHT = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")

MODELS = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50",
          "shufflenet", "squeezenet", "vgg19", "zfnet512"]


def load(name):
    """The model, its input (as the ONNX runner generates it) and the reference output."""
    model = onnx.load(os.path.join(LIGHT, f"light_{name}.onnx"))
    inits = {t.name for t in model.graph.initializer}
    (inp,) = [i for i in model.graph.input if i.name not in inits]
    x = Runner.generate_dummy_data(inp, seed=0, name=name, random=False)
    with open(os.path.join(LIGHT, f"light_{name}_output_0.pb"), "rb") as f:
        ref = numpy_helper.to_array(onnx.TensorProto.FromString(f.read()))
    return model, x, ref


def rtol_for(name):
    return 2e-3 if name == "densenet121" else 1e-3


@pytest.mark.parametrize("opt_level", [0, 3])
@pytest.mark.parametrize("name", MODELS)
def test_api(name, opt_level):
    model, x, ref = load(name)
    (y,) = onnx_mlc.compile(model, opt_level=opt_level)(x)
    np.testing.assert_allclose(y, ref, rtol=rtol_for(name), atol=1e-7)


@pytest.mark.parametrize("opt_level", [0, 3])
@pytest.mark.parametrize("name", MODELS)
def test_cli(name, opt_level, tmp_path):
    model, x, ref = load(name)
    out = tmp_path / f"{name}.so"
    subprocess.run([sys.executable, "-m", "onnx_mlc.cli", os.path.join(LIGHT, f"light_{name}.onnx"),
                    f"-O{opt_level}", "-o", str(out)], check=True)
    assert (tmp_path / f"{name}.h").exists()
    (y,) = CompiledModel(out)(x)
    np.testing.assert_allclose(y, ref, rtol=rtol_for(name), atol=1e-7)
