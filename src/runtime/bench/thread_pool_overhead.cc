// Benchmark, not a test: median dispatch + join latency of an empty parallel_for.
// Part of runtime/; checks DESIGN 3.7's goal that a few-microsecond kernel pays little to fork.
//
// Usage: thread_pool_overhead [threads...]   (default: 1 2). For each thread count it prints
// the latency of back-to-back dispatches (workers spinning) and of dispatches after 5 ms idle
// (workers asleep in the futex), as median / 90th / 99th percentile and mean in microseconds.
// The clock reads around each call add about 0.03 us (the one-thread line shows the floor).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "runtime/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, mean = 0;
};

Percentiles percentiles(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[static_cast<size_t>(q * (us.size() - 1))]; };
  double sum = 0;
  for (double x : us) sum += x;
  return {at(0.5), at(0.9), at(0.99), sum / us.size()};
}

// Times `iterations` dispatches of an empty task over one task per thread.
std::vector<double> time_dispatches(stitch::runtime::ThreadPool& pool, int iterations,
                                    std::chrono::microseconds idle) {
  std::vector<double> us;
  us.reserve(iterations);
  const int64_t n = pool.num_threads();
  for (int i = 0; i < iterations; ++i) {
    if (idle.count() > 0) std::this_thread::sleep_for(idle);
    const auto start = Clock::now();
    pool.parallel_for(n, [](int64_t, int64_t, int) {});
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  return us;
}

void report(const char* what, int threads, const Percentiles& p) {
  std::printf("threads=%d %-18s median %7.2f us  p90 %7.2f us  p99 %7.2f us  mean %7.2f us\n",
              threads, what, p.p50, p.p90, p.p99, p.mean);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts;
  for (int i = 1; i < argc; ++i) thread_counts.push_back(std::atoi(argv[i]));
  if (thread_counts.empty()) thread_counts = {1, 2};
  for (int threads : thread_counts) {
    stitch::runtime::ThreadPool pool(threads);
    time_dispatches(pool, 1000, std::chrono::microseconds(0));  // warm-up
    report("back-to-back:", pool.num_threads(),
           percentiles(time_dispatches(pool, 100000, std::chrono::microseconds(0))));
    report("after 5 ms idle:", pool.num_threads(),
           percentiles(time_dispatches(pool, 200, std::chrono::microseconds(5000))));
  }
  return 0;
}
