// gemm_f32_6x16 in plain C++ for targets without a hand-written kernel (SSE2 baseline, non-x86):
// the compiler vectorizes the 16-column inner loop. Part of codegen/cpp/microkernels/.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemmF32x6x16Generic = R"(
// gemm_f32_6x16, portable: C[m_tiles*6, 16] (+)= packed A tiles [m_tiles][kc][6] x B [kc][16].
static inline void stitch_gemm_f32_6x16(const float* __restrict a, const float* __restrict b,
                                        float* __restrict c, int64_t m_tiles, int64_t kc,
                                        int64_t ldc, int64_t accumulate) {
  // Row by row, so that one row's 16 accumulators fit the registers of any SIMD width.
  for (int64_t t = 0; t < m_tiles; ++t) {
    const float* ap = a + t * kc * 6;
    for (int r = 0; r < 6; ++r) {
      float acc[16] = {};
      for (int64_t k = 0; k < kc; ++k) {
        const float x = ap[k * 6 + r];
        for (int j = 0; j < 16; ++j) acc[j] += x * b[k * 16 + j];
      }
      float* row = c + (t * 6 + r) * ldc;
      for (int j = 0; j < 16; ++j) row[j] = accumulate ? row[j] + acc[j] : acc[j];
    }
  }
}
)";

}  // namespace stitch::codegen::cpp
