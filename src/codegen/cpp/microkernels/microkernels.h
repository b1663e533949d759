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

// Per-ISA sources of gemm_f32_6x16 (one file each).
extern const char* const kGemmF32x6x16Avx2;
extern const char* const kGemmF32x6x16Avx512;
extern const char* const kGemmF32x6x16Generic;

}  // namespace stitch::codegen::cpp
