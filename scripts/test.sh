#!/usr/bin/env bash
# Runs every test: lit (compiler passes, importer) and then pytest
# (end to end, against onnxruntime and the ONNX reference data).
set -euo pipefail
cd "$(dirname "$0")/.."
lit -sv lit-tests
if [ "${ONNX_MLC_TEST_LIGHT:-0}" = 1 ]; then
  python3 -m pytest -q tests "$@"
else
  python3 -m pytest -q -m "not light_models" tests "$@"
fi
