#!/usr/bin/env bash
# Regenerates tests/data/models/ (the end-to-end test models and their ONNX Runtime references).
# Test-data tooling, not part of the build; see the top of make_test_models.py for the steps.
#
#   scripts/make_test_models.sh [--only tiny_mlp,tiny_bert] [--out DIR]
#
# Needs Debian's python3-torch python3-torchvision python3-onnx python3-numpy python3-venv, and PyPI
# for the onnxruntime that goes into .venv-models/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's interpreter on purpose: a pyenv or venv python3 earlier on PATH has no Debian torch.
exec /usr/bin/python3 scripts/make_test_models.py all "$@"
