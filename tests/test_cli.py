"""The command line: one output per --emit stage, and --help."""

import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from onnx import TensorProto as T
from onnx import helper, numpy_helper

from conftest import make_model

# 40 x 40 weights (1,600 values) are large enough to be a dense resource in
# the ONNX IR and to be taken out of the LLVM IR into their own object.
N = 40
W = np.random.default_rng(0).standard_normal((N, N)).astype(np.float32)


@pytest.fixture
def model_path(tmp_path):
    model = make_model([helper.make_node("MatMul", ["x", "w"], ["m"]),
                        helper.make_node("Relu", ["m"], ["y"])],
                       [("x", T.FLOAT, [1, N])], [("y", T.FLOAT, None)],
                       [numpy_helper.from_array(W, "w")])
    path = tmp_path / "net.onnx"
    path.write_bytes(model.SerializeToString())
    return path


def cli(*args):
    proc = subprocess.run([sys.executable, "-m", "onnx_mlc.cli", *map(str, args)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_help_explains_every_option():
    text = cli("--help").stdout
    for option in ("--emit", "-O0", "-O3", "--target", "--mcpu", "--prefix", "-o"):
        assert option in text


def test_emit_onnx_ir(model_path, tmp_path):
    out = tmp_path / "net.mlir"
    cli(model_path, "--emit=onnx-ir", "-o", out)
    text = out.read_text()
    assert "func.func @main_graph" in text and "onnx.MatMul" in text and "dense_resource" in text


def test_emit_mlir_is_the_llvm_dialect(model_path, tmp_path):
    out = tmp_path / "net.mlir"
    cli(model_path, "--emit=mlir", "-o", out)
    text = out.read_text()
    assert "llvm.func @mlc_run" in text and "onnx.Relu" not in text


def test_emit_llvm_keeps_the_weights_beside_the_ir(model_path, tmp_path):
    # Weights printed into textual IR made --emit=llvm take minutes and
    # gigabytes on real models; they go into net.constants.o instead.
    import onnx_mlc
    from onnx_mlc import codegen

    out = tmp_path / "net.ll"
    cli(model_path, "--emit=llvm", "-o", out)
    text = out.read_text()
    assert "define i32 @mlc_run" in text
    assert f"= external hidden constant [{N} x [{N} x float]]" in text
    constants = tmp_path / "net.constants.o"
    assert constants.stat().st_size >= W.nbytes
    # The two link into a library that computes.
    code = tmp_path / "code.o"
    code.write_bytes(codegen.emit_object(text, onnx_mlc.compiler.Options()))
    codegen.link_shared([code, constants], tmp_path / "net.so", codegen.host_triple())
    x = np.random.default_rng(1).standard_normal((1, N)).astype(np.float32)
    (y,) = onnx_mlc.load(str(tmp_path / "net.so"))(x)
    np.testing.assert_allclose(y, np.maximum(x @ W, 0), rtol=1e-5, atol=1e-5)


C_MAIN = r"""
#include <stdio.h>
#include "net.h"
int main(void) {
  float x[40], y[40];
  for (int i = 0; i < 40; ++i) x[i] = (float)(i % 7) - 3.0f;
  int64_t shape[2] = {1, 40};
  mlc_tensor in = {x, shape, 1, 2}, out = {y, shape, 1, 2};
  if (mlc_run(&in, 1, &out, 1) != MLC_OK) return 1;
  for (int i = 0; i < 40; ++i) printf("%.7g\n", y[i]);
  return 0;
}
"""


def test_emit_obj_links_into_a_c_program(model_path, tmp_path):
    obj = tmp_path / "net.o"
    cli(model_path, "--emit=obj", "-O2", "-o", obj)
    data = obj.read_bytes()
    assert data[:4] == b"\x7fELF" and int.from_bytes(data[16:18], "little") == 1  # ET_REL
    assert (tmp_path / "net.h").exists()
    # The weights came in through the separate constants object.
    symbols = subprocess.run(["nm", str(obj)], capture_output=True, text=True, check=True).stdout
    assert " R mlc_const0" in symbols
    (tmp_path / "main.c").write_text(C_MAIN)
    exe = tmp_path / "main"
    subprocess.run(["gcc", "-Wall", "-Werror", "-o", str(exe), "main.c", str(obj), "-lm"],
                   check=True, cwd=tmp_path)
    run = subprocess.run([str(exe)], capture_output=True, text=True)
    assert run.returncode == 0, run
    got = np.array(run.stdout.split(), np.float32)
    x = (np.arange(N) % 7 - 3).astype(np.float32)
    np.testing.assert_allclose(got, np.maximum(x @ W, 0), rtol=1e-5, atol=1e-5)


def test_ld_lld_links_a_host_library_that_computes(model_path, tmp_path):
    """The toolchain that needs nothing of the target (ld.lld, llvm-mc and
    library stubs), used on the host: the library it links loads and
    computes, and needs only libc and libm."""
    import onnx_mlc
    from onnx_mlc import codegen

    out = tmp_path / "net.ll"
    cli(model_path, "--emit=llvm", "-o", out)
    code = tmp_path / "code.o"
    code.write_bytes(codegen.emit_object(out.read_text(), onnx_mlc.compiler.Options()))
    lld, missing = codegen._lld_toolchain(codegen.host_triple())
    assert lld, f"scripts/install.sh installs {missing}"
    library = tmp_path / "net.so"
    with tempfile.TemporaryDirectory() as workdir:
        codegen._run(lld.link_shared([str(code), str(tmp_path / "net.constants.o")],
                                     str(library), workdir), "linking")
    assert needed_libraries(library) == {"libc.so.6", "libm.so.6"}
    x = np.random.default_rng(1).standard_normal((1, N)).astype(np.float32)
    (y,) = onnx_mlc.load(str(library))(x)
    np.testing.assert_allclose(y, np.maximum(x @ W, 0), rtol=1e-5, atol=1e-5)


def needed_libraries(library):
    from onnx_mlc import codegen

    dynamic = subprocess.run([codegen._llvm_tool("llvm-readelf"), "--dynamic-table", str(library)],
                             capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))


def test_aarch64_library_with_no_cross_toolchain(model_path, tmp_path):
    """--target aarch64-linux-gnu links with ld.lld when there is no
    aarch64-linux-gnu-gcc: an AArch64 shared library that needs only libc
    and libm, exports the C ABI, and comes with its header."""
    out = tmp_path / "net.so"
    cli(model_path, "-O3", "--target", "aarch64-linux-gnu", "-o", out)
    data = out.read_bytes()
    assert data[:4] == b"\x7fELF" and int.from_bytes(data[16:18], "little") == 3  # ET_DYN
    assert int.from_bytes(data[18:20], "little") == 183  # EM_AARCH64
    assert needed_libraries(out) == {"libc.so.6", "libm.so.6"}
    from onnx_mlc import codegen

    symbols = subprocess.run([codegen._llvm_tool("llvm-nm"), "-D", "--defined-only", str(out)],
                             capture_output=True, text=True, check=True).stdout
    assert " T mlc_run\n" in symbols
    assert (tmp_path / "net.h").exists()
