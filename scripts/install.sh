#!/usr/bin/env bash
# Installs onnx-mlc with everything it needs to build and be tested:
# system packages (as root, when apt-get is there), the pinned Python
# packages, then the package itself through scikit-build-core.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc g++ ccache >/dev/null
fi
python3 -m pip install -q -r requirements-dev.txt
python3 -m pip install --no-build-isolation -v . 2>&1 | grep -E "^(--|\[[0-9]+/[0-9]+\]|Successfully|ERROR|error)" | grep -v "^-- Looking\|^-- Performing\|^-- Check" || true
python3 -c "import onnx_mlc" # fails loudly if the install did not work
