#!/usr/bin/env bash
# Quick start: install dependencies (Debian 12 apt), build stitch, and run it on the bundled
# example model (a small ResNet), printing its outputs and latency.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTITCH_TESTS=OFF >/dev/null
ninja -C build stitch

model=tests/data/models/tiny_resnet
echo
echo "== stitch info $model/model.onnx"
build/tools/stitch info "$model/model.onnx"
echo
echo "== stitch run (compiled: passes, layouts, partition, lowering, C++, system compiler)"
build/tools/stitch run "$model/model.onnx" --input "$model/input_0.npy" \
  --output-dir out/tiny_resnet --time-stages
echo
echo "== stitch run --engine reference (the interpreter)"
build/tools/stitch run "$model/model.onnx" --input "$model/input_0.npy" --engine reference \
  --output-dir out/tiny_resnet_reference
echo
echo "== stitch check (compiled vs reference interpreter)"
build/tools/stitch check "$model/model.onnx" --input "$model/input_0.npy"
echo
echo "== stitch compile -o out/tiny_resnet.stitch, then run the artifact"
build/tools/stitch compile "$model/model.onnx" --input "$model/input_0.npy" -o out/tiny_resnet.stitch
build/tools/stitch run out/tiny_resnet.stitch --input "$model/input_0.npy" \
  --output-dir out/tiny_resnet_artifact
echo
echo "== stitch bench (compiled, then reference)"
build/tools/stitch bench "$model/model.onnx" --input "$model/input_0.npy" --warmup 3 --runs 20
build/tools/stitch bench "$model/model.onnx" --input "$model/input_0.npy" --warmup 3 --runs 20 \
  --engine reference
