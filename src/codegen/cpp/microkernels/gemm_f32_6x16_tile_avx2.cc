// The 6 x 16 register tile that gemm_f32_6x16 and gemm_f32_6x16_rows (AVX2 + FMA) share: the
// two differ only in where A's elements are. Part of codegen/cpp/microkernels/; pasted before
// either entry point, once per translation unit (the guard).
//
// Per step of k: two B vectors, six broadcasts of A, twelve FMAs into twelve ymm accumulators
// (6 rows x 16 columns): 15 of the 16 registers, and FMA-bound on Zen 3 / Haswell (8 loads per
// 12 FMAs, two FMA and two vector-load ports).
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemmF32x6x16TileAvx2 = R"(#ifndef STITCH_GEMM_F32_6X16_TILE_AVX2
#define STITCH_GEMM_F32_6X16_TILE_AVX2
#include <immintrin.h>

// C[6, 16] (+)= A[6, kc] x B [kc][16], A's element (r, k) at a[r * rs + k * ks]. Always
// inlined, so that the entry points' strides are constants or loop invariants here.
__attribute__((always_inline)) static inline void stitch_gemm_f32_6x16_tile(
    const float* __restrict a, int64_t rs, int64_t ks, const float* __restrict b,
    float* __restrict c, int64_t kc, int64_t ldc, int64_t accumulate) {
  const float* a0 = a;
  const float* a1 = a0 + rs;
  const float* a2 = a1 + rs;
  const float* a3 = a2 + rs;
  const float* a4 = a3 + rs;
  const float* a5 = a4 + rs;
  const float* bp = b;
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#define STITCH_GEMM_ROW(r)                               \
  {                                                      \
    const __m256 x = _mm256_broadcast_ss(a##r + k * ks); \
    c##r##0 = _mm256_fmadd_ps(x, b0, c##r##0);           \
    c##r##1 = _mm256_fmadd_ps(x, b1, c##r##1);           \
  }
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    STITCH_GEMM_ROW(0) STITCH_GEMM_ROW(1) STITCH_GEMM_ROW(2)
    STITCH_GEMM_ROW(3) STITCH_GEMM_ROW(4) STITCH_GEMM_ROW(5)
    bp += 16;
  }
#undef STITCH_GEMM_ROW
#define STITCH_GEMM_STORE(r)                                  \
  {                                                           \
    float* row = c + r * ldc;                                 \
    if (accumulate) {                                         \
      c##r##0 = _mm256_add_ps(c##r##0, _mm256_loadu_ps(row)); \
      c##r##1 = _mm256_add_ps(c##r##1, _mm256_loadu_ps(row + 8)); \
    }                                                         \
    _mm256_storeu_ps(row, c##r##0);                           \
    _mm256_storeu_ps(row + 8, c##r##1);                       \
  }
  STITCH_GEMM_STORE(0) STITCH_GEMM_STORE(1) STITCH_GEMM_STORE(2)
  STITCH_GEMM_STORE(3) STITCH_GEMM_STORE(4) STITCH_GEMM_STORE(5)
#undef STITCH_GEMM_STORE
}
#endif
)";

}  // namespace stitch::codegen::cpp
