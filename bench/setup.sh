#!/usr/bin/env bash
# Sets up the benchmark harness (bench/README.md): Debian packages through
# scripts/install_deps.sh --bench (torch for the models and the PyTorch peer, OpenBLAS, oneDNN),
# then bench/.venv (git-ignored) with the peers from PyPI. Idempotent: what is there is kept.
#
# The venv is made from Debian's /usr/bin/python3 (3.11). Each peer is installed on its own, so
# that one without a wheel for this Python leaves the others working; the harness then reports
# that peer as failed. Versions are pinned so that results stay comparable across runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh --bench

venv=bench/.venv
if [[ ! -x $venv/bin/python ]]; then
  /usr/bin/python3 -m venv "$venv"
fi
py=$venv/bin/python

# "pip requirement|module to import"
packages=(
  "numpy==2.4.6|numpy"
  "onnx==1.23.2|onnx"
  "onnxruntime==1.31.1|onnxruntime"
  "openvino==2026.4.1|openvino"
  "apache-tvm==0.27.0.post1|tvm"
)
failed=()
for entry in "${packages[@]}"; do
  req=${entry%|*} module=${entry#*|}
  if [[ $("$py" -m pip show "${req%%==*}" 2>/dev/null | sed -n 's/^Version: //p') == "${req#*==}" ]] &&
    "$py" -c "import $module" 2>/dev/null; then
    echo "setup: $req present"
    continue
  fi
  echo "setup: installing $req"
  if ! "$py" -m pip install -q --disable-pip-version-check "$req"; then
    failed+=("$req")
    echo "setup: $req did not install (no wheel for $("$py" -V)?); bench/run.py will report it as failed"
  elif ! "$py" -c "import $module" >/dev/null 2>&1; then
    failed+=("$req")
    echo "setup: $req installed but 'import $module' fails; bench/run.py will report it as failed"
  fi
done

if ! /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  failed+=("python3-torch")
  echo "setup: Debian's python3-torch does not import; the models cannot be generated"
fi
if ((${#failed[@]})); then
  echo "setup: done, without ${failed[*]}"
else
  echo "setup: done; all peers installed"
fi
