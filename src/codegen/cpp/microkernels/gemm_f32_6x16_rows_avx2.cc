// gemm_f32_6x16_rows for AVX2 + FMA (contract in microkernels.h): the shared register tile
// (gemm_f32_6x16_tile_avx2.cc) with A read in place. Part of codegen/cpp/microkernels/.
//
// Six row pointers lda apart replace the packed tile, so a MatMul whose A is already a
// row-major buffer skips the copy into packed tiles (which costs about as much as the FMAs of
// one 16-column panel per A element). Same order of sums as gemm_f32_6x16.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemmF32x6x16RowsAvx2 = R"(
// gemm_f32_6x16_rows, AVX2 + FMA: C[m_tiles*6, 16] (+)= A[m_tiles*6, kc] (row stride lda) x
// B [kc][16].
static inline void stitch_gemm_f32_6x16_rows(const float* __restrict a, const float* __restrict b,
                                             float* __restrict c, int64_t m_tiles, int64_t kc,
                                             int64_t lda, int64_t ldc, int64_t accumulate) {
  for (int64_t t = 0; t < m_tiles; ++t)
    stitch_gemm_f32_6x16_tile(a + t * 6 * lda, lda, 1, b, c + t * 6 * ldc, kc, ldc, accumulate);
}
)";

}  // namespace stitch::codegen::cpp
