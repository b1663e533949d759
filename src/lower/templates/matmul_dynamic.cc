// Template of float32 MatMul whose B is an activation (attention's Q.K^T and P.V), computed by
// the gemm_f32_6x16 microkernel with both operands packed on the fly. Part of lower/templates/;
// matmul.cc picks it (matmul_dynamic_applies) or its scalar template per node.
//
// ---- Blocking (as matmul_packed.cc, plus a pack of B per unit) ----
// Y[batch, m, n] = A[batch', m, :] . B[batch'', :, n], batch' and batch'' broadcast to batch
// (NumPy), a 1-D A without its m dim and a 1-D B without its n dim. A parallel unit is one
// (batch, m block, n block); inside it:
//   for each K block of <= 256:
//     pack the block's rows of A into [tiles][kc][6] (zero rows past M)
//     pack the block's columns of B into [panels][kc][16] (zero columns past N)
//     for each panel: microkernel over all tiles, accumulating into the unit's C block
//   then the valid part of the C block goes through LowerContext::write (the fused epilogue).
// Both packs read through LowerContext::read with the operand's full index, so that inlined
// producers (attention's head transposes, K^T, a scale) are prologues of the pack and their
// index arithmetic stays affine in the loop variables. B is packed again by every m block of
// a batch: that costs K x N reads per 6 x tiles_per_block rows of FMAs, a few percent, and m
// blocks are taller when K is short (kMaxTilesShortK).
#include "lower/templates/matmul_dynamic.h"

#include <string>
#include <utility>
#include <vector>

#include "lower/templates/matmul_packed.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using kir::Stmt;

// Below this many multiply-adds the scalar template is used: its loops of small constant
// extents compile well, and the gemm path's packing and C block buy nothing.
// Measured at 1 thread (square M = N = K, median per run): 8^3 and 12^3 0.3 and 0.5 us scalar
// vs 0.5 and 0.7 us gemm; 16^3 (4096) 0.6 us both; 24^3 7.6 vs 1.8 us; 32^3 21 vs 2.1 us.
// A dot product of two vectors (M = N = 1) stays scalar: the 6 x 16 tile would use one lane of
// 96. (A matrix-vector product, N = 1, measured even: 256 x 256 in 47 us either way.)
constexpr int64_t kMinMultiplyAdds = 4096;

// Every unit packs B again, so fewer, taller m blocks pack it less often. With a short K (an
// attention head's 64, a sequence of 128) a block of up to 32 tiles (192 rows) keeps its A
// pack, B pack and C block within L2 (192 x 128 + 128 x 256 + 192 x 256 floats = 416 KiB at
// most); bert_base's 128-row heads then pack B once per head instead of twice. Longer K keeps
// matmul_packed's 16 tiles.
constexpr int64_t kShortK = 128;
constexpr int64_t kMaxTilesShortK = 32;

struct Operands {
  const graph::Value *a, *b, *out;
  Shape batch;  // Y's batch dims
  int64_t batches, m, n, k;
  bool has_m, has_n;  // false for a 1-D A (no m dim in Y), a 1-D B (no n dim)
};

Operands operands_of(const graph::Node& n) {
  Operands op;
  op.a = n.input(0);
  op.b = n.input(1);
  op.out = n.output(0);
  const Shape &sa = op.a->shape(), &sb = op.b->shape(), &so = op.out->shape();
  op.has_m = sa.size() >= 2;
  op.has_n = sb.size() >= 2;
  op.m = op.has_m ? sa[sa.size() - 2] : 1;
  op.k = sa.back();
  op.n = op.has_n ? sb.back() : 1;
  op.batch = Shape(so.begin(), so.end() - (op.has_m ? 1 : 0) - (op.has_n ? 1 : 0));
  op.batches = shape_numel(op.batch);
  return op;
}

// A's, B's and Y's indices at a batch index of Y.
Index a_index(const Operands& op, const Index& batch, const Expr& row, const Expr& k) {
  const Shape& s = op.a->shape();
  if (!op.has_m) return {k};
  Index idx = broadcast_index(Shape(s.begin(), s.end() - 2), op.batch, batch);
  idx.push_back(row);
  idx.push_back(k);
  return idx;
}

Index b_index(const Operands& op, const Index& batch, const Expr& k, const Expr& col) {
  const Shape& s = op.b->shape();
  if (!op.has_n) return {k};
  Index idx = broadcast_index(Shape(s.begin(), s.end() - 2), op.batch, batch);
  idx.push_back(k);
  idx.push_back(col);
  return idx;
}

Index out_index(const Operands& op, const Index& batch, const Expr& row, const Expr& col) {
  Index idx = batch;
  if (op.has_m) idx.push_back(row);
  if (op.has_n) idx.push_back(col);
  return idx;
}

// Packs columns [n0, n0 + panels * 16) x rows [k0, k0 + kc) of B into b_pack as
// [panels][kc][16]; a panel that crosses N is filled element by element, zeros past N.
Stmt pack_b(LowerContext& ctx, const Operands& op, const kir::Buffer& b_pack, const Index& batch,
            const Expr& n0, const Expr& panels, const Expr& k0, const Expr& kc) {
  kir::Var p = ctx.var("p"), k = ctx.var("k"), j = ctx.var("j");
  Expr col = n0 + Expr(p) * kGemmPanelCols + Expr(j);
  Expr dst = (Expr(p) * kc + Expr(k)) * kGemmPanelCols + Expr(j);
  auto over_kj = [&](const Stmt& body, kir::ForKind inner) {
    return kir::for_loop(
        k, index_const(0), kc, kir::ForKind::kSerial,
        kir::for_loop(j, index_const(0), index_const(kGemmPanelCols), inner, body));
  };
  Stmt full =
      over_kj(kir::store(b_pack, dst, ctx.read(op.b, b_index(op, batch, k0 + Expr(k), col))),
              kir::ForKind::kVectorized);
  Stmt body = full;
  if (op.n % kGemmPanelCols != 0) {
    // Only the last panel crosses N; its reads past N are never evaluated.
    Stmt edge = kir::if_then_else(
        kir::lt(col, index_const(op.n)),
        kir::store(b_pack, dst, ctx.read(op.b, b_index(op, batch, k0 + Expr(k), col))),
        kir::store(b_pack, dst, constant(DType::kFloat32, 0.0)));
    Expr panel_end = n0 + (Expr(p) + 1) * kGemmPanelCols;
    body = kir::if_then_else(kir::le(panel_end, index_const(op.n)), full,
                             over_kj(edge, kir::ForKind::kSerial));
  }
  return kir::for_loop(p, index_const(0), panels, kir::ForKind::kSerial, body);
}

// Loop-invariant index values bound once (let) where a unit starts, so that the loops inside see
// plain variables: GCC hoists no floor div/mod out of them, and an epilogue whose index
// recomputed them per element would not vectorize.
class Lets {
 public:
  explicit Lets(LowerContext& ctx) : ctx_(ctx) {}
  Expr bind(const std::string& name, const Expr& value) {
    if (kir::as_const_int(value) || value.as<kir::Variable>()) return value;
    kir::Var v = ctx_.var(name);
    lets_.push_back({v, value});
    return v;
  }
  Stmt wrap(Stmt body) const {
    for (size_t i = lets_.size(); i-- > 0;)
      body = kir::let_stmt(lets_[i].first, lets_[i].second, body);
    return body;
  }

 private:
  LowerContext& ctx_;
  std::vector<std::pair<kir::Var, Expr>> lets_;
};

// One parallel unit (batch index bi, m block mb, n block nb) with its C and pack scratch.
Stmt unit(LowerContext& ctx, Lets& lets, const Operands& op, const GemmBlocking& bl, const Expr& bi,
          const Expr& mb, const Expr& nb) {
  const int64_t ldc = bl.panels_per_block * kGemmPanelCols;
  const int64_t rows_per_block = bl.tiles_per_block * kGemmTileRows;
  kir::Buffer c = ctx.scratch("c_block", DType::kFloat32, {rows_per_block * ldc});
  kir::Buffer a_pack = ctx.scratch("a_pack", DType::kFloat32, {rows_per_block * bl.k_block});
  kir::Buffer b_pack = ctx.scratch("b_pack", DType::kFloat32, {ldc * bl.k_block});
  Index batch = delinearize(op.batch, bi);
  for (Expr& b : batch) b = lets.bind("batch", b);
  const int64_t total_tiles = gemm_ceil_div(op.m, kGemmTileRows);
  const int64_t total_panels = gemm_ceil_div(op.n, kGemmPanelCols);
  Expr t0 = mb * bl.tiles_per_block, p0 = nb * bl.panels_per_block;
  Expr tiles =
      lets.bind("tiles", kir::min(index_const(bl.tiles_per_block), index_const(total_tiles) - t0));
  Expr panels = lets.bind(
      "panels", kir::min(index_const(bl.panels_per_block), index_const(total_panels) - p0));
  Expr m0 = lets.bind("m0", t0 * kGemmTileRows), n0 = lets.bind("n0", p0 * kGemmPanelCols);

  // One K block (the usual case in attention) makes k0 and kc constants.
  kir::Var kb = ctx.var("kb"), p = ctx.var("p"), kc_var = ctx.var("kc");
  const bool one_k_block = bl.k_blocks == 1;
  Expr k0 = one_k_block ? index_const(0) : Expr(kb) * bl.k_block;
  Expr kc = one_k_block ? index_const(op.k) : Expr(kc_var);
  GemmElementFn a_at = [&](const Expr& row, const Expr& block_k0, const Expr& k) {
    return ctx.read(op.a, a_index(op, batch, row, block_k0 + k));
  };
  Stmt gemm = gemm_microkernel_call(
      {a_pack, index_const(0)}, {b_pack, Expr(p) * kc * kGemmPanelCols},
      {c, Expr(p) * kGemmPanelCols}, tiles, kc, ldc, one_k_block ? index_const(0) : Expr(kb));
  Stmt per_k = kir::seq({pack_gemm_a(ctx, a_pack, op.m, m0, tiles, k0, kc, a_at),
                         pack_b(ctx, op, b_pack, batch, n0, panels, k0, kc),
                         kir::for_loop(p, index_const(0), panels, kir::ForKind::kSerial, gemm)});
  if (!one_k_block) {
    per_k = kir::let_stmt(kc_var, kir::min(index_const(bl.k_block), index_const(op.k) - k0), per_k);
  }
  Stmt reduction =
      kir::for_loop(kb, index_const(0), index_const(bl.k_blocks), kir::ForKind::kSerial, per_k);

  kir::Var i = ctx.var("i"), j = ctx.var("j");
  Expr valid_rows = kir::min(index_const(rows_per_block), index_const(op.m) - m0);
  Expr valid_cols = kir::min(index_const(ldc), index_const(op.n) - n0);
  Stmt store = ctx.write(op.out, out_index(op, batch, m0 + Expr(i), n0 + Expr(j)),
                         kir::load(c, Expr(i) * ldc + Expr(j)));
  Stmt epilogue =
      kir::for_loop(i, index_const(0), valid_rows, kir::ForKind::kSerial,
                    kir::for_loop(j, index_const(0), valid_cols, kir::ForKind::kVectorized, store));
  return lets.wrap(kir::allocate(
      c, kir::allocate(a_pack, kir::allocate(b_pack, kir::seq({reduction, epilogue})))));
}

}  // namespace

bool matmul_dynamic_applies(const graph::Node& n) {
  if (n.num_inputs() != 2 || !n.input(0) || !n.input(1) || !n.output(0)) return false;
  for (const graph::Value* v : {n.input(0), n.input(1), n.output(0)}) {
    if (v->dtype() != DType::kFloat32 || !v->type().is_static()) return false;
  }
  const Operands op = operands_of(n);
  if (op.m == 1 && op.n == 1) return false;
  return op.batches * op.m * op.n * op.k >= kMinMultiplyAdds;
}

Expected<Stmt> lower_matmul_dynamic(LowerContext& ctx, const graph::Node& n) {
  if (!matmul_dynamic_applies(n)) {
    return unsupported(n, "MatMul through the gemm microkernel (float32, large enough only)");
  }
  const Operands op = operands_of(n);
  if (op.batches * op.m * op.n == 0) return kir::seq({});
  const GemmBlocking bl = choose_gemm_blocking(
      op.batches, gemm_ceil_div(op.m, kGemmTileRows), gemm_ceil_div(op.n, kGemmPanelCols), op.k,
      op.k <= kShortK ? kMaxTilesShortK : kGemmMaxTilesPerBlock);
  kir::Var u = ctx.var("u");
  // m blocks innermost, then n blocks: neighbouring units (one thread's share) share a batch.
  const int64_t per_batch = bl.m_blocks * bl.n_blocks;
  Lets lets(ctx);
  Expr bi = lets.bind("bi", Expr(u) / per_batch);
  Expr within = Expr(u) % per_batch;
  Expr mb = lets.bind("mb", within % bl.m_blocks), nb = lets.bind("nb", within / bl.m_blocks);
  Stmt body = unit(ctx, lets, op, bl, bi, mb, nb);
  return kir::for_loop(u, index_const(0), index_const(op.batches * per_batch),
                       kir::ForKind::kParallel, body);
}

}  // namespace stitch::lower
