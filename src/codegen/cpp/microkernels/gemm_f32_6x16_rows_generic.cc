// gemm_f32_6x16_rows in plain C++ for targets without AVX2 (contract in microkernels.h). Part of
// codegen/cpp/microkernels/.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemmF32x6x16RowsGeneric = R"(
// gemm_f32_6x16_rows, portable: C[m_tiles*6, 16] (+)= A[m_tiles*6, kc] (row stride lda) x
// B [kc][16].
static inline void stitch_gemm_f32_6x16_rows(const float* __restrict a, const float* __restrict b,
                                             float* __restrict c, int64_t m_tiles, int64_t kc,
                                             int64_t lda, int64_t ldc, int64_t accumulate) {
  for (int64_t i = 0; i < m_tiles * 6; ++i) {
    float acc[16] = {};
    for (int64_t k = 0; k < kc; ++k) {
      const float x = a[i * lda + k];
      for (int j = 0; j < 16; ++j) acc[j] += x * b[k * 16 + j];
    }
    float* row = c + i * ldc;
    for (int j = 0; j < 16; ++j) row[j] = accumulate ? row[j] + acc[j] : acc[j];
  }
}
)";

}  // namespace stitch::codegen::cpp
