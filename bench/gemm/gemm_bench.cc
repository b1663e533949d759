// Times fp32 GEMM in OpenBLAS (cblas_sgemm) and oneDNN (matmul primitive) on given shapes.
// Part of bench/ (the benchmark harness): bench/gemm/run_gemm.py runs it next to stitch.
//
//   gemm_bench --threads N [--runs R] BxMxNxK...     C[b] (MxN) = A[b] (MxK) * B[b] (KxN)
//
// Row-major, no transposes, alpha 1, beta 0. Prints one JSON line per shape and library with the
// median time of R runs after a warm-up, and the relative L2 difference between the two
// libraries' results (both wrong the same way is unlikely).
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace {

struct Shape {
  long b, m, n, k;
  double flops() const { return 2.0 * b * m * n * k; }
};

double median_ms(const std::function<void()>& fn, int runs) {
  fn();  // warm-up: first-touch pages, library-internal packing buffers, thread start
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
}

void openblas_gemm(const Shape& s, const float* a, const float* b, float* c) {
  for (long i = 0; i < s.b; ++i) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n, s.k, 1.0f, a + i * s.m * s.k,
                s.k, b + i * s.k * s.n, s.n, 0.0f, c + i * s.m * s.n, s.n);
  }
}

// A reusable oneDNN matmul for one shape; primitive creation stays out of the timed loop.
struct OneDnnMatmul {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::matmul prim;
  dnnl::memory a, b, c;

  OneDnnMatmul(const Shape& s, float* pa, float* pb, float* pc) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    dnnl::memory::desc ad({s.b, s.m, s.k}, dt::f32, tag::abc),
        bd({s.b, s.k, s.n}, dt::f32, tag::abc), cd({s.b, s.m, s.n}, dt::f32, tag::abc);
    // oneDNN 2.x (Debian 12 ships 2.6): an op descriptor first, then the primitive descriptor.
    prim = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(ad, bd, cd), eng));
    a = dnnl::memory(ad, eng, pa);
    b = dnnl::memory(bd, eng, pb);
    c = dnnl::memory(cd, eng, pc);
  }
  void run() {
    prim.execute(strm, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    strm.wait();
  }
};

double rel_l2(const std::vector<float>& x, const std::vector<float>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    num += (double(x[i]) - ref[i]) * (double(x[i]) - ref[i]);
    den += double(ref[i]) * ref[i];
  }
  return std::sqrt(num / std::max(den, 1e-30));
}

void report(const char* lib, const char* name, const Shape& s, int threads, double ms, double err) {
  std::printf(
      "{\"lib\": \"%s\", \"shape\": \"%s\", \"b\": %ld, \"m\": %ld, \"n\": %ld, \"k\": %ld, "
      "\"threads\": %d, \"median_ms\": %.6f, \"gflops\": %.3f, \"rel_l2_vs_openblas\": %.3e}\n",
      lib, name, s.b, s.m, s.n, s.k, threads, ms, s.flops() / ms / 1e6, err);
  std::fflush(stdout);
}

void bench_shape(const char* name, const Shape& s, int threads, int runs) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(s.b * s.m * s.k), b(s.b * s.k * s.n), c_blas(s.b * s.m * s.n),
      c_dnnl(c_blas.size());
  for (float& v : a) v = dist(rng);
  for (float& v : b) v = dist(rng);
  double blas_ms = median_ms([&] { openblas_gemm(s, a.data(), b.data(), c_blas.data()); }, runs);
  report("openblas", name, s, threads, blas_ms, 0.0);
  OneDnnMatmul mm(s, a.data(), b.data(), c_dnnl.data());
  double dnnl_ms = median_ms([&] { mm.run(); }, runs);
  report("onednn", name, s, threads, dnnl_ms, rel_l2(c_dnnl, c_blas));
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, runs = 10;
  std::vector<std::string> shapes;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else {
      shapes.push_back(argv[i]);
    }
  }
  if (shapes.empty() || threads < 1 || runs < 1) {
    std::fprintf(stderr, "usage: gemm_bench --threads N [--runs R] BxMxNxK...\n");
    return 1;
  }
  openblas_set_num_threads(threads);
  omp_set_num_threads(threads);  // Debian's oneDNN uses the OpenMP runtime
  for (const auto& str : shapes) {
    Shape s{};
    if (std::sscanf(str.c_str(), "%ldx%ldx%ldx%ld", &s.b, &s.m, &s.n, &s.k) != 4) {
      std::fprintf(stderr, "gemm_bench: bad shape '%s' (want BxMxNxK)\n", str.c_str());
      return 1;
    }
    bench_shape(str.c_str(), s, threads, runs);
  }
  return 0;
}
