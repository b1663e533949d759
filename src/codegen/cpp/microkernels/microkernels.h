// The hand-written microkernels that generated code calls (kir::MicrokernelCall), as C++ source
// text per target. Part of codegen/cpp/; emit_cpp.cc pastes the definitions a translation unit
// calls, so the generated source stays self-contained (its text alone keys the compile cache).
//
// ---- gemm_f32_6x16 ----
//   void stitch_gemm_f32_6x16(const float* a, const float* b, float* c, int64_t m_tiles,
//                             int64_t kc, int64_t ldc, int64_t accumulate)
// C[m_tiles * 6, 16] (+)= A[m_tiles * 6, kc] * B[kc, 16], with
//   a: m_tiles packed row tiles [m_tiles][kc][6] (row r of tile t at a[(t * kc + k) * 6 + r]);
//   b: one packed column panel [kc][16] (stitch.MatMulPacked's weight layout);
//   c: row-major with row stride ldc; overwritten when accumulate == 0, else added to.
// Callers pad A and B with zeros, so the kernel has no edge cases; the tile loop lives inside it
// so that one B panel stays in L1 while the tiles of A stream past it (GotoBLAS's inner loop).
//
// ---- gemm_f32_6x16_rows ----
//   void stitch_gemm_f32_6x16_rows(const float* a, const float* b, float* c, int64_t m_tiles,
//                                  int64_t kc, int64_t lda, int64_t ldc, int64_t accumulate)
// gemm_f32_6x16 with A read in place: row i of A (i < m_tiles * 6) at a + i * lda, kc floats.
// For an A that is already a row-major buffer with whole 6-row tiles (no copy into tiles).
//
// ---- gemm_f32_few_rows ----
//   void stitch_gemm_f32_few_rows(const float* a, const float* b, float* c, int64_t rows,
//                                 int64_t panels, int64_t kc, int64_t rs, int64_t ks,
//                                 int64_t ps, int64_t ldc, int64_t accumulate)
// rows (0 to 3) rows of A against `panels` packed B panels, for a matrix-vector product
// (M = 1) and the last rows of a MatMul whose row count is not a multiple of 6:
//   c[r * ldc + p * 16 + j] (+)= sum over k < kc of a[r * rs + k * ks] * b[p * ps + k * 16 + j]
//   for r < rows, p < panels, j < 16; a: row r's element k at a[r * rs + k * ks] (rows read in
//   place: rs = lda, ks = 1; a packed tile: rs = 1, ks = 6); b: the first panel's [kc][16]
//   block, the next panel ps floats further; c: row-major with row stride ldc, overwritten when
//   accumulate == 0, else added to. Same order of sums per output as gemm_f32_6x16, so a row's
//   result does not depend on which kernel computed it.
//
// ---- conv_f32_nchw8c ----
//   void stitch_conv_f32_nchw8c(const float* x, const float* w, float* acc, int64_t nb,
//                               int64_t wstride, int64_t cb, int64_t cin, int64_t h,
//                               int64_t wd, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
//                               int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t oi,
//                               int64_t rows, int64_t ow)
// Output rows oi .. oi + rows - 1 of a 2-D convolution in the blocked NCHW8c layout
// (stitch.ConvNCHWc), for nb (1 to 3) consecutive blocks of 8 output channels, without bias or
// epilogue:
//   acc[i][j][b][l] = sum over c < cb, p < kh, q < kw, ci < cin of
//                  x[c][ih][iw][ci] * w[b * wstride + (((c * kh + p) * kw + q) * 8 + ci) * 8 + l]
//   with ih = (oi + i) * sh - ph + p * dh, iw = j * sw - pw + q * dw (taps outside the image
//   add 0), for i < rows, j < ow, b < nb, l < 8;
//   x: one image [cb][h][wd][8]; w: the packed weight of the first output block,
//   [cb][kh][kw][8 in][8 out], the next block wstride floats further; acc: [rows][ow][nb][8];
//   cin (1..8): the channels of each block to sum, 8 unless the rest are zero padding (a stem
//   whose 3 channels were padded to a block).
//
// ---- reorder_f32_nchw8c ----
//   void stitch_reorder_f32_nchw8c(const float* x, float* y, int64_t channels, int64_t plane,
//                                  int64_t width)
// One row of a planar image (stitch.ReorderNCHWc) into one row of a block of 8 channels:
//   y[j * 8 + l] = l < channels ? x[l * plane + j] : 0, for j < width, l < 8;
//   x: the row in the block's first channel plane, the next channel plane floats further;
//   channels: the real channels of the block (1 to 8; the rest are zero padding).
//
// ---- winograd_f32_4x4_3x3_input / _output (Winograd F(4x4, 3x3), stitch.ConvWinogradNCHWc) ----
//   void stitch_winograd_f32_4x4_3x3_input(const float* x, float* v, int64_t cb, int64_t h,
//                                          int64_t wd, int64_t ih0, int64_t iw0, int64_t ldv)
// The input transform of one tile, every channel block: for c < cb, i, j < 6, l < 8,
//   v[(6i + j) * ldv + c * 8 + l] = (B^T d_c B)[i][j] in lane l,
//   d_c[p][q] = x[c][ih0 + p][iw0 + q][l] (0 outside the image), x: one image [cb][h][wd][8].
//   void stitch_winograd_f32_4x4_3x3_output(const float* m, float* y, int64_t ldm)
// The output transform of one tile and one block of 8 channels: y[(4i + j) * 8 + l] =
// (A^T m A)[i][j] in lane l, with m's element (a, e) at m + (6a + e) * ldm (8 lanes); no bias.
// B^T, G and A^T are Lavin & Gray's (interpolation points 0, ±1, ±2, ∞); G is applied at compile
// time (passes/layout_assignment.cc).
#pragma once

#include <string>

#include "codegen/toolchain/target.h"

namespace stitch::codegen::cpp {

// Rows and columns of one register tile of gemm_f32_6x16 (the template packs for them).
inline constexpr int kGemmTileRows = 6;
inline constexpr int kGemmTileCols = 16;

// The C++ definition of microkernel `name` for `target`, or "" when stitch has none (the
// emitter then only declares it).
std::string microkernel_definition(const std::string& name, const toolchain::Target& target);

// The 6 x 16 AVX2 register tile both AVX2 GEMM entry points call (pasted first, guarded).
extern const char* const kGemmF32x6x16TileAvx2;
// Per-ISA sources of gemm_f32_6x16 (one file each).
extern const char* const kGemmF32x6x16Avx2;
extern const char* const kGemmF32x6x16Avx512;
extern const char* const kGemmF32x6x16Generic;
// Per-ISA sources of gemm_f32_6x16_rows (AVX-512 targets use the AVX2 one).
extern const char* const kGemmF32x6x16RowsAvx2;
extern const char* const kGemmF32x6x16RowsGeneric;
// Per-ISA sources of gemm_f32_few_rows (AVX-512 targets use the AVX2 one).
extern const char* const kGemmF32FewRowsAvx2;
extern const char* const kGemmF32FewRowsGeneric;
// Per-ISA sources of conv_f32_nchw8c (AVX-512 targets use the AVX2 one: the layout has 8 lanes).
extern const char* const kConvF32Nchw8cAvx2;
extern const char* const kConvF32Nchw8cGeneric;
// Per-ISA sources of reorder_f32_nchw8c (AVX-512 targets use the AVX2 one).
extern const char* const kReorderF32Nchw8cAvx2;
extern const char* const kReorderF32Nchw8cGeneric;
// Winograd F(4x4, 3x3) transforms: shared helpers (pasted first, guarded) and the two entry
// points, per ISA (AVX-512 targets use the AVX2 ones: the layout has 8 lanes).
extern const char* const kWinogradF32x4x4x3x3CommonAvx2;
extern const char* const kWinogradF32x4x4x3x3InputAvx2;
extern const char* const kWinogradF32x4x4x3x3OutputAvx2;
extern const char* const kWinogradF32x4x4x3x3CommonGeneric;
extern const char* const kWinogradF32x4x4x3x3InputGeneric;
extern const char* const kWinogradF32x4x4x3x3OutputGeneric;

}  // namespace stitch::codegen::cpp
