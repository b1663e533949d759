// gemm_f32_few_rows for AVX2 + FMA (contract in microkernels.h). Part of
// codegen/cpp/microkernels/.
//
// One to three rows of A against many packed 16-column panels of B: a classifier's Gemm at
// batch 1, or the last rows of a MatMul whose row count is not a multiple of 6 (bert's 128 rows
// are 21 tiles and 2 rows). The 6 x 16 tile would spend most of its FMAs on zero padding; here
// every FMA is useful, and G panels advance together so that R x G x 2 accumulator chains (8 to
// 12) hide the FMA latency that one row's two chains would wait on. At one row the kernel runs
// at the rate B streams in, which is what a matrix-vector product is bound by.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemmF32FewRowsAvx2 = R"(#include <immintrin.h>

// R rows x G panels: c[r * ldc + (p0 + g) * 16 + j] (+)= sum over k of a[r * rs + k * ks] *
// b[(p0 + g) * ps + k * 16 + j]. The loops over r and g have constant trip counts and unroll
// completely, so the accumulators stay in registers.
template <int R, int G>
static inline void stitch_gemm_f32_few_rows_group(const float* __restrict a, int64_t rs,
                                                  int64_t ks, const float* __restrict b,
                                                  int64_t ps, float* __restrict c, int64_t ldc,
                                                  int64_t kc, int64_t accumulate) {
  __m256 acc[R][G][2];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) acc[r][g][0] = acc[r][g][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m256 bv[G][2];
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
      bv[g][0] = _mm256_loadu_ps(b + g * ps + k * 16);
      bv[g][1] = _mm256_loadu_ps(b + g * ps + k * 16 + 8);
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m256 x = _mm256_broadcast_ss(a + r * rs + k * ks);
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        acc[r][g][0] = _mm256_fmadd_ps(x, bv[g][0], acc[r][g][0]);
        acc[r][g][1] = _mm256_fmadd_ps(x, bv[g][1], acc[r][g][1]);
      }
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
      float* out = c + r * ldc + g * 16;
      if (accumulate) {
        acc[r][g][0] = _mm256_add_ps(acc[r][g][0], _mm256_loadu_ps(out));
        acc[r][g][1] = _mm256_add_ps(acc[r][g][1], _mm256_loadu_ps(out + 8));
      }
      _mm256_storeu_ps(out, acc[r][g][0]);
      _mm256_storeu_ps(out + 8, acc[r][g][1]);
    }
}

// All panels for R rows: groups of G, then single panels.
template <int R, int G>
static inline void stitch_gemm_f32_few_rows_r(const float* __restrict a, int64_t rs, int64_t ks,
                                              const float* __restrict b, int64_t ps,
                                              float* __restrict c, int64_t ldc, int64_t panels,
                                              int64_t kc, int64_t accumulate) {
  int64_t p = 0;
  for (; p + G <= panels; p += G)
    stitch_gemm_f32_few_rows_group<R, G>(a, rs, ks, b + p * ps, ps, c + p * 16, ldc, kc,
                                         accumulate);
  for (; p < panels; ++p)
    stitch_gemm_f32_few_rows_group<R, 1>(a, rs, ks, b + p * ps, ps, c + p * 16, ldc, kc,
                                         accumulate);
}

// gemm_f32_few_rows, AVX2 + FMA: rows (0 to 3) rows of A against `panels` panels of B.
static inline void stitch_gemm_f32_few_rows(const float* __restrict a, const float* __restrict b,
                                            float* __restrict c, int64_t rows, int64_t panels,
                                            int64_t kc, int64_t rs, int64_t ks, int64_t ps,
                                            int64_t ldc, int64_t accumulate) {
  if (rows == 1) {
    stitch_gemm_f32_few_rows_r<1, 4>(a, rs, ks, b, ps, c, ldc, panels, kc, accumulate);
  } else if (rows == 2) {
    stitch_gemm_f32_few_rows_r<2, 2>(a, rs, ks, b, ps, c, ldc, panels, kc, accumulate);
  } else if (rows == 3) {
    stitch_gemm_f32_few_rows_r<3, 2>(a, rs, ks, b, ps, c, ldc, panels, kc, accumulate);
  }
}
)";

}  // namespace stitch::codegen::cpp
