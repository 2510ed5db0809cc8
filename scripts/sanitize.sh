#!/usr/bin/env bash
# Builds the C++ part with AddressSanitizer and UndefinedBehaviorSanitizer
# in build-asan/, assembles a sanitized copy of the package beside it, and
# runs lit, the conformance suite and the fuzz corpus through it. Any
# sanitizer report fails the run. Needs what scripts/install.sh installs.
#   scripts/sanitize.sh [number of fuzz mutants, default 1500]
set -euo pipefail
cd "$(dirname "$0")/.."
mutants=${1:-1500}
site=$(python3 -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
build=build-asan
# -O1: what the sanitizers recommend, and a build much faster than -O3.
cmake -G Ninja -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DONNX_MLC_SANITIZE=ON \
  -DCMAKE_CXX_VISIBILITY_PRESET=hidden -DPython3_EXECUTABLE="$(command -v python3)" \
  -DCMAKE_PREFIX_PATH="$site" >/dev/null
ninja -C "$build" | grep -E "^\[[0-9]+/[0-9]+\] Linking|FAILED|error:" || true
test "${PIPESTATUS[0]}" -eq 0

# The package: Python sources from python/, native parts from the build.
pkg=$build/package
rm -rf "$pkg"
mkdir -p "$pkg/onnx_mlc/bin" "$pkg/onnx_mlc/include"
cp python/onnx_mlc/*.py "$pkg/onnx_mlc/"
cp -r "$build/python_packages/onnx_mlc/mlir" "$pkg/onnx_mlc/"
cp "$build/bin/onnx-mlc-opt" "$pkg/onnx_mlc/bin/"
cp cpp/include/onnx_mlc-c/ModelABI.h "$pkg/onnx_mlc/include/"
ln -s "$site/llvm" "$pkg/llvm"  # the extensions' RPATH is $ORIGIN/../../../llvm/lib

export PYTHONPATH=$PWD/$pkg ONNX_MLC_OPT=$PWD/$build/bin/onnx-mlc-opt ONNX_MLC_CACHE=0
# Python is not instrumented, so the runtimes come first. Leaks are not
# checked (the interpreter keeps memory to the end); a failed allocation
# returns NULL as malloc does, which the compiler must handle. LLVM's
# allocators poison and unpoison their slabs when compiled with ASan, but
# only our objects are, so MLIR's uninstrumented copies of the same inline
# code would hand out poisoned memory: user poisoning is off.
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:abort_on_error=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
python3 -c "import onnx_mlc, sys; assert onnx_mlc.__file__.startswith('$PWD/$pkg'), onnx_mlc.__file__"
lit -sv lit-tests
python3 tests/conformance.py
python3 tests/fuzz.py -n "$mutants" --seed 0
