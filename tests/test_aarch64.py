"""AArch64 libraries, run under qemu-aarch64 on this host.

Each model is compiled with --target aarch64-linux-gnu (linked by ld.lld,
with NEON kernels). A host program, written here in LLVM IR, compiled for
AArch64 by llvmlite and linked against Debian's libc6-arm64-cross, reads the
inputs from a file, calls <prefix>_run and writes the outputs to another;
they are checked against onnxruntime run on this host. scripts/install.sh
installs qemu-user, libc6-arm64-cross and libc6-dev-arm64-cross."""

import subprocess
import sys
from pathlib import Path

import llvmlite.binding as llvm
import numpy as np
import pytest

from conftest import run_reference
from test_kernels import deep_stage_block, mobile_block, squeeze_excite_block, torch_mlp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from test_models import lenet  # noqa: E402

SYSROOT = Path("/usr/aarch64-linux-gnu")
TRIPLE = "aarch64-unknown-linux-gnu"


def host_ir(inputs, outputs):
    """main(argc, argv): inputs from argv[1], outputs to argv[2], float32
    arrays of these shapes, in order; returns the run's status."""
    shapes = [("in", i, a.shape) for i, a in enumerate(inputs)]
    shapes += [("out", i, a.shape) for i, a in enumerate(outputs)]
    lines = [f'target triple = "{TRIPLE}"', "%tensor = type { ptr, ptr, i32, i32 }"]
    # Shapes are writable: the library reports output shapes through them.
    for kind, i, shape in shapes:
        dims = ", ".join(f"i64 {d}" for d in shape)
        lines.append(f"@{kind}{i}.shape = private global [{len(shape)} x i64] [{dims}]")
    lines += ['@rb = private constant [3 x i8] c"rb\\00"',
              '@wb = private constant [3 x i8] c"wb\\00"',
              "declare i32 @mlc_run(ptr, i64, ptr, i64)", "declare ptr @fopen(ptr, ptr)",
              "declare i64 @fread(ptr, i64, i64, ptr)", "declare i64 @fwrite(ptr, i64, i64, ptr)",
              "declare i32 @fclose(ptr)", "declare ptr @malloc(i64)",
              "define i32 @main(i32 %argc, ptr %argv) {",
              "  %inpath.at = getelementptr ptr, ptr %argv, i64 1",
              "  %inpath = load ptr, ptr %inpath.at",
              "  %outpath.at = getelementptr ptr, ptr %argv, i64 2",
              "  %outpath = load ptr, ptr %outpath.at",
              "  %infile = call ptr @fopen(ptr %inpath, ptr @rb)",
              "  %outfile = call ptr @fopen(ptr %outpath, ptr @wb)",
              f"  %ins = alloca %tensor, i64 {len(inputs)}",
              f"  %outs = alloca %tensor, i64 {len(outputs)}"]
    for kind, arrays in (("in", inputs), ("out", outputs)):
        for i, a in enumerate(arrays):
            t = f"%{kind}{i}"
            lines += [f"  {t}.data = call ptr @malloc(i64 {4 * a.size})",
                      f"  {t} = getelementptr %tensor, ptr %{kind}s, i64 {i}",
                      f"  store %tensor {{ ptr null, ptr @{kind}{i}.shape, i32 1, i32 {a.ndim} }},"
                      f" ptr {t}",
                      f"  store ptr {t}.data, ptr {t}"]
            if kind == "in":
                lines.append(f"  {t}.read = call i64 @fread(ptr {t}.data, i64 4, i64 {a.size},"
                             " ptr %infile)")
    lines.append(f"  %status = call i32 @mlc_run(ptr %ins, i64 {len(inputs)}, ptr %outs,"
                 f" i64 {len(outputs)})")
    for i, a in enumerate(outputs):
        lines.append(f"  %out{i}.written = call i64 @fwrite(ptr %out{i}.data, i64 4,"
                     f" i64 {a.size}, ptr %outfile)")
    lines += ["  %c1 = call i32 @fclose(ptr %infile)", "  %c2 = call i32 @fclose(ptr %outfile)",
              "  ret i32 %status", "}"]
    return "\n".join(lines) + "\n"


def host_program(library, inputs, outputs, workdir):
    """The host executable for `library` (named by its path: it has no
    soname)."""
    from onnx_mlc import codegen

    codegen._init_llvm()
    machine = llvm.Target.from_triple(TRIPLE).create_target_machine(reloc="pic")
    module = llvm.parse_assembly(host_ir(inputs, outputs))
    module.verify()
    obj = workdir / "host.o"
    obj.write_bytes(machine.emit_object(module))
    lld, missing = codegen._lld_toolchain(TRIPLE)
    assert lld and SYSROOT.is_dir(), f"scripts/install.sh installs {missing or SYSROOT}"
    lib = SYSROOT / "lib"
    program = workdir / "host"
    subprocess.run([lld.ld, "-o", str(program), "--dynamic-linker", "/lib/ld-linux-aarch64.so.1",
                    str(lib / "crt1.o"), str(lib / "crti.o"), str(obj), str(library),
                    "-L", str(lib), "-lc", str(lib / "crtn.o")], check=True)
    return program


MODELS = {"lenet": lenet, "mlp-torch-b1": lambda: torch_mlp(1), "mobile-block": mobile_block,
          "deep-stage": deep_stage_block, "squeeze-excite": squeeze_excite_block}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_aarch64_library_under_qemu(tmp_path, name):
    model, feeds = MODELS[name]()
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    library = tmp_path / "model.so"
    subprocess.run([sys.executable, "-m", "onnx_mlc.cli", str(path), "-O3", "--target",
                    "aarch64-linux-gnu", "-o", str(library)], check=True)
    inputs = [feeds[i.name] for i in model.graph.input if i.name in feeds]
    want = run_reference(model, feeds)
    program = host_program(library, inputs, want, tmp_path)
    np.concatenate([a.ravel() for a in inputs]).astype(np.float32).tofile(tmp_path / "in.bin")
    run = subprocess.run(["qemu-aarch64", "-L", str(SYSROOT), str(program),
                          str(tmp_path / "in.bin"), str(tmp_path / "out.bin")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    got = np.fromfile(tmp_path / "out.bin", dtype=np.float32)
    offset = 0
    for w in want:
        np.testing.assert_allclose(got[offset:offset + w.size].reshape(w.shape), w,
                                   rtol=1e-4, atol=1e-4)
        offset += w.size
    assert offset == got.size
