// The transforms of Winograd F(4x4, 3x3) in portable C++ (contract in microkernels.h), for targets
// without AVX2: the same separable transforms as the AVX2 version, on the 8 lanes of a channel
// block in plain loops. Part of codegen/cpp/microkernels/.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kWinogradF32x4x4x3x3CommonGeneric = R"(#ifndef STITCH_WINOGRAD_F32_4X4_3X3_GENERIC
#define STITCH_WINOGRAD_F32_4X4_3X3_GENERIC
// r = B^T d on 8 lanes; d[i] at d + i * ds, r[i] at r + i * rs (B^T as in the AVX2 version).
static inline void stitch_winograd_bt6_generic(const float* d, int64_t ds, float* r, int64_t rs) {
  for (int l = 0; l < 8; ++l) {
    const float d0 = d[l], d1 = d[ds + l], d2 = d[2 * ds + l], d3 = d[3 * ds + l];
    const float d4 = d[4 * ds + l], d5 = d[5 * ds + l];
    const float t1 = d4 - 4.0f * d2, t2 = d3 - 4.0f * d1, t3 = d4 - d2, t4 = 2.0f * (d3 - d1);
    r[l] = 4.0f * d0 + (d4 - 5.0f * d2);
    r[rs + l] = t1 + t2;
    r[2 * rs + l] = t1 - t2;
    r[3 * rs + l] = t3 + t4;
    r[4 * rs + l] = t3 - t4;
    r[5 * rs + l] = 4.0f * d1 + (d5 - 5.0f * d3);
  }
}
// o = A^T m on 8 lanes; m[i] at m + i * ms, o[i] at o + i * os.
static inline void stitch_winograd_at6_generic(const float* m, int64_t ms, float* o, int64_t os) {
  for (int l = 0; l < 8; ++l) {
    const float s12 = m[ms + l] + m[2 * ms + l], d12 = m[ms + l] - m[2 * ms + l];
    const float s34 = m[3 * ms + l] + m[4 * ms + l], d34 = m[3 * ms + l] - m[4 * ms + l];
    o[l] = m[l] + s12 + s34;
    o[os + l] = d12 + 2.0f * d34;
    o[2 * os + l] = s12 + 4.0f * s34;
    o[3 * os + l] = d12 + 8.0f * d34 + m[5 * ms + l];
  }
}
#endif
)";

const char* const kWinogradF32x4x4x3x3InputGeneric = R"(
// winograd_f32_4x4_3x3_input, portable: V = B^T d B of the 6x6 patch at (ih0, iw0) of each of
// the cb channel blocks of x, zero outside the image.
static inline void stitch_winograd_f32_4x4_3x3_input(const float* __restrict x,
                                                     float* __restrict v, int64_t cb, int64_t h,
                                                     int64_t wd, int64_t ih0, int64_t iw0,
                                                     int64_t ldv) {
  for (int64_t c = 0; c < cb; ++c) {
    const float* xc = x + c * h * wd * 8;
    float d[36][8], t[36][8], r[6][8];
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j) {
        const int64_t ih = ih0 + i, iw = iw0 + j;
        const bool in = ih >= 0 && ih < h && iw >= 0 && iw < wd;
        for (int l = 0; l < 8; ++l) d[i * 6 + j][l] = in ? xc[(ih * wd + iw) * 8 + l] : 0.0f;
      }
    for (int j = 0; j < 6; ++j) stitch_winograd_bt6_generic(d[j], 6 * 8, t[j], 6 * 8);
    for (int i = 0; i < 6; ++i) {
      stitch_winograd_bt6_generic(t[i * 6], 8, r[0], 8);
      for (int j = 0; j < 6; ++j)
        for (int l = 0; l < 8; ++l) v[(i * 6 + j) * ldv + c * 8 + l] = r[j][l];
    }
  }
}
)";

const char* const kWinogradF32x4x4x3x3OutputGeneric = R"(
// winograd_f32_4x4_3x3_output, portable: y[4i + j] = (A^T m A)[i][j] for one block of 8 channels,
// m's 36 vectors ldm floats apart; y is [4][4][8].
static inline void stitch_winograd_f32_4x4_3x3_output(const float* __restrict m,
                                                      float* __restrict y, int64_t ldm) {
  float col[36][8], t[24][8];
  for (int i = 0; i < 36; ++i)
    for (int l = 0; l < 8; ++l) col[i][l] = m[i * ldm + l];
  for (int j = 0; j < 6; ++j) stitch_winograd_at6_generic(col[j], 6 * 8, t[j], 6 * 8);
  for (int i = 0; i < 4; ++i) stitch_winograd_at6_generic(t[i * 6], 8, y + i * 4 * 8, 8);
}
)";

}  // namespace stitch::codegen::cpp
