// Measures the machine's fp32 FMA peak: every core busy with independent vector FMAs.
// Part of bench/ (the benchmark harness): bench/run.py divides achieved GFLOP/s by this.
//
//   fma_peak [THREADS...]      default: 1 2; the last stdout line is JSON
//
// Each thread runs a loop of FMAs into kAcc independent accumulators, enough to cover the FMA
// latency times the number of FMA pipes (4 cycles x 2 pipes on Zen 3 and Skylake needs 8), and
// few enough to stay in registers (16 ymm / 32 zmm). acc = acc * x + y with x just under 1
// converges to y / (1 - x), so values stay finite and normal. The widest ISA the CPU has is
// used (AVX-512F, else AVX2+FMA).
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace {

// Loaded at run time so the compiler cannot fold the FMAs away.
volatile float g_x = 0.999999f;
volatile float g_y = 1e-6f;

__attribute__((target("avx2,fma"))) float fma_loop_avx2(long iters) {
  constexpr int kAcc = 12;
  const __m256 x = _mm256_set1_ps(g_x), y = _mm256_set1_ps(g_y);
  __m256 acc[kAcc];
  for (auto& a : acc) a = y;
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kAcc; ++j) acc[j] = _mm256_fmadd_ps(acc[j], x, y);
  }
  __m256 s = acc[0];
  for (int j = 1; j < kAcc; ++j) s = _mm256_add_ps(s, acc[j]);
  return _mm256_cvtss_f32(s);
}

__attribute__((target("avx512f"))) float fma_loop_avx512(long iters) {
  constexpr int kAcc = 24;
  const __m512 x = _mm512_set1_ps(g_x), y = _mm512_set1_ps(g_y);
  __m512 acc[kAcc];
  for (auto& a : acc) a = y;
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kAcc; ++j) acc[j] = _mm512_fmadd_ps(acc[j], x, y);
  }
  __m512 s = acc[0];
  for (int j = 1; j < kAcc; ++j) s = _mm512_add_ps(s, acc[j]);
  return _mm512_cvtss_f32(s);
}

struct Isa {
  const char* name;
  float (*loop)(long);
  double flops_per_iter;  // accumulators x lanes x 2 (multiply and add)
};

Isa pick_isa() {
  if (__builtin_cpu_supports("avx512f")) return {"avx512f", fma_loop_avx512, 24 * 16 * 2};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {"avx2+fma", fma_loop_avx2, 12 * 8 * 2};
  }
  return {nullptr, nullptr, 0};
}

// GFLOP/s of `threads` threads running at once for about `seconds`. Each thread times short
// bursts and keeps its best: on a shared machine some bursts run without being preempted, so
// the best burst is the core's speed; the threads all run throughout, so that the clock the
// cores sustain together is the one measured. The total is the sum of the threads' bests.
double measure(const Isa& isa, int threads, double seconds) {
  // About 1 ms per burst at 100 GFLOP/s: far above the clock's resolution, below a time slice.
  const long iters = static_cast<long>(1e8 / isa.flops_per_iter);
  std::vector<double> best(threads, 0.0);
  std::vector<float> sink(threads, 0.0f);
  auto worker = [&](int t) {
    using Clock = std::chrono::steady_clock;
    auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < end) {
      auto t0 = Clock::now();
      sink[t] += isa.loop(iters);
      double s = std::chrono::duration<double>(Clock::now() - t0).count();
      best[t] = std::max(best[t], isa.flops_per_iter * static_cast<double>(iters) / s / 1e9);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  for (auto& th : pool) th.join();
  volatile float keep = std::accumulate(sink.begin(), sink.end(), 0.0f);
  (void)keep;
  return std::accumulate(best.begin(), best.end(), 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  Isa isa = pick_isa();
  if (!isa.loop) {
    std::fprintf(stderr, "fma_peak: this CPU has neither AVX-512F nor AVX2+FMA\n");
    return 1;
  }
  std::vector<int> thread_counts;
  for (int i = 1; i < argc; ++i) thread_counts.push_back(std::atoi(argv[i]));
  if (thread_counts.empty()) thread_counts = {1, 2};
  std::string json = std::string("{\"isa\": \"") + isa.name + "\", \"gflops\": {";
  for (size_t i = 0; i < thread_counts.size(); ++i) {
    int n = thread_counts[i];
    double g = measure(isa, n, 1.0);
    std::printf("fma_peak: %s, %d thread(s): %.1f GFLOP/s (%.1f per thread)\n", isa.name, n, g,
                g / n);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s\"%d\": %.3f", i ? ", " : "", n, g);
    json += buf;
  }
  std::printf("%s}}\n", json.c_str());
  return 0;
}
