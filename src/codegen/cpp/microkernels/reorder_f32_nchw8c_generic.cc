// reorder_f32_nchw8c in plain C++ (contract in microkernels.h), for targets without AVX2. Part
// of codegen/cpp/microkernels/.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kReorderF32Nchw8cGeneric = R"(
// reorder_f32_nchw8c, portable: y[j][l] = l < channels ? x[l * plane + j] : 0.
static inline void stitch_reorder_f32_nchw8c(const float* __restrict x, float* __restrict y,
                                             int64_t channels, int64_t plane, int64_t width) {
  for (int64_t j = 0; j < width; ++j)
    for (int l = 0; l < 8; ++l) y[j * 8 + l] = l < channels ? x[l * plane + j] : 0.0f;
}
)";

}  // namespace stitch::codegen::cpp
