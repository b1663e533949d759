// conv_f32_nchw8c in portable C++ (contract in microkernels.h), for targets without AVX2. Part
// of codegen/cpp/microkernels/. Same sums as the AVX2 version, in plain loops.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kConvF32Nchw8cGeneric = R"(
// conv_f32_nchw8c, portable: `rows` output rows of nb (1 to 3) output channel blocks.
static inline void stitch_conv_f32_nchw8c(const float* __restrict x, const float* __restrict w,
                                          float* __restrict acc, int64_t nb, int64_t wstride,
                                          int64_t cb, int64_t cin, int64_t h, int64_t wd, int64_t kh,
                                          int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                                          int64_t pw, int64_t dh, int64_t dw, int64_t oi,
                                          int64_t rows, int64_t ow) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < ow; ++j) {
      for (int64_t b = 0; b < nb; ++b) {
        float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t c = 0; c < cb; ++c) {
          for (int64_t p = 0; p < kh; ++p) {
            const int64_t ih = (oi + i) * sh - ph + p * dh;
            if (ih < 0 || ih >= h) continue;
            for (int64_t q = 0; q < kw; ++q) {
              const int64_t iw = j * sw - pw + q * dw;
              if (iw < 0 || iw >= wd) continue;
              const float* xv = x + ((c * h + ih) * wd + iw) * 8;
              const float* wv = w + b * wstride + ((c * kh + p) * kw + q) * 64;
              for (int64_t ci = 0; ci < cin; ++ci)
                for (int64_t l = 0; l < 8; ++l) sum[l] += xv[ci] * wv[ci * 8 + l];
            }
          }
        }
        for (int64_t l = 0; l < 8; ++l) acc[((i * ow + j) * nb + b) * 8 + l] = sum[l];
      }
    }
  }
}
)";

}  // namespace stitch::codegen::cpp
