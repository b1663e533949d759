// conv_f32_nchw8c for AVX2 + FMA (contract in microkernels.h). Part of
// codegen/cpp/microkernels/.
//
// A register tile is R output pixels x NB blocks of 8 output channels: R * NB ymm accumulators,
// NB weight vectors and one broadcast, so 6 x 2 uses 15 of the 16 registers and 4 x 3 all 16.
// Three blocks serve an odd block count (24 channels = 3 blocks), whose last block would
// otherwise run alone at 6 x 1, one broadcast per FMA: half the FMA rate. Per
// input channel: NB contiguous weight loads and R broadcasts feed R * NB FMAs. Input channel
// blocks are visited in chunks whose weights (chunk x KH x KW x 8 x 8 x NB floats) fit in about
// 16 KiB of L1, and every tile of the row is advanced by one chunk before the next chunk: the
// chunk's weights then serve the whole row from L1, and the tile's partial sums wait in `acc`.
// Out-of-image taps: a kernel row outside the image is skipped (it adds zero). For a kernel
// column where every pixel of the tile is inside the image, one pointer walks the channel blocks
// (pixel offsets are constants at stride 1); otherwise each pixel gets its own pointer, and a
// pixel outside reads a zero vector that does not advance.
// The channel loop is unrolled 4 times, not 8: at 8, GCC 12 schedules the broadcasts of
// several steps ahead, runs out of the 16 ymm registers and keeps 2-3 accumulators on the stack
// (35 spilled FMAs in the tile; 3x3 convs ran at 55-72 GFLOP/s, 82 with the unroll of 4).
// A padded stem (3 real channels in a block of 8) passes cin < 8: the channel loop then runs
// cin steps (a run-time count) instead of 8, which skips the FMAs on the zero channels. A 3x3
// stride-2 RGB stem also walks each kernel row's taps with one pointer where the whole row is
// inside the image: 3 steps per tap left the bounds test and pointer setup of every tap
// costing as much as its 36 FMAs.
#include "codegen/cpp/microkernels/microkernels.h"

namespace stitch::codegen::cpp {

const char* const kConvF32Nchw8cAvx2 = R"(#include <immintrin.h>

// The accumulators are twelve named variables, not an array: GCC keeps an array of __m256 in
// registers only when every loop over it is fully unrolled, which depends on the context the
// tile is inlined into (seen: accumulators stored to the stack after every FMA).
#define STITCH_CONV_FOR_ACC(X)                                                       \
  X(0, 0) X(0, 1) X(0, 2) X(1, 0) X(1, 1) X(1, 2) X(2, 0) X(2, 1) X(2, 2) X(3, 0) X(3, 1) \
  X(3, 2) X(4, 0) X(4, 1) X(4, 2) X(5, 0) X(5, 1) X(5, 2)
#define STITCH_CONV_FOR_ROW(X) X(0) X(1) X(2) X(3) X(4) X(5)

template <int R, int NB, int SW, int CI, int KW>
static inline void stitch_conv_nchw8c_tile(const float* __restrict x, const float* __restrict w,
                                           float* __restrict acc, int64_t wstride, int64_t c0,
                                           int64_t c1, int64_t cin_rt, int64_t h, int64_t wd,
                                           int64_t kh, int64_t kw, int64_t sh, int64_t sw_rt,
                                           int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                                           int64_t oi, int64_t j0) {
  alignas(32) static const float zeros[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const int64_t sw = SW > 0 ? SW : sw_rt;
  const int cin = CI > 0 ? CI : static_cast<int>(cin_rt);
#define STITCH_CONV_DECL(r, b) __m256 c##r##b = _mm256_setzero_ps();
  STITCH_CONV_FOR_ACC(STITCH_CONV_DECL)
#undef STITCH_CONV_DECL
  if (c0 != 0) {
#define STITCH_CONV_LOAD(r, b) \
  if constexpr (R > r && NB > b) c##r##b = _mm256_loadu_ps(acc + (r * NB + b) * 8);
    STITCH_CONV_FOR_ACC(STITCH_CONV_LOAD)
#undef STITCH_CONV_LOAD
  }
  // One input channel: NB weight vectors, then per pixel r one broadcast of *(px_r) and NB FMAs.
#define STITCH_CONV_PIXEL(r)                                          \
  if constexpr (R > r) {                                              \
    const __m256 xv = _mm256_broadcast_ss(STITCH_CONV_PX(r));         \
    c##r##0 = _mm256_fmadd_ps(xv, w0, c##r##0);                       \
    if constexpr (NB > 1) c##r##1 = _mm256_fmadd_ps(xv, w1, c##r##1); \
    if constexpr (NB > 2) c##r##2 = _mm256_fmadd_ps(xv, w2, c##r##2); \
  }
#define STITCH_CONV_CHANNEL(wp, ci)                                              \
  {                                                                              \
    const __m256 w0 = _mm256_loadu_ps(wp + ci * 8);                              \
    const __m256 w1 = NB > 1 ? _mm256_loadu_ps(wp + wstride + ci * 8) : w0;      \
    const __m256 w2 = NB > 2 ? _mm256_loadu_ps(wp + 2 * wstride + ci * 8) : w0;  \
    STITCH_CONV_FOR_ROW(STITCH_CONV_PIXEL)                                       \
  }
  const int64_t plane = h * wd * 8;
  const int64_t wstep = kh * kw * 64;
  for (int64_t p = 0; p < kh; ++p) {
    const int64_t ih = oi * sh - ph + p * dh;
    if (ih < 0 || ih >= h) continue;
    if constexpr (KW > 0) {
      // A stem's few channels: the kernel row's taps with one pointer, when all of them are
      // inside the image for every pixel of the tile (same sums, same order).
      const int64_t iw0 = j0 * sw - pw;
      if (iw0 >= 0 && iw0 + (R - 1) * sw + KW - 1 < wd) {
        const float* xp = x + c0 * plane + (ih * wd + iw0) * 8;
        const float* wr = w + (c0 * kh + p) * KW * 64;
        // The taps stay a loop: unrolled too, GCC 12 hoists their broadcasts and spills.
        constexpr int64_t xs = SW * 8;
        for (int64_t cb = c0; cb < c1; ++cb, xp += plane, wr += wstep) {
          const float* xq = xp;
          const float* wp = wr;
#define STITCH_CONV_PX(r) xq + r * xs + ci
#pragma GCC unroll 1
          for (int q = 0; q < KW; ++q, xq += 8, wp += 64) {
            for (int ci = 0; ci < cin; ++ci) STITCH_CONV_CHANNEL(wp, ci)
          }
#undef STITCH_CONV_PX
        }
        continue;
      }
    }
    for (int64_t q = 0; q < kw; ++q) {
      const int64_t iw0 = j0 * sw - pw + q * dw;
      const float* wp = w + ((c0 * kh + p) * kw + q) * 64;
      if (iw0 >= 0 && iw0 + (R - 1) * sw < wd) {
        const float* xp = x + c0 * plane + (ih * wd + iw0) * 8;
        const int64_t xs = sw * 8;
#define STITCH_CONV_PX(r) xp + r * xs + ci
        for (int64_t cb = c0; cb < c1; ++cb, xp += plane, wp += wstep) {
#pragma GCC unroll 4
          for (int ci = 0; ci < cin; ++ci) STITCH_CONV_CHANNEL(wp, ci)
        }
#undef STITCH_CONV_PX
      } else {
        const float* xr[6];
        int64_t sr[6];
        for (int r = 0; r < R; ++r) {
          const int64_t iw = iw0 + r * sw;
          const bool in = iw >= 0 && iw < wd;
          xr[r] = in ? x + c0 * plane + (ih * wd + iw) * 8 : zeros;
          sr[r] = in ? plane : 0;
        }
#define STITCH_CONV_PX(r) xr[r] + ci
        for (int64_t cb = c0; cb < c1; ++cb, wp += wstep) {
#pragma GCC unroll 4
          for (int ci = 0; ci < cin; ++ci) STITCH_CONV_CHANNEL(wp, ci)
          for (int r = 0; r < R; ++r) xr[r] += sr[r];
        }
#undef STITCH_CONV_PX
      }
    }
  }
#undef STITCH_CONV_CHANNEL
#undef STITCH_CONV_PIXEL
#define STITCH_CONV_STORE(r, b) \
  if constexpr (R > r && NB > b) _mm256_storeu_ps(acc + (r * NB + b) * 8, c##r##b);
  STITCH_CONV_FOR_ACC(STITCH_CONV_STORE)
#undef STITCH_CONV_STORE
}
#undef STITCH_CONV_FOR_ACC
#undef STITCH_CONV_FOR_ROW

template <int NB, int SW, int CI, int KW = 0>
static inline void stitch_conv_nchw8c_row(const float* __restrict x, const float* __restrict w,
                                          float* __restrict acc, int64_t wstride, int64_t cb,
                                          int64_t cin, int64_t h, int64_t wd, int64_t kh, int64_t kw,
                                          int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                          int64_t dh, int64_t dw, int64_t oi, int64_t rows,
                                          int64_t ow) {
  // 6 pixels x 2 blocks or 4 pixels x 3 blocks: 12 accumulators either way.
  constexpr int kR = NB == 3 ? 4 : 6;
  int64_t chunk = 16384 / (kh * kw * 64 * NB * 4);
  if (chunk < 1) chunk = 1;
  // At most 8 input blocks per chunk: every block is its own stream through a separate input
  // plane, and more streams than the prefetcher follows left a 256-channel pointwise conv
  // 8-14% slower than chunks of 8.
  if (chunk > 8) chunk = 8;
  // Tiles of nearly equal width: a row of 7 runs as 4 + 3 pixels, not 6 + 1. A 1-pixel tile
  // has NB accumulators, each waiting on its previous FMA's latency (about 4 cycles per channel
  // for 2 FMAs), so the 6 + 1 split costs 10 cycles per channel where 4 + 3 costs 8.
  const int64_t tiles = (ow + kR - 1) / kR;
  const int64_t base = tiles > 0 ? ow / tiles : 0;
  const int64_t wide = tiles > 0 ? ow % tiles : 0;  // the first `wide` tiles are base + 1 wide
  for (int64_t c0 = 0; c0 < cb; c0 += chunk) {
    const int64_t c1 = c0 + chunk < cb ? c0 + chunk : cb;
    // Every row of the call takes the chunk before the next chunk: a small plane (7 x 7)
    // then reads each weight from L1 for all its pixels, not once per 7-pixel row from L2.
    for (int64_t i = 0; i < rows; ++i) {
      int64_t j = 0;
      for (int64_t t = 0; t < tiles; ++t) {
        const int64_t r = base + (t < wide ? 1 : 0);
        float* a = acc + (i * ow + j) * NB * 8;
#define STITCH_CONV_TILE(n)                                                                  \
  case n:                                                                                    \
    if constexpr (n <= kR)                                                                   \
      stitch_conv_nchw8c_tile<n, NB, SW, CI, KW>(x, w, a, wstride, c0, c1, cin, h, wd, kh, kw, \
                                                 sh, sw, ph, pw, dh, dw, oi + i, j);         \
    break;
        switch (r) {
          STITCH_CONV_TILE(1) STITCH_CONV_TILE(2) STITCH_CONV_TILE(3) STITCH_CONV_TILE(4)
          STITCH_CONV_TILE(5) STITCH_CONV_TILE(6)
          default: break;
        }
#undef STITCH_CONV_TILE
        j += r;
      }
    }
  }
}

// conv_f32_nchw8c, AVX2 + FMA: `rows` output rows of nb (1 to 3) output channel blocks.
static inline void stitch_conv_f32_nchw8c(const float* __restrict x, const float* __restrict w,
                                          float* __restrict acc, int64_t nb, int64_t wstride,
                                          int64_t cb, int64_t cin, int64_t h, int64_t wd, int64_t kh,
                                          int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                                          int64_t pw, int64_t dh, int64_t dw, int64_t oi,
                                          int64_t rows, int64_t ow) {
#define STITCH_CONV_ROW(NB, SW, CI)                                                          \
  stitch_conv_nchw8c_row<NB, SW, CI>(x, w, acc, wstride, cb, cin, h, wd, kh, kw, sh, sw, ph, pw, \
                                     dh, dw, oi, rows, ow)
#define STITCH_CONV_ROW_KW(NB, SW, CI, KW)                                                      \
  stitch_conv_nchw8c_row<NB, SW, CI, KW>(x, w, acc, wstride, cb, cin, h, wd, kh, kw, sh, sw, ph, \
                                         pw, dh, dw, oi, rows, ow)
  // Stride 1 (most convs) gets compile-time pixel offsets; other strides a run-time one. A
  // padded stem's few channels get a run-time channel count.
  if (cin == 3 && sw == 2 && dw == 1 && kw == 3) {
    // The 3x3 stride-2 RGB stems of MobileNet and SqueezeNet: a kernel row's taps without a
    // bounds test each (SqueezeNet's stem kernel: 0.79-0.86 -> 0.65-0.70 ms). ResNet's 7x7 stem
    // measured no faster this way, so it keeps the tap-by-tap path.
    if (nb == 3) {
      STITCH_CONV_ROW_KW(3, 2, 3, 3);
    } else if (nb == 2) {
      STITCH_CONV_ROW_KW(2, 2, 3, 3);
    } else {
      STITCH_CONV_ROW_KW(1, 2, 3, 3);
    }
  } else if (cin == 3) {  // an RGB stem: the channel loop unrolled completely
    if (nb == 3) {
      STITCH_CONV_ROW(3, 0, 3);
    } else if (nb == 2) {
      STITCH_CONV_ROW(2, 0, 3);
    } else {
      STITCH_CONV_ROW(1, 0, 3);
    }
  } else if (cin < 8) {
    if (nb == 3) {
      STITCH_CONV_ROW(3, 0, 0);
    } else if (nb == 2) {
      STITCH_CONV_ROW(2, 0, 0);
    } else {
      STITCH_CONV_ROW(1, 0, 0);
    }
  } else if (nb == 3) {
    if (sw == 1) {
      STITCH_CONV_ROW(3, 1, 8);
    } else {
      STITCH_CONV_ROW(3, 0, 8);
    }
  } else if (nb == 2) {
    if (sw == 1) {
      STITCH_CONV_ROW(2, 1, 8);
    } else {
      STITCH_CONV_ROW(2, 0, 8);
    }
  } else if (sw == 1) {
    STITCH_CONV_ROW(1, 1, 8);
  } else {
    STITCH_CONV_ROW(1, 0, 8);
  }
#undef STITCH_CONV_ROW
#undef STITCH_CONV_ROW_KW
}
)";

}  // namespace stitch::codegen::cpp
