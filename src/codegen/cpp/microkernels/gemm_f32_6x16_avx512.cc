// gemm_f32_6x16 for AVX-512 F (contract in microkernels.h). Part of codegen/cpp/microkernels/.
//
// One zmm holds a whole 16-column row, so two 6-row tiles run together: twelve zmm accumulators
// share each B vector (one load, twelve broadcasts, twelve FMAs per step of k). A lone last tile
// runs with six. Panels 16 wide keep the packed weight layout the same on every x86 target.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemmF32x6x16Avx512 = R"(#include <immintrin.h>

// kTiles (1 or 2) tiles of 6 rows x 16 columns with one zmm accumulator per row.
template <int kTiles>
static inline void stitch_gemm_f32_6x16_tiles(const float* __restrict a, const float* __restrict b,
                                              float* __restrict c, int64_t kc, int64_t ldc,
                                              int64_t accumulate) {
  constexpr int kRows = 6 * kTiles;
  __m512 acc[kRows];
#pragma GCC unroll 12
  for (int r = 0; r < kRows; ++r) acc[r] = _mm512_setzero_ps();
  const float* ap = a;
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 bv = _mm512_loadu_ps(b + k * 16);
#pragma GCC unroll 12
    for (int r = 0; r < kRows; ++r) {
      const float* arow = ap + (r / 6) * kc * 6 + r % 6;
      acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(*arow), bv, acc[r]);
    }
    ap += 6;
  }
#pragma GCC unroll 12
  for (int r = 0; r < kRows; ++r) {
    float* row = c + r * ldc;
    if (accumulate) acc[r] = _mm512_add_ps(acc[r], _mm512_loadu_ps(row));
    _mm512_storeu_ps(row, acc[r]);
  }
}

// gemm_f32_6x16, AVX-512: C[m_tiles*6, 16] (+)= packed A tiles [m_tiles][kc][6] x B [kc][16].
static inline void stitch_gemm_f32_6x16(const float* __restrict a, const float* __restrict b,
                                        float* __restrict c, int64_t m_tiles, int64_t kc,
                                        int64_t ldc, int64_t accumulate) {
  int64_t t = 0;
  for (; t + 2 <= m_tiles; t += 2) {
    stitch_gemm_f32_6x16_tiles<2>(a + t * kc * 6, b, c + t * 6 * ldc, kc, ldc, accumulate);
  }
  if (t < m_tiles) {
    stitch_gemm_f32_6x16_tiles<1>(a + t * kc * 6, b, c + t * 6 * ldc, kc, ldc, accumulate);
  }
}
)";

}  // namespace stitch::codegen::cpp
