// The transforms of Winograd F(4x4, 3x3) for AVX2 + FMA (contract in microkernels.h): the input
// transform B^T d B of 6x6 patches and the output transform A^T m A to 4x4 pixels, on 8-lane
// vectors (one vector = the 8 channels of a block). Part of codegen/cpp/microkernels/.
//
// Both are separable: the 1-D transform runs down the 6 columns, then along the rows of the
// result, as straight-line adds and FMAs with the common subexpressions of Lavin & Gray's
// matrices shared (B^T: 12 ops per 6 values, A^T: 8 per 4). The shared helpers are pasted first,
// once per translation unit (the guard), like the GEMM's register tile.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kWinogradF32x4x4x3x3CommonAvx2 = R"(#ifndef STITCH_WINOGRAD_F32_4X4_3X3_AVX2
#define STITCH_WINOGRAD_F32_4X4_3X3_AVX2
#include <immintrin.h>

// r = B^T d for 6 vectors d, with
//   B^T = [4  0 -5  0 1 0]
//         [0 -4 -4  1 1 0]
//         [0  4 -4 -1 1 0]
//         [0 -2 -1  2 1 0]
//         [0  2 -1 -2 1 0]
//         [0  4  0 -5 0 1]
__attribute__((always_inline)) static inline void stitch_winograd_bt6_avx2(const __m256* d,
                                                                         __m256* r) {
  const __m256 two = _mm256_set1_ps(2.0f), four = _mm256_set1_ps(4.0f);
  const __m256 five = _mm256_set1_ps(5.0f);
  const __m256 t1 = _mm256_fnmadd_ps(four, d[2], d[4]);  // d4 - 4 d2
  const __m256 t2 = _mm256_fnmadd_ps(four, d[1], d[3]);  // d3 - 4 d1
  const __m256 t3 = _mm256_sub_ps(d[4], d[2]);
  const __m256 t4 = _mm256_mul_ps(two, _mm256_sub_ps(d[3], d[1]));
  r[0] = _mm256_fmadd_ps(four, d[0], _mm256_fnmadd_ps(five, d[2], d[4]));
  r[1] = _mm256_add_ps(t1, t2);
  r[2] = _mm256_sub_ps(t1, t2);
  r[3] = _mm256_add_ps(t3, t4);
  r[4] = _mm256_sub_ps(t3, t4);
  r[5] = _mm256_fmadd_ps(four, d[1], _mm256_fnmadd_ps(five, d[3], d[5]));
}

// o = A^T m for 6 vectors m, with
//   A^T = [1 1  1 1  1 0]
//         [0 1 -1 2 -2 0]
//         [0 1  1 4  4 0]
//         [0 1 -1 8 -8 1]
__attribute__((always_inline)) static inline void stitch_winograd_at6_avx2(const __m256* m,
                                                                         __m256* o) {
  const __m256 s12 = _mm256_add_ps(m[1], m[2]), d12 = _mm256_sub_ps(m[1], m[2]);
  const __m256 s34 = _mm256_add_ps(m[3], m[4]), d34 = _mm256_sub_ps(m[3], m[4]);
  o[0] = _mm256_add_ps(_mm256_add_ps(m[0], s12), s34);
  o[1] = _mm256_fmadd_ps(_mm256_set1_ps(2.0f), d34, d12);
  o[2] = _mm256_fmadd_ps(_mm256_set1_ps(4.0f), s34, s12);
  o[3] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8.0f), d34, d12), m[5]);
}

// One channel block: V[6i + j] = (B^T d B)[i][j], stored at v + (6i + j) * ldv. kInside: the whole
// patch lies in the image (one base pointer); otherwise rows and columns outside read zeros.
template <bool kInside>
__attribute__((always_inline)) static inline void stitch_winograd_input_block_avx2(
    const float* __restrict x, float* __restrict v, int64_t wd, int64_t ih0, int64_t iw0,
    unsigned row_ok, unsigned col_ok, int64_t ldv) {
  __m256 t[6][6];  // t[i][j] = (B^T d)[i][j]
#pragma GCC unroll 6
  for (int j = 0; j < 6; ++j) {
    __m256 d[6], r[6];
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      if (kInside || ((row_ok >> i) & (col_ok >> j) & 1u)) {
        d[i] = _mm256_loadu_ps(x + ((ih0 + i) * wd + iw0 + j) * 8);
      } else {
        d[i] = _mm256_setzero_ps();
      }
    }
    stitch_winograd_bt6_avx2(d, r);
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) t[i][j] = r[i];
  }
#pragma GCC unroll 6
  for (int i = 0; i < 6; ++i) {
    __m256 r[6];
    stitch_winograd_bt6_avx2(t[i], r);
#pragma GCC unroll 6
    for (int j = 0; j < 6; ++j) _mm256_storeu_ps(v + (i * 6 + j) * ldv, r[j]);
  }
}
#endif
)";

const char* const kWinogradF32x4x4x3x3InputAvx2 = R"(
// winograd_f32_4x4_3x3_input, AVX2 + FMA: V = B^T d B of the 6x6 patch at (ih0, iw0) of each of
// the cb channel blocks of x, zero outside the image.
static inline void stitch_winograd_f32_4x4_3x3_input(const float* __restrict x,
                                                     float* __restrict v, int64_t cb, int64_t h,
                                                     int64_t wd, int64_t ih0, int64_t iw0,
                                                     int64_t ldv) {
  const int64_t plane = h * wd * 8;
  if (ih0 >= 0 && iw0 >= 0 && ih0 + 6 <= h && iw0 + 6 <= wd) {
    for (int64_t c = 0; c < cb; ++c)
      stitch_winograd_input_block_avx2<true>(x + c * plane, v + c * 8, wd, ih0, iw0, 0, 0, ldv);
    return;
  }
  unsigned row_ok = 0, col_ok = 0;
  for (int i = 0; i < 6; ++i) {
    row_ok |= (ih0 + i >= 0 && ih0 + i < h) ? 1u << i : 0u;
    col_ok |= (iw0 + i >= 0 && iw0 + i < wd) ? 1u << i : 0u;
  }
  for (int64_t c = 0; c < cb; ++c)
    stitch_winograd_input_block_avx2<false>(x + c * plane, v + c * 8, wd, ih0, iw0, row_ok,
                                            col_ok, ldv);
}
)";

const char* const kWinogradF32x4x4x3x3OutputAvx2 = R"(
// winograd_f32_4x4_3x3_output, AVX2 + FMA: y[4i + j] = (A^T m A)[i][j] for one block of 8
// channels, m's 36 vectors ldm floats apart; y is [4][4][8].
static inline void stitch_winograd_f32_4x4_3x3_output(const float* __restrict m,
                                                      float* __restrict y, int64_t ldm) {
  __m256 t[4][6];  // t[i][j] = (A^T m)[i][j]
#pragma GCC unroll 6
  for (int j = 0; j < 6; ++j) {
    __m256 col[6], o[4];
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) col[i] = _mm256_loadu_ps(m + (i * 6 + j) * ldm);
    stitch_winograd_at6_avx2(col, o);
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) t[i][j] = o[i];
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    __m256 o[4];
    stitch_winograd_at6_avx2(t[i], o);
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) _mm256_storeu_ps(y + (i * 4 + j) * 8, o[j]);
  }
}
)";

}  // namespace stitch::codegen::cpp
