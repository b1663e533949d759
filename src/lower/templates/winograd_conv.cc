// Template of stitch.ConvWinogradNCHWc: a 3x3 stride-1 convolution on 8-channel blocks by
// Winograd's F(4x4, 3x3) (Lavin & Gray 2016), with the weight transformed at compile time
// (passes/layout_assignment.h). Part of lower/templates/.
//
// ---- The algorithm, per parallel unit ----
// The output plane is cut into 4x4 tiles (TH x TW per image, partial at the right and bottom);
// tile (ti, tj) reads the 6x6 input patch at (4 ti - pad_top, 4 tj - pad_left). A unit is one
// (image, block of output channel panels, block of T tiles), T a multiple of the GEMM's 6 rows:
//   (a) input transform: V[36][T][C] = B^T d B of the T patches, 8 channels per vector
//       (winograd_f32_4x4_3x3_input; tiles past the last one transform in-bounds data or zeros
//       and are never stored);
//   (b) 36 GEMMs, M[t] (T x Mu) = V[t] (T x C) x U[t] (C x Mu), by gemm_f32_6x16_rows reading
//       V in place (row stride C) and U's [C][16] panels (K blocks of <= 256 channels so that a
//       panel block stays in L1), into M[36][T][Mu];
//   (c) output transform A^T m A of each valid tile and 8-channel block
//       (winograd_f32_4x4_3x3_output) into a 4x4x8 tile, then bias and the fused epilogue,
//       stored for the pixels inside the output only (LowerContext::write).
// U is read once per unit, so a unit takes as many tiles as the scratch allows (up to
// kMaxRowTilesPerUnit x 6); output channels split into panel blocks only to give the thread pool
// enough units (late layers: few tiles, large U).
#include "lower/templates/matmul_packed.h"
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using kir::Stmt;

constexpr int64_t kTile = 4;        // output pixels per tile side
constexpr int64_t kPositions = 36;  // Winograd positions: 6 x 6
constexpr int64_t kLanes = 8;       // channels per block
// GEMM row tiles (6 Winograd tiles each) per unit: 18 tiles, V = 36 x 18 x C floats (166 KiB at
// C = 64). Measured against 2 and 6: 2 was within noise at 56x56 and 28x28 but 1.3x slower at
// 14x14 with 256 channels (U read twice per image), 6 no faster anywhere.
constexpr int64_t kMaxRowTilesPerUnit = 3;
constexpr int64_t kMaxPanelsPerUnit = 16;  // 256 output channels: M = 36 x T x 256 floats at most
constexpr int64_t kMaxKBlock = 256;        // one U panel block = 256 x 16 floats = 16 KiB (L1)
constexpr int64_t kMinUnits = 4;           // fewer, and output channels split further
// A small plane (one block of tiles) whose unit's working set (V, M and its part of U) exceeds
// L2 (512 KiB per core on Zen 3) splits its output channels until it fits: squeezenet's 13x13
// 64 -> 256 layer ran 2x faster at 1 thread with 1 panel per unit than with 4 (590 KiB of U per
// unit streaming past V and M). Only when V itself takes at most half the budget (a 256-channel
// V gains nothing and would repeat its input transform), and not on larger planes: there every
// split repeats the input transform of every tile block (resnet18's 56x56 layers measured 1.6x
// slower split to 1 panel per unit).
constexpr int64_t kUnitBytes = 384 * 1024;

int64_t ceil_div(int64_t a, int64_t b) { return gemm_ceil_div(a, b); }
int64_t balanced_block(int64_t count, int64_t max_per_block) {
  return ceil_div(count, ceil_div(count, max_per_block));
}

struct Plan {
  int64_t batch, cb, h, wd, m_blocks, oh, ow, pad_top, pad_left;
  int64_t c;               // input channels (cb x 8)
  int64_t tiles_w, tiles;  // tiles per row, per image
  int64_t tiles_per_unit, tile_blocks;
  int64_t panels, panels_per_unit, panel_blocks;
  int64_t k_block, k_blocks;
  int64_t units() const { return batch * panel_blocks * tile_blocks; }
};

Plan make_plan(const Shape& xs, const Shape& os, int64_t panels,
               const graph::nn::WindowGeometry& g) {
  Plan p;
  p.batch = xs[0];
  p.cb = xs[1];
  p.h = xs[2];
  p.wd = xs[3];
  p.m_blocks = os[1];
  p.oh = os[2];
  p.ow = os[3];
  p.pad_top = g.pads_begin[0];
  p.pad_left = g.pads_begin[1];
  p.c = p.cb * kLanes;
  p.tiles_w = ceil_div(p.ow, kTile);
  p.tiles = ceil_div(p.oh, kTile) * p.tiles_w;
  const int64_t row_tiles = ceil_div(p.tiles, kGemmTileRows);
  int64_t row_tiles_per_unit = balanced_block(row_tiles, kMaxRowTilesPerUnit);
  p.panels = panels;
  p.panels_per_unit = balanced_block(panels, kMaxPanelsPerUnit);
  // Too few units for the thread pool: split the output channels first (each unit then reads
  // less of U and repeats only the cheap input transform), then the tiles.
  while (p.batch * ceil_div(row_tiles, row_tiles_per_unit) * ceil_div(panels, p.panels_per_unit) <
         kMinUnits) {
    if (p.panels_per_unit > 1) {
      p.panels_per_unit = ceil_div(p.panels_per_unit, 2);
    } else if (row_tiles_per_unit > 1) {
      row_tiles_per_unit = ceil_div(row_tiles_per_unit, 2);
    } else {
      break;
    }
  }
  const int64_t tiles_per_unit = row_tiles_per_unit * kGemmTileRows;
  const int64_t v_bytes = kPositions * tiles_per_unit * p.c * 4;
  auto unit_bytes = [&](int64_t panels_per_unit) {
    const int64_t mu = panels_per_unit * kGemmPanelCols;
    return v_bytes + kPositions * (tiles_per_unit + p.c) * mu * 4;  // V + M + U's part
  };
  const bool one_tile_block = ceil_div(row_tiles, row_tiles_per_unit) == 1;
  while (one_tile_block && 2 * v_bytes <= kUnitBytes && p.panels_per_unit > 1 &&
         unit_bytes(p.panels_per_unit) > kUnitBytes) {
    p.panels_per_unit = ceil_div(p.panels_per_unit, 2);
  }
  p.tiles_per_unit = tiles_per_unit;
  p.tile_blocks = ceil_div(row_tiles, row_tiles_per_unit);
  p.panel_blocks = ceil_div(panels, p.panels_per_unit);
  p.k_block = balanced_block(p.c, kMaxKBlock);
  p.k_blocks = ceil_div(p.c, p.k_block);
  return p;
}

// The operands of one unit.
struct Unit {
  Expr image, tile0, p0;  // first tile and first panel of the unit
  Expr panels;            // panels of this unit (the last block may have fewer)
  kir::Buffer v, m, y;    // scratch: V [36][T][C], M [36][T][Mu], one output tile [16][8]
  int64_t ldm;            // Mu: M's row length
};

// (a) V[t][s][:] = B^T d B of tile tile0 + s, for s < T.
Stmt input_transform(LowerContext& ctx, const Plan& p, const Unit& u, const kir::Buffer& x) {
  kir::Var s = ctx.var("s");
  Expr tile = u.tile0 + Expr(s);
  Expr ih0 = (tile / p.tiles_w) * kTile - p.pad_top;
  Expr iw0 = (tile % p.tiles_w) * kTile - p.pad_left;
  Stmt call =
      kir::microkernel_call("stitch_winograd_f32_4x4_3x3_input",
                            {{x, u.image * (p.cb * p.h * p.wd * kLanes)}, {u.v, Expr(s) * p.c}},
                            {index_const(p.cb), index_const(p.h), index_const(p.wd), ih0, iw0,
                             index_const(p.tiles_per_unit * p.c)});
  return kir::for_loop(s, index_const(0), index_const(p.tiles_per_unit), kir::ForKind::kSerial,
                       call);
}

// (b) M[t] = V[t] x U[t] for the unit's panels, K blocks accumulated.
Stmt batched_gemm(LowerContext& ctx, const Plan& p, const Unit& u, const kir::Buffer& ubuf) {
  kir::Var t = ctx.var("t"), q = ctx.var("q"), kb = ctx.var("kb");
  Expr k0 = Expr(kb) * p.k_block;
  Expr kc = kir::min(index_const(p.k_block), index_const(p.c) - k0);
  const int64_t t_stride = p.tiles_per_unit;  // rows of V[t] and M[t]
  Stmt call = gemm_rows_microkernel_call(
      {u.v, Expr(t) * (t_stride * p.c) + k0},
      {ubuf, ((Expr(t) * p.panels + u.p0 + Expr(q)) * p.c + k0) * kGemmPanelCols},
      {u.m, Expr(t) * (t_stride * u.ldm) + Expr(q) * kGemmPanelCols},
      index_const(p.tiles_per_unit / kGemmTileRows), kc, p.c, u.ldm, Expr(kb));
  Stmt over_k =
      kir::for_loop(kb, index_const(0), index_const(p.k_blocks), kir::ForKind::kSerial, call);
  return kir::for_loop(t, index_const(0), index_const(kPositions), kir::ForKind::kSerial,
                       kir::for_loop(q, index_const(0), u.panels, kir::ForKind::kSerial, over_k));
}

// (c) A^T m A of every valid tile and channel block of the unit, plus bias, through the epilogue.
// The tile's position and the channel block are bound once (LetStmt), so that the lane loop of
// the epilogue indexes with plain variables and the C++ compiler vectorizes it (a floor division
// recomputed inside it is control flow that stops GCC's vectorizer).
Stmt output_transform(LowerContext& ctx, const graph::Node& n, const Plan& p, const Unit& u) {
  const graph::Value* bias = n.has_input(3) ? n.input(3) : nullptr;
  const graph::Value* out = n.output(0);
  kir::Var s = ctx.var("s"), b = ctx.var("b"), r = ctx.var("r"), j = ctx.var("j"), l = ctx.var("l");
  kir::Var oi0 = ctx.var("oi0"), oj0 = ctx.var("oj0"), block = ctx.var("block");
  Expr value = kir::load(u.y, (Expr(r) * kTile + Expr(j)) * kLanes + Expr(l));
  if (bias) value = value + ctx.read(bias, {Expr(block) * kLanes + Expr(l)});
  Stmt store = ctx.write(out, {u.image, block, Expr(oi0) + Expr(r), Expr(oj0) + Expr(j), l}, value);
  Stmt pixels = kir::for_loop(
      r, index_const(0), kir::min(index_const(kTile), index_const(p.oh) - Expr(oi0)),
      kir::ForKind::kSerial,
      kir::for_loop(
          j, index_const(0), kir::min(index_const(kTile), index_const(p.ow) - Expr(oj0)),
          kir::ForKind::kSerial,
          kir::for_loop(l, index_const(0), index_const(kLanes), kir::ForKind::kVectorized, store)));
  Stmt call =
      kir::microkernel_call("stitch_winograd_f32_4x4_3x3_output",
                            {{u.m, Expr(s) * u.ldm + Expr(b) * kLanes}, {u.y, index_const(0)}},
                            {index_const(p.tiles_per_unit * u.ldm)});
  const int64_t blocks_per_panel = kGemmPanelCols / kLanes;
  Stmt per_block =
      kir::let_stmt(block, u.p0 * blocks_per_panel + Expr(b), kir::seq({call, pixels}));
  // Blocks of this unit that exist (a last panel of 16 may hold one block of 8 channels).
  Expr blocks =
      kir::min(u.panels * blocks_per_panel, index_const(p.m_blocks) - u.p0 * blocks_per_panel);
  Expr tile = u.tile0 + Expr(s);
  Stmt per_tile = kir::for_loop(b, index_const(0), blocks, kir::ForKind::kSerial, per_block);
  per_tile = kir::let_stmt(oi0, (tile / p.tiles_w) * kTile,
                           kir::let_stmt(oj0, (tile % p.tiles_w) * kTile, per_tile));
  Expr valid_tiles = kir::min(index_const(p.tiles_per_unit), index_const(p.tiles) - u.tile0);
  return kir::for_loop(s, index_const(0), valid_tiles, kir::ForKind::kSerial, per_tile);
}

Stmt winograd_units(LowerContext& ctx, const graph::Node& n, const Plan& p, const kir::Buffer& x,
                    const kir::Buffer& ubuf) {
  kir::Var uv = ctx.var("u"), image = ctx.var("image"), p0 = ctx.var("p0"),
           tile0 = ctx.var("tile0");
  Unit u;
  u.image = image;
  u.p0 = p0;
  u.tile0 = tile0;
  u.panels = kir::min(index_const(p.panels_per_unit), index_const(p.panels) - u.p0);
  u.ldm = p.panels_per_unit * kGemmPanelCols;
  u.v = ctx.scratch("wino_v", DType::kFloat32, {kPositions * p.tiles_per_unit * p.c});
  u.m = ctx.scratch("wino_m", DType::kFloat32, {kPositions * p.tiles_per_unit * u.ldm});
  u.y = ctx.scratch("wino_y", DType::kFloat32, {kTile * kTile * kLanes});
  Stmt body = kir::seq({input_transform(ctx, p, u, x), batched_gemm(ctx, p, u, ubuf),
                        output_transform(ctx, n, p, u)});
  body = kir::allocate(u.v, kir::allocate(u.m, kir::allocate(u.y, body)));
  // Tile blocks innermost: a thread's neighbouring units share the same part of U.
  body = kir::let_stmt(tile0, (Expr(uv) % p.tile_blocks) * p.tiles_per_unit, body);
  body = kir::let_stmt(p0, ((Expr(uv) / p.tile_blocks) % p.panel_blocks) * p.panels_per_unit, body);
  body = kir::let_stmt(image, Expr(uv) / (p.panel_blocks * p.tile_blocks), body);
  return kir::for_loop(uv, index_const(0), index_const(p.units()), kir::ForKind::kParallel, body);
}

Expected<Stmt> lower_conv_winograd_nchwc(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* w = n.input(1);
  const graph::Value* out = n.output(0);
  const Shape& xs = x->shape();
  const DType dt = out->dtype();
  if (dt != DType::kFloat32 || xs[4] != kLanes) {
    return unsupported(n, "ConvWinogradNCHWc other than float32 in 8-channel blocks");
  }
  const kir::Buffer* ubuf = ctx.buffer_to_load(w);
  if (!ubuf) return unsupported(n, "a Winograd weight computed inside the kernel");
  STITCH_ASSIGN_OR_RETURN(graph::nn::WindowGeometry g,
                          graph::nn::window_geometry(n, {xs[2], xs[3]}, {3, 3}, false));
  const Plan p = make_plan(xs, out->shape(), w->shape()[1], g);
  if (const kir::Buffer* xbuf = ctx.buffer_to_load(x)) {
    return winograd_units(ctx, n, p, *xbuf, *ubuf);
  }
  // The input is computed in this kernel (an inlined reorder, as for ConvNCHWc): materialize it
  // once into a scratch shared by the threads; the transforms read memory.
  kir::Buffer x_buf = ctx.scratch("x_blocked", dt, {shape_numel(xs)});
  Stmt fill = loop_nest(ctx, xs, [&](const Index& idx) {
    return kir::store(x_buf, linearize(xs, idx), ctx.read(x, idx));
  });
  return kir::allocate(x_buf, kir::seq({fill, winograd_units(ctx, n, p, x_buf, *ubuf)}));
}

}  // namespace

void register_winograd_conv_templates(TemplateTable& t) {
  t.push_back({"ConvWinogradNCHWc", OpTemplate{nullptr, lower_conv_winograd_nchwc}});
}

}  // namespace stitch::lower
