#!/usr/bin/env bash
# Runs every test: lit (compiler passes, importer) and then pytest
# (end to end, against onnxruntime and the ONNX reference data).
set -euo pipefail
cd "$(dirname "$0")/.."
lit -sv lit-tests
python3 -m pytest -q tests "$@"
