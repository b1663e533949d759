#!/usr/bin/env bash
# The benchmark in one command (bench/README.md): set up the peers, build stitch (Release, in
# build-bench/), generate the models, time stitch against the peers, then the GEMM benchmark.
#
#   bash bench/run.sh [--quick] [--no-gemm] [--stitch PATH] [ARGS for bench/run.py...]
#
#   --quick        tiny models, few rounds, a few GEMM shapes: minutes, for development
#   --no-gemm      skip bench/gemm
#   --stitch PATH  time this stitch binary instead of building build-bench/tools/stitch
set -euo pipefail
cd "$(dirname "$0")/.."

quick=() gemm=1 stitch="" extra=()
while (($#)); do
  case "$1" in
    --quick) quick=(--quick) ;;
    --no-gemm) gemm=0 ;;
    --stitch) stitch=$2; shift ;;
    *) extra+=("$1") ;;
  esac
  shift
done

bash bench/setup.sh
if [[ -z $stitch ]]; then
  stitch=build-bench/tools/stitch
  if [[ ! -f build-bench/build.ninja ]]; then
    cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTITCH_TESTS=OFF
  fi
  cmake --build build-bench --target stitch -j "$(nproc)"
fi
# Debian's interpreter on purpose: the models need python3-torch, which no venv has.
/usr/bin/python3 bench/models/make_models.py bench/build/models ${quick:+--tiny}
bench/.venv/bin/python bench/run.py "${quick[@]}" --stitch "$stitch" "${extra[@]}"
if ((gemm)); then
  bench/.venv/bin/python bench/gemm/run_gemm.py "${quick[@]}" --stitch "$stitch"
fi
