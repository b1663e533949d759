// Benchmark loop: warm-up, then timed runs with a steady clock. Part of driver/.
#include "driver/benchmark.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace stitch::driver {

BenchResult summarize_times(std::vector<double> times_ms) {
  BenchResult r;
  if (times_ms.empty()) return r;
  std::vector<double> sorted = times_ms;
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  r.median_ms = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  r.min_ms = sorted.front();
  r.max_ms = sorted.back();
  size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(n)));
  r.p90_ms = sorted[std::max<size_t>(rank, 1) - 1];
  r.mean_ms = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(n);
  r.times_ms = std::move(times_ms);
  return r;
}

Expected<BenchResult> run_benchmark(Engine& engine, const std::vector<const Tensor*>& inputs,
                                    const BenchOptions& opt) {
  if (opt.runs < 1) return error("--runs must be at least 1");
  if (opt.warmup < 0) return error("--warmup must not be negative");
  // Each run hands the previous run's outputs back, as a serving loop would: a run then times
  // the model, not a fresh allocation, zero fill and first touch of its outputs. (A 3 MiB
  // output mapped anew by malloc made a 1.5 ms MatMul take 4 ms in the first runs.)
  std::vector<Tensor> outs;
  for (int i = 0; i < opt.warmup; ++i) {
    STITCH_ASSIGN_OR_RETURN(outs, engine.run_reusing(inputs, std::move(outs)));
  }
  using Clock = std::chrono::steady_clock;
  std::vector<double> times;
  double total_s = 0;
  while (static_cast<int>(times.size()) < opt.runs || total_s < opt.min_seconds) {
    auto t0 = Clock::now();
    STITCH_ASSIGN_OR_RETURN(outs, engine.run_reusing(inputs, std::move(outs)));
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    times.push_back(ms);
    total_s += ms / 1000.0;
  }
  return summarize_times(std::move(times));
}

}  // namespace stitch::driver
