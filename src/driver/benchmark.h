// Timed repeated runs and their statistics, for `stitch bench`. Part of driver/.
#pragma once

#include <string>
#include <vector>

#include "driver/engine.h"

namespace stitch::driver {

struct BenchOptions {
  int warmup = 3;
  int runs = 10;           // at least this many timed runs…
  double min_seconds = 0;  // …and keep going until this much time has been measured
};

struct BenchResult {
  std::vector<double> times_ms;
  double median_ms = 0, min_ms = 0, p90_ms = 0, mean_ms = 0, max_ms = 0;
};

Expected<BenchResult> run_benchmark(Engine& engine, const std::vector<const Tensor*>& inputs,
                                    const BenchOptions& opt);

// Median, min, p90 (nearest rank), mean, max of the samples.
BenchResult summarize_times(std::vector<double> times_ms);

}  // namespace stitch::driver
