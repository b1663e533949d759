// The template of stitch.MatMulPacked (the gemm microkernel path), and the blocking and packing
// pieces it shares with the MatMul-of-two-activations template (matmul_dynamic.cc). Part of
// lower/templates/; registered by matmul.cc next to MatMul.
#pragma once

#include <functional>

#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_matmul_packed_templates(TemplateTable& t);

// ---- Shared by the gemm_f32_6x16 templates (see the blocking note in matmul_packed.cc) ----
inline constexpr int64_t kGemmTileRows = 6;    // rows of one microkernel tile of A and C
inline constexpr int64_t kGemmPanelCols = 16;  // columns of one packed panel of B and C

inline int64_t gemm_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Y's rows in blocks of tiles, columns in blocks of panels, K in blocks; one parallel unit is
// one (batch, m block, n block).
struct GemmBlocking {
  int64_t tiles_per_block, m_blocks, panels_per_block, n_blocks, k_block, k_blocks;
};
// Blocks of at most 16 tiles x 16 panels and K blocks of at most 256, halved (the larger side
// first) while there are fewer than 4 units in all, so that the thread pool has work.
// Tiles per m block by default: 96 rows, an A block of 96 x 256 floats = 96 KiB (L2).
inline constexpr int64_t kGemmMaxTilesPerBlock = 16;
// max_tiles raises that limit (matmul_dynamic.cc, whose units also pack B).
GemmBlocking choose_gemm_blocking(int64_t batches, int64_t tiles, int64_t panels, int64_t k,
                                  int64_t max_tiles = kGemmMaxTilesPerBlock);

// A's element at (row, k0 + k) for the pack of A (row < the row count; k0 the K block's start).
using GemmElementFn =
    std::function<kir::Expr(const kir::Expr& row, const kir::Expr& k0, const kir::Expr& k)>;
// Packs rows [m0, m0 + tiles * 6) x cols [k0, k0 + kc) of A into a_pack as [tiles][kc][6],
// zero rows from `rows` on.
kir::Stmt pack_gemm_a(LowerContext& ctx, const kir::Buffer& a_pack, int64_t rows,
                      const kir::Expr& m0, const kir::Expr& tiles, const kir::Expr& k0,
                      const kir::Expr& kc, const GemmElementFn& a_at);
// One call of stitch_gemm_f32_6x16: C[tiles * 6, 16] (+)= A_pack * B_panel (accumulating from
// the second K block on, kb > 0).
kir::Stmt gemm_microkernel_call(const kir::BufferOffset& a_pack, const kir::BufferOffset& b_panel,
                                const kir::BufferOffset& c, const kir::Expr& tiles,
                                const kir::Expr& kc, int64_t ldc, const kir::Expr& kb);
// The same with A read in place (stitch_gemm_f32_6x16_rows): row i of A at a_rows + i * lda.
kir::Stmt gemm_rows_microkernel_call(const kir::BufferOffset& a_rows,
                                     const kir::BufferOffset& b_panel, const kir::BufferOffset& c,
                                     const kir::Expr& tiles, const kir::Expr& kc, int64_t lda,
                                     int64_t ldc, const kir::Expr& kb);

}  // namespace stitch::lower
