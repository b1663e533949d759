// Templates of the blocked-channel (NCHWc) ops that layout assignment introduces
// (graph/ops/layout.cc). Part of lower/templates/.
//
// ConvNCHWc with 8-channel blocks runs its reduction in the conv_f32_nchw8c microkernel
// (codegen/cpp/microkernels/), which keeps 6 pixels x 16 output channels in registers and
// chunks the input channels so that the weights in use stay in L1; the template adds the bias
// and applies the fused epilogue. An input computed inside the kernel (an inlined reorder) is
// first materialized into a shared scratch, since the microkernel reads memory.
//
// Other block sizes (16, for AVX-512 layouts) use kir loops, register-blocked: for one output
// row segment of R pixels and one block of b output channels, R vector accumulators of b lanes
// live across the whole reduction (input channel block x kernel taps x b input channels); each
// step loads one contiguous weight vector and broadcasts one input element per pixel, so each
// loaded weight serves R FMAs.
#include <algorithm>

#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using kir::Stmt;

// Output pixels per register block: R accumulators + one weight + one broadcast stay within
// the 16 vector registers of AVX2.
constexpr int64_t kPixelsPerBlock = 6;

// The channels of each input block the conv must sum: 8, or fewer for a stem whose input a
// stitch.ReorderNCHWc zero-padded from C < 8 channels to one block (the microkernel then skips
// the FMAs on zeros: 3 of 8 channels are real in an RGB stem).
int64_t channels_per_block(const graph::Value& x) {
  const graph::Node* p = x.producer();
  if (p == nullptr || p->op_type() != "ReorderNCHWc" || x.shape()[1] != 1) return 8;
  const Shape& plain = p->input(0)->shape();
  return plain.size() == 4 && plain[1] >= 1 && plain[1] < 8 ? plain[1] : 8;
}

// Accumulator bytes of one microkernel call: 16 KiB stay in L1 between the microkernel and the
// epilogue (and on the stack). A pointwise conv's segment is as long as fits.
constexpr int64_t kAccBytes = 16 * 1024;
// Output pixels a call should cover so that each chunk of weights the microkernel brings into
// L1 serves several register tiles (8 tiles of 6). A 7 x 7 plane computed a row per call read
// every weight from L2 once per 7 pixels: resnet50's 512-channel 3x3 convs moved 295 KiB of
// weights per 7-pixel row, more than L2 delivers in the time of the row's FMAs.
constexpr int64_t kPixelsPerCall = 48;
// Fewer parallel units than this and a call covers fewer rows, so that threads have work.
constexpr int64_t kMinUnits = 8;

bool is_zero(int64_t v) { return v == 0; }

// How a conv's output channel blocks split into microkernel calls ("groups"): the first `lead`
// groups have lead_nb blocks each, the `tail` groups after them tail_nb each.
struct BlockGroups {
  int64_t lead = 0, lead_nb = 2, tail = 0, tail_nb = 2;
  int64_t count() const { return lead + tail; }
  int64_t max_nb() const { return std::max(lead > 0 ? lead_nb : 0, tail > 0 ? tail_nb : 0); }
};

// Groups of 2 blocks (the 6 x 2 register tile); an odd count above 1 gives its last group 3 (a
// 4 x 3 tile) rather than 1 (6 x 1, half the rate), unless a row of 3-block accumulators would
// not fit kAccBytes. Rows so narrow that 6-pixel tiles split them into tiles of under 4 pixels
// (7 = 4 + 3; widths 1 to 3) take groups of 3 instead, with 2 + 2 or 2 for a remainder: a 3 x 2
// tile has 6 accumulators for the FMA latency to hide behind where 3 x 3 has 9. resnet50's and
// resnet18's 512-channel 3x3 convs on 7x7, in the microkernel alone: 65 -> 83 GFLOP/s at 1
// thread (the same for stride 2 from 14x14); rows of 13 or more measured the same either way.
BlockGroups group_output_blocks(int64_t m_blocks, bool pointwise, int64_t ow) {
  constexpr int64_t kPairTile = 6;  // pixels per tile with 2 blocks
  const int64_t pair_tiles = (ow + kPairTile - 1) / kPairTile;
  const bool narrow = !pointwise && ow / pair_tiles < 4;
  BlockGroups bg;
  if (narrow && m_blocks >= 3 && ow * 3 * 8 * 4 <= kAccBytes) {
    const int64_t rest = m_blocks % 3;
    bg.lead_nb = 3;
    bg.tail_nb = 2;
    bg.lead = (m_blocks - (rest == 1 ? 4 : rest)) / 3;
    bg.tail = rest == 0 ? 0 : (rest == 1 ? 2 : 1);
    return bg;
  }
  const bool three = pointwise || ow * 3 * 8 * 4 <= kAccBytes;
  const int64_t groups = three ? std::max<int64_t>(1, m_blocks / 2) : (m_blocks + 1) / 2;
  bg.lead = groups - 1;
  bg.tail = 1;
  bg.tail_nb = m_blocks - bg.lead * 2;
  return bg;
}

// ConvNCHWc through the microkernel: one parallel unit per (image, group of output channel
// blocks, group of output rows); the microkernel fills the rows' accumulators, the template adds
// the bias and writes them through the epilogue. A group is one row of a wide plane and several
// rows of a narrow one (kPixelsPerCall).
//
// A pointwise conv (1x1, stride 1, no padding) reads the pixel plane as one long row, cut into
// segments whose accumulators fit kAccBytes: rows of a 7x7 or 14x14 plane would leave a
// 1- or 2-pixel tail tile per row (a sixth of the FMA rate) and a call per row.
// `xbuf` holds the input as `xs` ([N][cb][h][wd][8]), which `g` describes.
Stmt conv_nchwc_microkernel(LowerContext& ctx, const graph::Node& n, const kir::Buffer& xbuf,
                            const Shape& xs, const kir::Buffer& wbuf,
                            const graph::nn::WindowGeometry& g) {
  const graph::Value* bias = n.has_input(2) ? n.input(2) : nullptr;
  const graph::Value* out = n.output(0);
  const Shape& ws = n.input(1)->shape();
  const Shape& os = out->shape();
  const int64_t cb = xs[1], h = xs[2], wd = xs[3];
  const int64_t kh = ws[2], kw = ws[3];
  const int64_t m_blocks = os[1], oh = os[2], ow = os[3];
  const bool pointwise = kh == 1 && kw == 1 && g.strides[0] == 1 && g.strides[1] == 1 &&
                         g.pads_begin[0] == 0 && g.pads_begin[1] == 0 && g.pads_end[0] == 0 &&
                         g.pads_end[1] == 0;
  const BlockGroups bg = group_output_blocks(m_blocks, pointwise, ow);
  const int64_t groups = bg.count();
  const int64_t max_nb = bg.max_nb();
  const int64_t wstride = cb * kh * kw * 64;
  const DType dt = out->dtype();
  // Per unit: a segment of the plane seen as one row of `plane` pixels (pointwise), or a group
  // of `group_rows` output rows of `ow` pixels.
  const int64_t plane = oh * ow;
  const int64_t segment_limit = kAccBytes / (max_nb * 8 * 4);
  int64_t group_rows = 1;
  if (!pointwise) {
    const int64_t fit = std::max<int64_t>(1, segment_limit / ow);
    group_rows = std::min({oh, fit, (kPixelsPerCall + ow - 1) / ow});
    while (group_rows > 1 && os[0] * groups * ((oh + group_rows - 1) / group_rows) < kMinUnits) {
      --group_rows;
    }
    const int64_t row_groups = (oh + group_rows - 1) / group_rows;
    group_rows = (oh + row_groups - 1) / row_groups;  // balanced: 7 rows in 4 + 3, not 6 + 1
  }
  int64_t segments =
      pointwise ? (plane + segment_limit - 1) / segment_limit : (oh + group_rows - 1) / group_rows;
  // A small plane with few output blocks (squeezenet's 13x13 squeeze convs: 3 groups) splits
  // into more segments, down to 4 tiles each, so that two threads do not split 3 units 2 + 1.
  if (pointwise) {
    const int64_t min_pixels = 4 * 6;
    while (os[0] * groups * segments < kMinUnits &&
           (plane + segments) / (segments + 1) >= min_pixels) {
      ++segments;
    }
  }
  const int64_t seg_pixels = pointwise ? (plane + segments - 1) / segments : ow;

  kir::Var u = ctx.var("u");
  Expr seg = Expr(u) % segments;
  Expr group = (Expr(u) / segments) % groups;
  Expr image = Expr(u) / (segments * groups);
  Expr m0 = group * (bg.lead > 0 ? bg.lead_nb : bg.tail_nb);
  Expr nb = index_const(bg.tail > 0 ? bg.tail_nb : bg.lead_nb);
  if (bg.lead > 0 && bg.tail > 0 && bg.tail_nb != bg.lead_nb) {
    Expr in_lead = kir::lt(group, index_const(bg.lead));
    m0 = kir::select(in_lead, m0,
                     index_const(bg.lead * bg.lead_nb) + (group - bg.lead) * bg.tail_nb);
    nb = kir::select(in_lead, index_const(bg.lead_nb), index_const(bg.tail_nb));
  }
  Expr p0 = seg * seg_pixels;  // pointwise: the segment's first pixel
  Expr len =
      pointwise ? kir::min(index_const(seg_pixels), index_const(plane) - p0) : index_const(ow);
  // Non-pointwise: the group's first row and its row count (the last group may be shorter).
  Expr row0 = seg * group_rows;
  Expr rows = kir::min(index_const(group_rows), index_const(oh) - row0);
  kir::Buffer acc = ctx.scratch("acc", dt, {group_rows * seg_pixels * max_nb * 8});
  Expr x_offset = image * (cb * h * wd * 8);
  std::vector<Expr> geometry;
  if (pointwise) {
    x_offset = x_offset + p0 * 8;
    geometry = {index_const(1),
                index_const(plane),
                index_const(1),
                index_const(1),
                index_const(1),
                index_const(1),
                index_const(0),
                index_const(0),
                index_const(1),
                index_const(1),
                index_const(0),
                index_const(1),
                len};
  } else {
    geometry = {index_const(h),
                index_const(wd),
                index_const(kh),
                index_const(kw),
                index_const(g.strides[0]),
                index_const(g.strides[1]),
                index_const(g.pads_begin[0]),
                index_const(g.pads_begin[1]),
                index_const(g.dilations[0]),
                index_const(g.dilations[1]),
                row0,
                rows,
                index_const(ow)};
  }
  std::vector<Expr> params{nb, index_const(wstride), index_const(cb),
                           index_const(channels_per_block(*n.input(0)))};
  params.insert(params.end(), geometry.begin(), geometry.end());
  Stmt call = kir::microkernel_call("stitch_conv_f32_nchw8c",
                                    {{xbuf, x_offset}, {wbuf, m0 * wstride}, {acc, index_const(0)}},
                                    std::move(params));
  kir::Var i = ctx.var("i"), j = ctx.var("j"), b = ctx.var("b"), l = ctx.var("l");
  Expr acc_row = pointwise ? index_const(0) : Expr(i);
  Expr value = kir::load(acc, ((acc_row * len + Expr(j)) * nb + Expr(b)) * 8 + Expr(l));
  if (bias) value = value + ctx.read(bias, {(m0 + Expr(b)) * 8 + Expr(l)});
  Expr pixel = p0 + Expr(j);
  Index at = pointwise ? Index{image, m0 + Expr(b), pixel / ow, pixel % ow, Expr(l)}
                       : Index{image, m0 + Expr(b), row0 + Expr(i), Expr(j), Expr(l)};
  Stmt store = ctx.write(out, at, value);
  Stmt epilogue = kir::for_loop(j, index_const(0), len, kir::ForKind::kSerial,
                                kir::for_loop(b, index_const(0), nb, kir::ForKind::kSerial,
                                              kir::for_loop(l, index_const(0), index_const(8),
                                                            kir::ForKind::kVectorized, store)));
  if (!pointwise) {
    epilogue = kir::for_loop(i, index_const(0), rows, kir::ForKind::kSerial, epilogue);
  }
  return kir::for_loop(u, index_const(0), index_const(os[0] * groups * segments),
                       kir::ForKind::kParallel, kir::allocate(acc, kir::seq({call, epilogue})));
}

Expected<Stmt> lower_conv_nchwc(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* w = n.input(1);
  const graph::Value* bias = n.has_input(2) ? n.input(2) : nullptr;
  const graph::Value* out = n.output(0);
  const Shape& xs = x->shape();
  const Shape& ws = w->shape();
  const Shape& os = out->shape();
  const DType dt = out->dtype();
  if (dt != DType::kFloat32) return unsupported(n, "ConvNCHWc on " + std::string(dtype_name(dt)));
  const int64_t cb = xs[1], h = xs[2], wd = xs[3], b = xs[4];
  const int64_t kh = ws[2], kw = ws[3];
  if (b != 8 && b != 16) return unsupported(n, "blocks other than 8 or 16 channels");
  const kir::Buffer* wbuf = ctx.buffer_to_load(w);
  if (!wbuf) return unsupported(n, "a weight computed inside the kernel");
  STITCH_ASSIGN_OR_RETURN(graph::nn::WindowGeometry g,
                          graph::nn::window_geometry(n, {h, wd}, {kh, kw}, false));
  if (b == 8) {
    const bool unpadded = std::all_of(g.pads_begin.begin(), g.pads_begin.end(), is_zero) &&
                          std::all_of(g.pads_end.begin(), g.pads_end.end(), is_zero);
    if (kh == 1 && kw == 1 && unpadded && (g.strides[0] > 1 || g.strides[1] > 1)) {
      // A strided 1x1 conv (a ResNet downsample) is a pointwise conv of the pixels it reads:
      // copy them once into a dense scratch. Read in place, each used pixel (32 bytes) sits in
      // its own cache line, and every pair of output blocks streams the sparse plane again.
      const Shape sub{xs[0], cb, os[2], os[3], 8};
      kir::Buffer sub_buf = ctx.scratch("x_subsampled", dt, {shape_numel(sub)});
      Stmt fill = loop_nest(ctx, sub, [&](const Index& idx) {
        Index at{idx[0], idx[1], idx[2] * g.strides[0], idx[3] * g.strides[1], idx[4]};
        return kir::store(sub_buf, linearize(sub, idx), ctx.read(x, at));
      });
      graph::nn::WindowGeometry unit_stride = g;
      unit_stride.strides = {1, 1};
      unit_stride.dilations = {1, 1};
      return kir::allocate(
          sub_buf,
          kir::seq({fill, conv_nchwc_microkernel(ctx, n, sub_buf, sub, *wbuf, unit_stride)}));
    }
    if (const kir::Buffer* xbuf = ctx.buffer_to_load(x)) {
      return conv_nchwc_microkernel(ctx, n, *xbuf, xs, *wbuf, g);
    }
    // The input is computed in this kernel (an inlined reorder into the blocked layout, a
    // padding): materialize it once into a scratch shared by the threads, then convolve that.
    // Each input element costs one evaluation here instead of one per tap and output block.
    kir::Buffer xs_buf = ctx.scratch("x_blocked", dt, {shape_numel(xs)});
    Stmt fill = loop_nest(ctx, xs, [&](const Index& idx) {
      return kir::store(xs_buf, linearize(xs, idx), ctx.read(x, idx));
    });
    return kir::allocate(xs_buf,
                         kir::seq({fill, conv_nchwc_microkernel(ctx, n, xs_buf, xs, *wbuf, g)}));
  }
  const int lanes = static_cast<int>(b);
  kir::Var vn = ctx.var("n");
  // Batch 1 (the common case) gets no loop, so the parallel loop is outermost.
  const Expr ne = os[0] == 1 ? index_const(0) : Expr(vn);
  const kir::Type vec{dt, lanes};

  kir::Var vm = ctx.var("m"), vi = ctx.var("i"), vj = ctx.var("j");
  // One register block of `pixels` output pixels starting at column j0.
  auto block = [&](const Expr& j0, int64_t pixels) -> Stmt {
    kir::Buffer acc = ctx.scratch("acc", dt, {pixels * b});
    kir::Var vc = ctx.var("c"), vp = ctx.var("p"), vq = ctx.var("q"), vci = ctx.var("ci");
    Expr init = bias
                    ? kir::load(*ctx.buffer_to_load(bias), kir::ramp(vm * b, index_const(1), lanes))
                    : kir::make_const(vec, 0.0);
    std::vector<Stmt> init_stores, fmas, stores;
    Expr wbase = ((((vm * cb + vc) * kh + vp) * kw + vq) * b + vci) * b;
    Expr wv = kir::load(*wbuf, kir::ramp(wbase, index_const(1), lanes));
    for (int64_t r = 0; r < pixels; ++r) {
      init_stores.push_back(kir::vector_store(acc, index_const(r * b), init));
      Index o{Expr(vi), j0 + r};
      WindowTap tap = window_tap(g, {h, wd}, o, {Expr(vp), Expr(vq)});
      Expr xv = ctx.read(x, {ne, Expr(vc), tap.pos[0], tap.pos[1], Expr(vci)});
      xv = kir::select(tap.inside, xv, constant(dt, 0));
      Expr sum = kir::vector_load(acc, index_const(r * b), lanes) + kir::broadcast(xv, lanes) * wv;
      fmas.push_back(kir::vector_store(acc, index_const(r * b), sum));
      kir::Var vl = ctx.var("l");
      stores.push_back(kir::for_loop(vl, index_const(0), index_const(b), kir::ForKind::kVectorized,
                                     ctx.write(out, {ne, Expr(vm), Expr(vi), j0 + r, Expr(vl)},
                                               kir::load(acc, index_const(r * b) + Expr(vl)))));
    }
    Stmt reduction = kir::for_loop(
        vc, index_const(0), index_const(cb), kir::ForKind::kSerial,
        kir::for_loop(vp, index_const(0), index_const(kh), kir::ForKind::kSerial,
                      kir::for_loop(vq, index_const(0), index_const(kw), kir::ForKind::kSerial,
                                    kir::for_loop(vci, index_const(0), index_const(b),
                                                  kir::ForKind::kSerial, kir::seq(fmas)))));
    std::vector<Stmt> body = std::move(init_stores);
    body.push_back(reduction);
    body.insert(body.end(), stores.begin(), stores.end());
    return kir::allocate(acc, kir::seq(std::move(body)));
  };

  const int64_t ow = os[3];
  const int64_t full = ow / kPixelsPerBlock, rest = ow % kPixelsPerBlock;
  std::vector<Stmt> row;
  if (full > 0) {
    row.push_back(kir::for_loop(vj, index_const(0), index_const(full), kir::ForKind::kSerial,
                                block(Expr(vj) * kPixelsPerBlock, kPixelsPerBlock)));
  }
  if (rest > 0) row.push_back(block(index_const(full * kPixelsPerBlock), rest));
  Stmt per_row = kir::for_loop(vi, index_const(0), index_const(os[2]), kir::ForKind::kSerial,
                               kir::seq(std::move(row)));
  // Threads split the (batch, output channel block) pairs.
  Stmt per_block =
      kir::for_loop(vm, index_const(0), index_const(os[1]), kir::ForKind::kParallel, per_row);
  if (os[0] == 1) return per_block;
  return kir::for_loop(vn, index_const(0), index_const(os[0]), kir::ForKind::kSerial, per_block);
}

}  // namespace

void register_blocked_layout_templates(TemplateTable& t) {
  t.push_back({"ConvNCHWc", OpTemplate{nullptr, lower_conv_nchwc}});
}

}  // namespace stitch::lower
