// gemm_f32_few_rows in plain C++ (contract in microkernels.h), for targets without AVX2: the
// compiler vectorizes the 16-column inner loop. Part of codegen/cpp/microkernels/.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemmF32FewRowsGeneric = R"(
// gemm_f32_few_rows, portable: rows (0 to 3) rows of A against `panels` panels of B.
static inline void stitch_gemm_f32_few_rows(const float* __restrict a, const float* __restrict b,
                                            float* __restrict c, int64_t rows, int64_t panels,
                                            int64_t kc, int64_t rs, int64_t ks, int64_t ps,
                                            int64_t ldc, int64_t accumulate) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t p = 0; p < panels; ++p) {
      float acc[16] = {};
      for (int64_t k = 0; k < kc; ++k) {
        const float x = a[r * rs + k * ks];
        for (int j = 0; j < 16; ++j) acc[j] += x * b[p * ps + k * 16 + j];
      }
      float* out = c + r * ldc + p * 16;
      for (int j = 0; j < 16; ++j) out[j] = accumulate ? out[j] + acc[j] : acc[j];
    }
  }
}
)";

}  // namespace stitch::codegen::cpp
