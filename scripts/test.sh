#!/usr/bin/env bash
# Installs dependencies, builds stitch and runs the whole test suite: unit, golden, e2e and
# the ONNX conformance suite in an optimized build, then the same tests plus the fuzz targets
# under AddressSanitizer + UndefinedBehaviorSanitizer (clang). CI runs exactly this.
#   scripts/test.sh            everything
#   scripts/test.sh --fast     skip the sanitizer build
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/install_deps.sh

echo "== build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTITCH_TESTS=ON >/dev/null
ninja -C build
echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs"

if [[ "${1:-}" == "--fast" ]]; then exit 0; fi

echo "== build (clang, ASan + UBSan, libFuzzer)"
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTITCH_SANITIZE=ON -DSTITCH_FUZZ=ON -DSTITCH_FUZZ_SECONDS="${STITCH_FUZZ_SECONDS:-60}" >/dev/null
ninja -C build-asan
echo "== tests under sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
