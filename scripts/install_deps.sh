#!/usr/bin/env bash
# Installs everything stitch needs to build and test, from Debian 12's apt only. Idempotent:
# packages already present are skipped by apt. Run as root (or with sudo available).
#   scripts/install_deps.sh          build + test dependencies
#   scripts/install_deps.sh --models also what scripts/make_test_models.sh needs (torch)
#   scripts/install_deps.sh --bench  also what bench/ needs: torch for its models and the PyTorch
#                                    peer, OpenBLAS and oneDNN for its GEMM benchmark
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler   # ONNX frontend
  libgtest-dev libgmock-dev                       # unit tests
  libonnx-testdata                                # ONNX backend node tests (conformance)
  python3 python3-numpy                           # test helpers
  clang libclang-rt-14-dev clang-format           # libFuzzer + sanitizers; formatting check
)
models=(python3-torch python3-torchvision python3-onnx python3-venv)
for arg in "$@"; do
  case "$arg" in
    --models) packages+=("${models[@]}") ;;
    --bench) packages+=("${models[@]}" libopenblas-dev libdnnl-dev) ;;
    *) echo "install_deps: unknown option $arg (known: --models, --bench)" >&2; exit 1 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#packages[@]} packages already installed"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install_deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: done"
