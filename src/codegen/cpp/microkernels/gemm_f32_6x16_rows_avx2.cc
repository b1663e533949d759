// gemm_f32_6x16_rows for AVX2 + FMA (contract in microkernels.h). Part of
// codegen/cpp/microkernels/.
//
// gemm_f32_6x16 with A read in place: six row pointers lda apart replace the packed tile, so a
// MatMul whose A is already a row-major buffer skips the copy into packed tiles (which costs
// about as much as the FMAs of one 16-column panel per A element). Same register tile and the
// same order of sums as gemm_f32_6x16.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemmF32x6x16RowsAvx2 = R"(#include <immintrin.h>

// gemm_f32_6x16_rows, AVX2 + FMA: C[m_tiles*6, 16] (+)= A[m_tiles*6, kc] (row stride lda) x
// B [kc][16].
static inline void stitch_gemm_f32_6x16_rows(const float* __restrict a, const float* __restrict b,
                                             float* __restrict c, int64_t m_tiles, int64_t kc,
                                             int64_t lda, int64_t ldc, int64_t accumulate) {
  for (int64_t t = 0; t < m_tiles; ++t) {
    const float* a0 = a + t * 6 * lda;
    const float* a1 = a0 + lda;
    const float* a2 = a1 + lda;
    const float* a3 = a2 + lda;
    const float* a4 = a3 + lda;
    const float* a5 = a4 + lda;
    const float* bp = b;
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#define STITCH_GEMM_ROW(r)                          \
  {                                                 \
    const __m256 x = _mm256_broadcast_ss(a##r + k); \
    c##r##0 = _mm256_fmadd_ps(x, b0, c##r##0);      \
    c##r##1 = _mm256_fmadd_ps(x, b1, c##r##1);      \
  }
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; ++k) {
      const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
      STITCH_GEMM_ROW(0) STITCH_GEMM_ROW(1) STITCH_GEMM_ROW(2)
      STITCH_GEMM_ROW(3) STITCH_GEMM_ROW(4) STITCH_GEMM_ROW(5)
      bp += 16;
    }
#undef STITCH_GEMM_ROW
    float* cp = c + t * 6 * ldc;
#define STITCH_GEMM_STORE(r)                                                        \
  {                                                                                 \
    float* row = cp + r * ldc;                                                      \
    if (accumulate) {                                                               \
      c##r##0 = _mm256_add_ps(c##r##0, _mm256_loadu_ps(row));                       \
      c##r##1 = _mm256_add_ps(c##r##1, _mm256_loadu_ps(row + 8));                   \
    }                                                                               \
    _mm256_storeu_ps(row, c##r##0);                                                 \
    _mm256_storeu_ps(row + 8, c##r##1);                                             \
  }
    STITCH_GEMM_STORE(0) STITCH_GEMM_STORE(1) STITCH_GEMM_STORE(2)
    STITCH_GEMM_STORE(3) STITCH_GEMM_STORE(4) STITCH_GEMM_STORE(5)
#undef STITCH_GEMM_STORE
  }
}
)";

}  // namespace stitch::codegen::cpp
