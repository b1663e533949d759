// gemv_f32_16 in plain C++ (contract in microkernels.h), for targets without AVX2: the
// compiler vectorizes the 16-column inner loop. Part of codegen/cpp/microkernels/.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kGemvF32x16Generic = R"(
// gemv_f32_16, portable: c[p * 16 + j] (+)= sum over k < kc of a[k * ks] * b[p * ps + k * 16 + j].
static inline void stitch_gemv_f32_16(const float* __restrict a, const float* __restrict b,
                                      float* __restrict c, int64_t panels, int64_t kc, int64_t ks,
                                      int64_t ps, int64_t accumulate) {
  for (int64_t p = 0; p < panels; ++p) {
    float acc[16] = {};
    for (int64_t k = 0; k < kc; ++k) {
      const float x = a[k * ks];
      for (int j = 0; j < 16; ++j) acc[j] += x * b[p * ps + k * 16 + j];
    }
    float* out = c + p * 16;
    for (int j = 0; j < 16; ++j) out[j] = accumulate ? out[j] + acc[j] : acc[j];
  }
}
)";

}  // namespace stitch::codegen::cpp
