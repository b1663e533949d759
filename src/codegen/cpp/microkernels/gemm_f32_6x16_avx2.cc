// gemm_f32_6x16 for AVX2 + FMA (contract in microkernels.h): the shared register tile
// (gemm_f32_6x16_tile_avx2.cc) over packed A tiles. Part of codegen/cpp/microkernels/.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemmF32x6x16Avx2 = R"(
// gemm_f32_6x16, AVX2 + FMA: C[m_tiles*6, 16] (+)= packed A tiles [m_tiles][kc][6] x B [kc][16].
static inline void stitch_gemm_f32_6x16(const float* __restrict a, const float* __restrict b,
                                        float* __restrict c, int64_t m_tiles, int64_t kc,
                                        int64_t ldc, int64_t accumulate) {
  // Row r of a packed tile at r, column k at k * 6.
  for (int64_t t = 0; t < m_tiles; ++t)
    stitch_gemm_f32_6x16_tile(a + t * kc * 6, 1, 6, b, c + t * 6 * ldc, kc, ldc, accumulate);
}
)";

}  // namespace stitch::codegen::cpp
