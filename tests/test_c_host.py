"""A C program links a generated library through its generated header."""

import os
import subprocess
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper, numpy_helper

from conftest import make_model

C_MAIN = r"""
#include <stdio.h>
#include <string.h>
#include "net.h"

int main(void) {
  if (net_num_inputs() != 1 || net_num_outputs() != 1) return 10;
  if (strcmp(net_input_name(0), "x") != 0 || net_input_dtype(0) != 1) return 11;
  if (net_output_rank(0) != 2 || net_output_shape(0)[1] != 2) return 12;
  if (net_input_name(5) != NULL || net_input_rank(-1) != -1) return 13;
  float x[2 * 3] = {1, -2, 3, -4, 5, -6};
  float y[2 * 2];
  int64_t xs[2] = {2, 3}, ys[2] = {2, 2};
  mlc_tensor in = {x, xs, 1, 2}, out = {y, ys, 1, 2};
  if (net_run(&in, 1, &out, 1) != MLC_OK) return 14;
  int64_t bad[2] = {3, 2};
  mlc_tensor wrong = {x, bad, 1, 2};
  if (net_run(&wrong, 1, &out, 1) != MLC_ERR_SHAPE) return 15;
  wrong.shape = xs; wrong.dtype = 7;
  if (net_run(&wrong, 1, &out, 1) != MLC_ERR_DTYPE) return 16;
  if (net_run(&in, 2, &out, 1) != MLC_ERR_INPUT_COUNT) return 17;
  for (int i = 0; i < 4; ++i) printf("%.6f\n", y[i]);
  return 0;
}
"""


def test_c_program_runs_the_model(tmp_path):
    w = np.array([[1, 2], [3, 4], [5, 6]], np.float32)
    model = make_model([helper.make_node("MatMul", ["x", "w"], ["m"]),
                        helper.make_node("Relu", ["m"], ["y"])],
                       [("x", T.FLOAT, [2, 3])], [("y", T.FLOAT, None)],
                       [numpy_helper.from_array(w, "w")])
    onnx_path = tmp_path / "net.onnx"
    onnx_path.write_bytes(model.SerializeToString())
    lib = tmp_path / "net.so"
    subprocess.run([sys.executable, "-m", "onnx_mlc.cli", str(onnx_path), "-O3", "--prefix", "net",
                    "-o", str(lib)], check=True)
    (tmp_path / "main.c").write_text(C_MAIN)
    exe = tmp_path / "main"
    subprocess.run(["gcc", "-Wall", "-Werror", "-o", str(exe), str(tmp_path / "main.c"), str(lib),
                    f"-Wl,-rpath,{tmp_path}"], check=True, cwd=tmp_path)
    out = subprocess.run([str(exe)], capture_output=True, text=True)
    assert out.returncode == 0, out
    got = np.array([float(v) for v in out.stdout.split()], np.float32).reshape(2, 2)
    x = np.array([[1, -2, 3], [-4, 5, -6]], np.float32)
    np.testing.assert_allclose(got, np.maximum(x @ w, 0), rtol=1e-6)
    deps = subprocess.run(["ldd", str(lib)], capture_output=True, text=True).stdout
    libs = {line.split()[0] for line in deps.splitlines() if "=>" in line}
    assert libs <= {"libc.so.6", "libm.so.6"}, libs
