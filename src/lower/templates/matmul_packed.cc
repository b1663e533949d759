// Template of stitch.MatMulPacked: Y[r, n] = A[r, :] . B[:, n] with B pre-packed in 16-column
// panels (passes/pack_matmul_weights.h), computed by the gemm_f32_6x16 microkernel
// (codegen/cpp/microkernels/). Also the blocking and packing pieces that matmul_dynamic.cc
// shares (matmul_packed.h). Part of lower/templates/.
//
// ---- Blocking (GotoBLAS, as oneDNN's brgemm drivers do) ----
// A's leading dims fold into R rows (B is shared by every batch). Rows go in tiles of 6, columns
// in panels of 16. A parallel unit is one block of up to 16 tiles x 16 panels (96 x 256 of Y):
//   for each K block of <= 256 (one B panel block, 16 KiB, stays in L1):
//     pack the block's rows of A into [tiles][kc][6] (zero rows past R; this is where inlined
//       producers of A, batch broadcasting and 1-D A are resolved, through ctx.read)
//     for each panel: microkernel over all tiles, accumulating into the unit's C block
// A single row of A (M = 1), and a last partial tile of 1 to 3 rows, go to gemm_f32_few_rows
// instead, over all the block's panels at once.
// When A is a materialized buffer, its whole tiles are not packed: gemm_f32_6x16_rows reads
// them in place (row stride K), and only a partial last tile is packed. A pack costs about as
// much per element as the FMAs of one panel, and it was repeated for every n block.
//   then the C block passes through LowerContext::write (the fused epilogue), valid part only.
// Zero padding of A's last tile and of B's last panel means the microkernel has no edges; the
// C block holds whole tiles and panels and only its valid part is written out.
#include "lower/templates/matmul_packed.h"

#include <algorithm>

namespace stitch::lower {

using kir::Expr;
using kir::Stmt;

namespace {

constexpr int64_t kTileRows = kGemmTileRows;
constexpr int64_t kPanelCols = kGemmPanelCols;
constexpr int64_t kMaxPanelsPerBlock = 16;  // 256 columns: C block 96 x 256 floats = 96 KiB
constexpr int64_t kMaxKBlock = 256;         // one B panel block = 256 x 16 floats = 16 KiB (L1)
// Fewer units than this and the outer loop splits finer, so that the thread pool has work.
constexpr int64_t kMinUnits = 4;

int64_t ceil_div(int64_t a, int64_t b) { return gemm_ceil_div(a, b); }

// `count` items in blocks of at most `max_per_block`, balanced: the block size.
int64_t balanced_block(int64_t count, int64_t max_per_block) {
  return ceil_div(count, ceil_div(count, max_per_block));
}

struct Operands {
  const graph::Value *a, *out;
  kir::Buffer b;  // packed B [panels, K, 16]
  int64_t rows, k, n, panels;
};

// Y's index of (row, col): A's leading dims delinearized from the row, then the column.
Index out_index(const Operands& op, const Expr& row, const Expr& col) {
  const Shape& os = op.out->shape();
  Index idx = delinearize(Shape(os.begin(), os.end() - 1), row);
  idx.push_back(col);
  return idx;
}

// One parallel unit (m block mb, n block nb) with its C and packed-A scratch.
// `a_rows`: A's buffer when A is materialized (read in place), else nullptr (A is packed).
Stmt unit(LowerContext& ctx, const Operands& op, const GemmBlocking& bl, const Expr& mb,
          const Expr& nb, const kir::Buffer* a_rows) {
  const int64_t ldc = bl.panels_per_block * kPanelCols;
  kir::Buffer c = ctx.scratch("c_block", DType::kFloat32, {bl.tiles_per_block * kTileRows * ldc});
  const int64_t packed_tiles = a_rows || op.rows == 1 ? 1 : bl.tiles_per_block;
  kir::Buffer a_pack =
      ctx.scratch("a_pack", DType::kFloat32, {packed_tiles * bl.k_block * kTileRows});
  const int64_t total_tiles = ceil_div(op.rows, kTileRows);
  Expr t0 = mb * bl.tiles_per_block, p0 = nb * bl.panels_per_block;
  Expr tiles = kir::min(index_const(bl.tiles_per_block), index_const(total_tiles) - t0);
  Expr panels = kir::min(index_const(bl.panels_per_block), index_const(op.panels) - p0);
  Expr m0 = t0 * kTileRows, n0 = p0 * kPanelCols;

  kir::Var kb = ctx.var("kb"), p = ctx.var("p");
  Expr k0 = Expr(kb) * bl.k_block;
  Expr kc = kir::min(index_const(bl.k_block), index_const(op.k) - k0);
  GemmElementFn a_at = [&](const Expr& row, const Expr& block_k0, const Expr& k) {
    return ctx.read_linear(op.a, row * op.k + block_k0 + k);
  };
  auto b_panel = [&](const Expr& panel) -> kir::BufferOffset {
    return {op.b, ((p0 + panel) * op.k + k0) * kPanelCols};
  };
  // gemm_f32_few_rows over all the block's panels: `rows` rows of A (row r's element k at
  // a[r * rs + k * ks]) into C's rows from `c_row` on.
  auto few_rows_call = [&](const kir::BufferOffset& a, const Expr& rows, int64_t rs, int64_t ks,
                           const Expr& c_row) {
    return kir::microkernel_call(
        "stitch_gemm_f32_few_rows", {a, b_panel(index_const(0)), {c, c_row * ldc}},
        {rows, panels, kc, index_const(rs), index_const(ks), index_const(op.k * kPanelCols),
         index_const(ldc), kir::min(Expr(kb), index_const(1))});
  };
  // Rows of the last tile when it is partial (0 when R is a multiple of 6).
  const int64_t tail_rows = op.rows % kTileRows;
  Stmt per_k;
  if (!a_rows && op.rows == 1) {
    // A matrix-vector product (a classifier at batch 1) whose row is computed in this kernel:
    // row 0 of a packed tile. (A buffer's single row is the a_rows path's 1-row tail.)
    per_k = kir::seq(
        {pack_gemm_a(ctx, a_pack, op.rows, m0, index_const(1), k0, kc, a_at),
         few_rows_call({a_pack, index_const(0)}, index_const(1), 1, kTileRows, index_const(0))});
  } else if (a_rows) {
    // A is a row-major buffer: its whole tiles go to the microkernel in place. A last, partial
    // tile (rest: 0 or 1) of 1 to 3 rows goes to gemm_f32_few_rows, also in place (bert's 128
    // rows: the 6-row tile would spend two thirds of its FMAs on padding); one of 4 or 5 rows is
    // packed, zero-padded, into a_pack for the 6 x 16 kernel.
    Expr direct =
        kir::max(index_const(0), kir::min(tiles, (index_const(op.rows) - m0) / kTileRows));
    Expr rest = tiles - direct;
    Stmt direct_call =
        gemm_rows_microkernel_call({*a_rows, m0 * op.k + k0}, b_panel(Expr(p)),
                                   {c, Expr(p) * kPanelCols}, direct, kc, op.k, ldc, Expr(kb));
    if (tail_rows >= 1 && tail_rows <= 3) {
      Stmt tail = few_rows_call({*a_rows, (m0 + direct * kTileRows) * op.k + k0}, rest * tail_rows,
                                op.k, 1, direct * kTileRows);
      per_k = kir::seq(
          {kir::for_loop(p, index_const(0), panels, kir::ForKind::kSerial, direct_call), tail});
    } else {
      Stmt rest_call = gemm_microkernel_call({a_pack, index_const(0)}, b_panel(Expr(p)),
                                             {c, direct * (kTileRows * ldc) + Expr(p) * kPanelCols},
                                             rest, kc, ldc, Expr(kb));
      Stmt pack_rest =
          pack_gemm_a(ctx, a_pack, op.rows, m0 + direct * kTileRows, rest, k0, kc, a_at);
      per_k = kir::seq({pack_rest, kir::for_loop(p, index_const(0), panels, kir::ForKind::kSerial,
                                                 kir::seq({direct_call, rest_call}))});
    }
  } else {
    Stmt gemm = gemm_microkernel_call({a_pack, index_const(0)}, b_panel(Expr(p)),
                                      {c, Expr(p) * kPanelCols}, tiles, kc, ldc, Expr(kb));
    per_k = kir::seq({pack_gemm_a(ctx, a_pack, op.rows, m0, tiles, k0, kc, a_at),
                      kir::for_loop(p, index_const(0), panels, kir::ForKind::kSerial, gemm)});
  }
  Stmt reduction =
      kir::for_loop(kb, index_const(0), index_const(bl.k_blocks), kir::ForKind::kSerial, per_k);

  kir::Var i = ctx.var("i"), j = ctx.var("j");
  Expr valid_rows =
      kir::min(index_const(bl.tiles_per_block * kTileRows), index_const(op.rows) - m0);
  Expr valid_cols = kir::min(index_const(ldc), index_const(op.n) - n0);
  Stmt store = ctx.write(op.out, out_index(op, m0 + Expr(i), n0 + Expr(j)),
                         kir::load(c, Expr(i) * ldc + Expr(j)));
  Stmt epilogue =
      kir::for_loop(i, index_const(0), valid_rows, kir::ForKind::kSerial,
                    kir::for_loop(j, index_const(0), valid_cols, kir::ForKind::kVectorized, store));
  return kir::allocate(c, kir::allocate(a_pack, kir::seq({reduction, epilogue})));
}

Expected<Stmt> lower_matmul_packed(LowerContext& ctx, const graph::Node& n) {
  Operands op;
  op.a = n.input(0);
  op.out = n.output(0);
  const graph::Value* b = n.input(1);
  if (op.out->dtype() != DType::kFloat32 || op.a->dtype() != DType::kFloat32) {
    return unsupported(n, "MatMulPacked on " + std::string(dtype_name(op.out->dtype())));
  }
  const kir::Buffer* bbuf = ctx.buffer_to_load(b);
  if (!bbuf) return unsupported(n, "a packed weight computed inside the kernel");
  op.b = *bbuf;
  op.panels = b->shape()[0];
  op.k = b->shape()[1];
  op.n = n.attr_int("N", 0);
  if (op.k == 0) return unsupported(n, "MatMulPacked with K = 0");
  op.rows = shape_numel(op.a->shape()) / op.k;
  if (op.rows == 0) return kir::seq({});
  const GemmBlocking bl =
      choose_gemm_blocking(/*batches=*/1, ceil_div(op.rows, kTileRows), op.panels, op.k);
  kir::Var u = ctx.var("u");
  // m blocks innermost: neighbouring units (one thread's share) reuse the same B block.
  // A materialized A (the common case: the previous kernel's output) is read in place.
  const kir::Buffer* a_rows = ctx.is_inlined(op.a) ? nullptr : ctx.buffer_to_load(op.a);
  Stmt body = unit(ctx, op, bl, Expr(u) % bl.m_blocks, Expr(u) / bl.m_blocks, a_rows);
  return kir::for_loop(u, index_const(0), index_const(bl.m_blocks * bl.n_blocks),
                       kir::ForKind::kParallel, body);
}

}  // namespace

GemmBlocking choose_gemm_blocking(int64_t batches, int64_t tiles, int64_t panels, int64_t k,
                                  int64_t max_tiles) {
  GemmBlocking b;
  b.tiles_per_block = balanced_block(tiles, std::max<int64_t>(1, max_tiles));
  b.panels_per_block = balanced_block(panels, kMaxPanelsPerBlock);
  // Thread split from the shape: halve the larger block until there are enough units.
  while (batches * ceil_div(tiles, b.tiles_per_block) * ceil_div(panels, b.panels_per_block) <
         kMinUnits) {
    if (b.tiles_per_block >= b.panels_per_block && b.tiles_per_block > 1) {
      b.tiles_per_block = ceil_div(b.tiles_per_block, 2);
    } else if (b.panels_per_block > 1) {
      b.panels_per_block = ceil_div(b.panels_per_block, 2);
    } else {
      break;
    }
  }
  b.m_blocks = ceil_div(tiles, b.tiles_per_block);
  b.n_blocks = ceil_div(panels, b.panels_per_block);
  b.k_block = balanced_block(k, kMaxKBlock);
  b.k_blocks = ceil_div(k, b.k_block);
  return b;
}

Stmt pack_gemm_a(LowerContext& ctx, const kir::Buffer& a_pack, int64_t rows, const Expr& m0,
                 const Expr& tiles, const Expr& k0, const Expr& kc, const GemmElementFn& a_at) {
  kir::Var t = ctx.var("t"), r = ctx.var("r"), k = ctx.var("k");
  Expr row = m0 + Expr(t) * kTileRows + Expr(r);
  Expr dst = (Expr(t) * kc + Expr(k)) * kTileRows + Expr(r);
  Expr value = a_at(row, k0, k);
  auto over_k = [&](const Expr& v) {
    return kir::for_loop(k, index_const(0), kc, kir::ForKind::kSerial, kir::store(a_pack, dst, v));
  };
  Stmt body = kir::if_then_else(kir::lt(row, index_const(rows)), over_k(value),
                                over_k(constant(DType::kFloat32, 0.0)));
  return kir::for_loop(
      t, index_const(0), tiles, kir::ForKind::kSerial,
      kir::for_loop(r, index_const(0), index_const(kTileRows), kir::ForKind::kSerial, body));
}

Stmt gemm_microkernel_call(const kir::BufferOffset& a_pack, const kir::BufferOffset& b_panel,
                           const kir::BufferOffset& c, const Expr& tiles, const Expr& kc,
                           int64_t ldc, const Expr& kb) {
  return kir::microkernel_call("stitch_gemm_f32_6x16", {a_pack, b_panel, c},
                               {tiles, kc, index_const(ldc), kir::min(kb, index_const(1))});
}

Stmt gemm_rows_microkernel_call(const kir::BufferOffset& a_rows, const kir::BufferOffset& b_panel,
                                const kir::BufferOffset& c, const Expr& tiles, const Expr& kc,
                                int64_t lda, int64_t ldc, const Expr& kb) {
  return kir::microkernel_call(
      "stitch_gemm_f32_6x16_rows", {a_rows, b_panel, c},
      {tiles, kc, index_const(lda), index_const(ldc), kir::min(kb, index_const(1))});
}

void register_matmul_packed_templates(TemplateTable& t) {
  t.push_back({"MatMulPacked", OpTemplate{nullptr, lower_matmul_packed}});
}

}  // namespace stitch::lower
