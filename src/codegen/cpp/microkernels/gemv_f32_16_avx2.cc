// gemv_f32_16 for AVX2 + FMA (contract in microkernels.h). Part of codegen/cpp/microkernels/.
//
// One row of A against many packed 16-column panels of B: a classifier's Gemm at batch 1. The
// 6 x 16 GEMM tile would spend 6 FMAs per B load on five rows of zero padding; here every FMA
// is useful and four panels advance together, so eight accumulator chains (two per panel) hide
// the FMA latency that a lone panel's two chains would wait on. The kernel then runs at the
// rate B streams in, which is what a matrix-vector product is bound by.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemvF32x16Avx2 = R"(#include <immintrin.h>

// gemv_f32_16, AVX2 + FMA: c[p * 16 + j] (+)= sum over k < kc of a[k * ks] * b[p * ps + k * 16 + j].
static inline void stitch_gemv_f32_16(const float* __restrict a, const float* __restrict b,
                                      float* __restrict c, int64_t panels, int64_t kc, int64_t ks,
                                      int64_t ps, int64_t accumulate) {
  int64_t p = 0;
  for (; p + 4 <= panels; p += 4) {
    const float* b0 = b + p * ps;
    const float* b1 = b0 + ps;
    const float* b2 = b1 + ps;
    const float* b3 = b2 + ps;
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
#pragma GCC unroll 2
    for (int64_t k = 0; k < kc; ++k) {
      const __m256 x = _mm256_broadcast_ss(a + k * ks);
      c00 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b0 + k * 16), c00);
      c01 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b0 + k * 16 + 8), c01);
      c10 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b1 + k * 16), c10);
      c11 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b1 + k * 16 + 8), c11);
      c20 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b2 + k * 16), c20);
      c21 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b2 + k * 16 + 8), c21);
      c30 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b3 + k * 16), c30);
      c31 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b3 + k * 16 + 8), c31);
    }
#define STITCH_GEMV_STORE(q)                                                  \
  {                                                                           \
    float* out = c + (p + q) * 16;                                            \
    if (accumulate) {                                                         \
      c##q##0 = _mm256_add_ps(c##q##0, _mm256_loadu_ps(out));                 \
      c##q##1 = _mm256_add_ps(c##q##1, _mm256_loadu_ps(out + 8));             \
    }                                                                         \
    _mm256_storeu_ps(out, c##q##0);                                           \
    _mm256_storeu_ps(out + 8, c##q##1);                                       \
  }
    STITCH_GEMV_STORE(0) STITCH_GEMV_STORE(1) STITCH_GEMV_STORE(2) STITCH_GEMV_STORE(3)
#undef STITCH_GEMV_STORE
  }
  for (; p < panels; ++p) {
    const float* bp = b + p * ps;
    __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; ++k) {
      const __m256 x = _mm256_broadcast_ss(a + k * ks);
      c0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(bp + k * 16), c0);
      c1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(bp + k * 16 + 8), c1);
    }
    float* out = c + p * 16;
    if (accumulate) {
      c0 = _mm256_add_ps(c0, _mm256_loadu_ps(out));
      c1 = _mm256_add_ps(c1, _mm256_loadu_ps(out + 8));
    }
    _mm256_storeu_ps(out, c0);
    _mm256_storeu_ps(out + 8, c1);
  }
}
)";

}  // namespace stitch::codegen::cpp
