// Templates of the blocked-channel window ops that layout assignment introduces
// (graph/ops/layout.cc): stitch.DepthwiseConvNCHWc and stitch.PoolNCHWc, and the padding
// reorder stitch.ReorderNCHWc. Part of lower/templates/.
//
// ---- Schedule ----
// Both ops map one channel block of b lanes to one SIMD vector: output pixel (i, j) of block c
// is acc = f over the window taps of X[n, c, tap, 0:b] (times W[c, p, q, 0:b] for the depthwise
// conv), all b channels at once. Threads split the (batch, channel block, output row) triples.
// Within a row, the columns whose whole window lies inside the input ("interior") go in
// register blocks of kPixelsPerBlock pixels: the block's accumulators stay in vector registers
// across every tap, each weight vector serves all of them, and no tap needs a bounds check. The
// few edge columns go one by one with their tap range clipped to the input. Rows clip their tap
// range the same way (the range of p is computed per row), so no load ever needs a select.
// Interior rows (every row tap inside the input) get constant tap bounds, and windows of up to
// kMaxUnrolledTaps taps are unrolled whole there. The accumulators then pass through the fused
// epilogue (LowerContext::write), lane by lane in a loop marked vectorized. (GCC mostly leaves
// these lane loops scalar: it does not SLP-vectorize lanes extracted from the accumulator
// registers; a vector-valued LowerContext::write would remove that cost.)
//
// When X is not a buffer (its reorder from the plain layout was inlined), taps read it lane by
// lane through LowerContext::read: same loops, scalar reads.
#include <algorithm>
#include <functional>
#include <utility>

#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using kir::Stmt;

// Output pixels per register block: 8 accumulators + the weight + one input vector stay within
// the 16 vector registers of AVX2.
constexpr int64_t kPixelsPerBlock = 8;
// Windows of up to this many taps are unrolled whole in interior rows (5x5).
constexpr int64_t kMaxUnrolledTaps = 25;

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The taps [lo, lo + count) of one spatial dim whose input position o * s - pb + k * d lies
// inside [0, in), for output position o (an expression).
struct TapRange {
  Expr lo, count;
};

TapRange tap_range(const Expr& o, int64_t s, int64_t pb, int64_t d, int64_t kernel, int64_t in) {
  Expr start = o * s - pb;  // position of tap 0
  // First k with start + k d >= 0: ceil(-start / d); last with start + k d <= in - 1.
  Expr lo = kir::max(index_const(0), (index_const(d - 1) - start) / d);
  Expr hi = kir::min(index_const(kernel), (index_const(in - 1) - start) / d + 1);
  return {lo, kir::max(hi - lo, index_const(0))};
}

// Taps inside the padded extent [-pb, in + pe) (AveragePool's count_include_pad divisor).
Expr padded_count(const Expr& o, int64_t s, int64_t pb, int64_t pe, int64_t d, int64_t kernel,
                  int64_t in) {
  Expr start = o * s - pb;
  Expr hi = (index_const(in + pe - 1) - start) / d + 1;
  return kir::max(kir::min(hi, index_const(kernel)), index_const(0));
}

// Interior output columns [lo, hi): every tap of their window lies inside [0, in).
std::pair<int64_t, int64_t> interior(const graph::nn::WindowGeometry& g, int64_t in, int64_t out,
                                     int dim) {
  const int64_t s = g.strides[dim], pb = g.pads_begin[dim];
  const int64_t extent = (g.kernel[dim] - 1) * g.dilations[dim];
  const int64_t lo = std::min(out, (pb + s - 1) / s);
  const int64_t hi = std::clamp<int64_t>(floor_div(in - 1 - extent + pb, s) + 1, lo, out);
  return {lo, hi};
}

// How a window op combines one tap into its accumulator: acc and x are vectors of b lanes; nci
// is (batch, channel block, output row).
using TapFn = std::function<Expr(const Expr& acc, const Expr& x, const Index& nci, const Expr& p,
                                 const Expr& q)>;

struct WindowOp {
  const graph::Value *x = nullptr, *out = nullptr;
  const kir::Buffer* xbuf = nullptr;  // x's buffer (window_nest materializes x without one)
  graph::nn::WindowGeometry g;
  int64_t h = 0, w = 0, b = 0;
  std::function<Expr(const Index& nci)> init;  // the accumulator before any tap (vector)
  TapFn tap;
  // The output (vector) of one pixel (column j) from its accumulator; `taps` is the number of
  // window taps inside the input. Unset: the accumulator itself.
  std::function<Expr(const Expr& acc, const Index& nci, const Expr& j, const Expr& taps)> finish;
};

// The statements of one register block of `pixels` output columns from j0 of row nci[2], whose
// row taps are `rows` (all of them in an interior row: `full_rows`). Interior blocks run every
// column tap unchecked; an edge block (one pixel) clips its column taps.
Stmt window_block(LowerContext& ctx, const WindowOp& op, const Index& nci, const TapRange& rows,
                  bool full_rows, const Expr& j0, int64_t pixels, bool edge) {
  const graph::nn::WindowGeometry& g = op.g;
  const int lanes = static_cast<int>(op.b);
  kir::Buffer acc = ctx.scratch("acc", op.out->dtype(), {pixels * op.b});
  TapRange cols =
      edge ? tap_range(j0, g.strides[1], g.pads_begin[1], g.dilations[1], g.kernel[1], op.w)
           : TapRange{index_const(0), index_const(g.kernel[1])};
  kir::Var vp = ctx.var("p"), vq = ctx.var("q");
  const Expr init = op.init(nci);
  std::vector<Stmt> body, taps, outs;
  for (int64_t r = 0; r < pixels; ++r) {
    const Expr off = index_const(r * op.b);
    body.push_back(kir::vector_store(acc, off, init));
    Expr row = nci[2] * g.strides[0] - g.pads_begin[0] + Expr(vp) * g.dilations[0];
    Expr col = (j0 + r) * g.strides[1] - g.pads_begin[1] + Expr(vq) * g.dilations[1];
    Expr a = kir::vector_load(acc, off, lanes);
    Expr xv = kir::vector_load(
        *op.xbuf, linearize(op.x->shape(), {nci[0], nci[1], row, col, index_const(0)}), lanes);
    taps.push_back(kir::vector_store(acc, off, op.tap(a, xv, nci, vp, vq)));
    Expr result = op.finish ? op.finish(a, nci, j0 + r, rows.count * cols.count) : a;
    if (!result.same_as(a)) outs.push_back(kir::vector_store(acc, off, result));
    kir::Var vl = ctx.var("l");
    outs.push_back(kir::for_loop(vl, index_const(0), index_const(op.b), kir::ForKind::kVectorized,
                                 ctx.write(op.out, {nci[0], nci[1], nci[2], j0 + r, Expr(vl)},
                                           kir::load(acc, off + Expr(vl)))));
  }
  // Interior blocks unroll the column taps so that the accumulators stay in registers; interior
  // rows unroll the row taps too (constant bounds, no loop-carried accumulators).
  const kir::ForKind q_kind = edge ? kir::ForKind::kSerial : kir::ForKind::kUnrolled;
  const bool unroll_p = full_rows && !edge && g.kernel[0] * g.kernel[1] <= kMaxUnrolledTaps;
  Stmt over_q = kir::for_loop(vq, cols.lo, cols.count, q_kind, kir::seq(std::move(taps)));
  body.push_back(kir::for_loop(vp, rows.lo, rows.count,
                               unroll_p ? kir::ForKind::kUnrolled : kir::ForKind::kSerial, over_q));
  body.insert(body.end(), outs.begin(), outs.end());
  return kir::allocate(acc, kir::seq(std::move(body)));
}

// The whole op: parallel over (batch, channel block, output row), then the row's columns:
// left edge, interior register blocks, right edge.
Stmt window_nest_over_buffer(LowerContext& ctx, const WindowOp& op);

// An input computed inside this kernel (a blocked Concat of two convs, an inlined reorder) is
// first materialized into a scratch shared by the threads: every input element is then computed
// once, not once per tap and lane, and the taps become vector loads (SqueezeNet's MaxPool after
// a fire module's Concat: 0.9 ms lane by lane).
Stmt window_nest(LowerContext& ctx, const WindowOp& op) {
  if (op.xbuf) return window_nest_over_buffer(ctx, op);
  const Shape& xs = op.x->shape();
  kir::Buffer xb = ctx.scratch("x_blocked", op.x->dtype(), {shape_numel(xs)});
  Stmt fill = loop_nest(ctx, xs, [&](const Index& idx) {
    return kir::store(xb, linearize(xs, idx), ctx.read(op.x, idx));
  });
  WindowOp materialized = op;
  materialized.xbuf = &xb;
  return kir::allocate(xb, kir::seq({fill, window_nest_over_buffer(ctx, materialized)}));
}

Stmt window_nest_over_buffer(LowerContext& ctx, const WindowOp& op) {
  const Shape& os = op.out->shape();
  const int64_t oh = os[2], ow = os[3];
  // Plain variables, not a structured binding: C++17 lambdas cannot capture those.
  const std::pair<int64_t, int64_t> columns = interior(op.g, op.w, ow, 1);
  const int64_t lo = columns.first, hi = columns.second;
  kir::Var vu = ctx.var("u"), vn = ctx.var("n"), vc = ctx.var("c"), vi = ctx.var("i");
  const Index nci{vn, vc, vi};
  // One row: left edge columns, interior register blocks, right edge columns.
  auto row_body = [&](const TapRange& rows, bool full_rows) {
    std::vector<Stmt> row;
    auto edge_loop = [&](int64_t begin, int64_t end) {
      if (end <= begin) return;
      kir::Var vj = ctx.var("j");
      row.push_back(
          kir::for_loop(vj, index_const(begin), index_const(end - begin), kir::ForKind::kSerial,
                        window_block(ctx, op, nci, rows, full_rows, Expr(vj), 1, /*edge=*/true)));
    };
    edge_loop(0, lo);
    const int64_t full = (hi - lo) / kPixelsPerBlock, rest = (hi - lo) % kPixelsPerBlock;
    if (full > 0) {
      kir::Var vj = ctx.var("jb");
      row.push_back(
          kir::for_loop(vj, index_const(0), index_const(full), kir::ForKind::kSerial,
                        window_block(ctx, op, nci, rows, full_rows, Expr(vj) * kPixelsPerBlock + lo,
                                     kPixelsPerBlock, false)));
    }
    if (rest > 0) {
      row.push_back(window_block(ctx, op, nci, rows, full_rows,
                                 index_const(lo + full * kPixelsPerBlock), rest, false));
    }
    edge_loop(hi, ow);
    return kir::seq(std::move(row));
  };
  // Interior rows (every row tap inside the input) get constant tap bounds; the others bind
  // their clipped tap range once per row.
  auto [row_lo, row_hi] = interior(op.g, op.h, oh, 0);
  TapRange range = tap_range(Expr(vi), op.g.strides[0], op.g.pads_begin[0], op.g.dilations[0],
                             op.g.kernel[0], op.h);
  kir::Var vlo = ctx.var("p_lo"), vcount = ctx.var("p_count");
  Stmt edge_rows = kir::let_stmt(
      vlo, range.lo, kir::let_stmt(vcount, range.count, row_body({vlo, vcount}, false)));
  Stmt body = edge_rows;
  if (row_hi > row_lo) {
    Stmt full_rows = row_body({index_const(0), index_const(op.g.kernel[0])}, true);
    body = row_lo == 0 && row_hi == oh
               ? full_rows
               : kir::if_then_else(kir::logical_and(kir::ge(Expr(vi), index_const(row_lo)),
                                                    kir::lt(Expr(vi), index_const(row_hi))),
                                   full_rows, edge_rows);
  }
  const Expr u = vu;
  body = kir::let_stmt(vi, u % oh, body);
  body = kir::let_stmt(vc, u / oh % os[1], body);
  body = kir::let_stmt(vn, os[0] == 1 ? index_const(0) : u / (os[1] * oh), body);
  return kir::for_loop(vu, index_const(0), index_const(os[0] * os[1] * oh), kir::ForKind::kParallel,
                       body);
}

// Checks shared by both ops; fills the geometry and the buffer of x.
Status prepare(LowerContext& ctx, const graph::Node& n, const Shape& kernel, bool ceil_mode,
               WindowOp& op) {
  op.x = n.input(0);
  op.out = n.output(0);
  const Shape& xs = op.x->shape();
  if (op.out->dtype() != DType::kFloat32 || op.x->dtype() != DType::kFloat32) {
    return unsupported(n, n.op_type() + " on " + std::string(dtype_name(op.out->dtype())));
  }
  if (xs.size() != 5) return unsupported(n, "an input that is not [N, C/b, H, W, b]");
  op.h = xs[2];
  op.w = xs[3];
  op.b = xs[4];
  if (op.b != 8 && op.b != 16) return unsupported(n, "blocks other than 8 or 16 channels");
  STITCH_ASSIGN_OR_RETURN(op.g, graph::nn::window_geometry(n, {op.h, op.w}, kernel, ceil_mode));
  op.xbuf = ctx.buffer_to_load(op.x);
  return Status::ok();
}

Expected<Stmt> lower_depthwise_conv_nchwc(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* w = n.input(1);
  const graph::Value* bias = n.has_input(2) ? n.input(2) : nullptr;
  const Shape& ws = w->shape();
  WindowOp op;
  STITCH_RETURN_IF_ERROR(prepare(ctx, n, {ws[1], ws[2]}, false, op));
  const kir::Buffer* wbuf = ctx.buffer_to_load(w);
  if (!wbuf) return unsupported(n, "a weight computed inside the kernel");
  const kir::Buffer* bbuf = bias ? ctx.buffer_to_load(bias) : nullptr;
  if (bias && !bbuf) return unsupported(n, "a bias computed inside the kernel");
  const int lanes = static_cast<int>(op.b);
  const int64_t kh = ws[1], kw = ws[2], b = op.b;
  op.init = [=](const Index& nci) {
    return bbuf ? kir::vector_load(*bbuf, nci[1] * b, lanes)
                : kir::make_const(kir::Type{DType::kFloat32, lanes}, 0.0);
  };
  op.tap = [=](const Expr& acc, const Expr& x, const Index& nci, const Expr& p, const Expr& q) {
    return acc + x * kir::vector_load(*wbuf, ((nci[1] * kh + p) * kw + q) * b, lanes);
  };
  return window_nest(ctx, op);
}

// Max: the largest tap inside the input (0 when none is); average: the sum of the taps inside,
// divided by their count, or with count_include_pad by the taps inside the padded extent.
Expected<Stmt> lower_pool_nchwc(LowerContext& ctx, const graph::Node& n) {
  const bool is_max = n.attr_string("mode", "") == "max";
  const bool include_pad = n.attr_int("count_include_pad", 0) != 0;
  WindowOp op;
  STITCH_RETURN_IF_ERROR(
      prepare(ctx, n, n.attr_ints("kernel_shape"), n.attr_int("ceil_mode", 0) != 0, op));
  const int lanes = static_cast<int>(op.b);
  const kir::Type vec{DType::kFloat32, lanes};
  op.init = [=](const Index&) {
    return kir::make_const(vec, is_max ? dtype_lowest(DType::kFloat32) : 0.0);
  };
  op.tap = [=](const Expr& acc, const Expr& x, const Index&, const Expr&, const Expr&) {
    return is_max ? kir::max(acc, x) : acc + x;
  };
  const graph::nn::WindowGeometry g = op.g;
  const int64_t h = op.h, w = op.w;
  op.finish = [=](const Expr& acc, const Index& nci, const Expr& j, const Expr& taps) {
    const kir::Type t{DType::kFloat32, acc->type.lanes};
    Expr none = kir::le(taps, index_const(0));
    if (is_max) return kir::select(none, kir::make_const(t, 0.0), acc);
    Expr count = taps;
    if (include_pad) {
      count = padded_count(nci[2], g.strides[0], g.pads_begin[0], g.pads_end[0], g.dilations[0],
                           g.kernel[0], h) *
              padded_count(j, g.strides[1], g.pads_begin[1], g.pads_end[1], g.dilations[1],
                           g.kernel[1], w);
    }
    count = kir::max(count, index_const(1));
    return acc / kir::broadcast(kir::cast(kir::Type{DType::kFloat32, 1}, count), t.lanes);
  };
  return window_nest(ctx, op);
}

// A plain [N, C, H, W] input into [N, ceil(C/b), H, W, b], zero past C: one pass, lanes
// innermost (the reads stride over channels; this is the reorder of a stem input of a few
// channels, materialized so that its conv reads a buffer).
Expected<Stmt> lower_reorder_nchwc(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  if (x->dtype() != DType::kFloat32) {
    return unsupported(n, "ReorderNCHWc on " + std::string(dtype_name(x->dtype())));
  }
  const int64_t c = x->shape()[1], b = out->shape()[4];
  const Shape& os = out->shape();
  const kir::Buffer* xbuf = b == 8 ? ctx.buffer_to_load(x) : nullptr;
  const kir::Buffer* ybuf = ctx.has_epilogue(out) ? nullptr : ctx.find_buffer(out);
  if (xbuf && ybuf) {
    // 8-channel blocks from a buffer into a buffer: the reorder_f32_nchw8c microkernel, one
    // unit per (image, block, row), each an 8 x 8 transpose per 8 pixels.
    const int64_t cb = os[1], h = os[2], w = os[3];
    kir::Var u = ctx.var("u");
    Expr image = Expr(u) / (cb * h), block = (Expr(u) / h) % cb, row = Expr(u) % h;
    Stmt call = kir::microkernel_call(
        "stitch_reorder_f32_nchw8c",
        {{*xbuf, ((image * c + block * 8) * h + row) * w},
         {*ybuf, ((image * cb + block) * h + row) * (w * 8)}},
        {kir::min(index_const(8), index_const(c) - block * 8), index_const(h * w), index_const(w)});
    return kir::for_loop(u, index_const(0), index_const(os[0] * cb * h), kir::ForKind::kParallel,
                         call);
  }
  return loop_nest(ctx, out->shape(), [&](const Index& idx) {
    Expr ch = idx[1] * b + idx[4];
    Expr v = ctx.read(x, {idx[0], clamp_index(ch, c), idx[2], idx[3]});
    return ctx.write(out, idx,
                     kir::select(kir::lt(ch, index_const(c)), v, constant(DType::kFloat32, 0)));
  });
}

}  // namespace

void register_blocked_depthwise_templates(TemplateTable& t) {
  t.push_back({"DepthwiseConvNCHWc", OpTemplate{nullptr, lower_depthwise_conv_nchwc}});
  t.push_back({"PoolNCHWc", OpTemplate{nullptr, lower_pool_nchwc}});
  t.push_back({"ReorderNCHWc", OpTemplate{nullptr, lower_reorder_nchwc}});
}

}  // namespace stitch::lower
