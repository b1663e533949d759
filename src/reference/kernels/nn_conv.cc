// Reference kernels of Conv, ConvTranspose, ConvInteger and QLinearConv.
// Part of reference/kernels/ (nn family).
//
// One direct loop nest serves all four. A conv maps an "iterated" spatial position i and a
// kernel tap k to the "other" position o = i * stride + k * dilation - pad_begin: for Conv the
// output is iterated and the input read (a gather); for ConvTranspose the input is iterated
// and the output written (a scatter). All spatial dims but the last are flattened into "rows"
// with a precomputed row map; the innermost loop runs over the last dim, contiguous on the
// iterated side, so it vectorizes for stride 1 and needs no bounds checks (its valid range is
// precomputed per tap).
#include <algorithm>

#include "reference/kernels/nn_util.h"

namespace stitch::reference {
namespace {

using graph::nn::spatial_dims;
using nn::AccOf;

struct ConvProblem {
  int64_t batch = 0, in_channels = 0, out_channels = 0, group = 1;
  Shape in_sp, out_sp;  // spatial dims, never empty (a 0-d conv gets one unit dim)
  WindowGeometry g;
};

Expected<ConvProblem> make_problem(const graph::Node& node, const Shape& x, const Shape& w,
                                   bool transpose) {
  ConvProblem p;
  p.batch = x[0];
  p.in_channels = x[1];
  p.group = node.attr_int("group", 1);
  p.out_channels = transpose ? w[1] * p.group : w[0];
  p.in_sp = spatial_dims(x);
  Shape kernel = spatial_dims(w);
  if (transpose) {
    STITCH_ASSIGN_OR_RETURN(p.g, graph::nn::conv_transpose_geometry(node, p.in_sp, kernel));
  } else {
    STITCH_ASSIGN_OR_RETURN(p.g, graph::nn::window_geometry(node, p.in_sp, kernel, false));
  }
  p.out_sp = p.g.output;
  if (p.in_sp.empty()) {
    p.in_sp = p.out_sp = p.g.kernel = p.g.strides = p.g.dilations = {1};
    p.g.pads_begin = p.g.pads_end = {0};
  }
  return p;
}

// For every (kernel row, iterated row) pair over the spatial dims but the last: the row on the
// other side, or -1 when it falls into the padding.
std::vector<int64_t> row_map(const Shape& iter, const Shape& other, const WindowGeometry& g) {
  size_t outer = iter.size() - 1;
  int64_t kernel_rows = shape_product(g.kernel, 0, outer);
  int64_t iter_rows = shape_product(iter, 0, outer);
  std::vector<int64_t> map(static_cast<size_t>(kernel_rows * iter_rows), -1);
  Shape k(outer, 0), i(outer, 0);
  for (int64_t kr = 0; kr < kernel_rows; ++kr) {
    for (int64_t r = 0; r < iter_rows; ++r) {
      int64_t row = 0;
      bool inside = true;
      for (size_t d = 0; d < outer && inside; ++d) {
        int64_t o = i[d] * g.strides[d] + k[d] * g.dilations[d] - g.pads_begin[d];
        inside = o >= 0 && o < other[d];
        row = row * other[d] + o;
      }
      map[kr * iter_rows + r] = inside ? row : -1;
      for (size_t d = outer; d-- > 0;) {  // advance the iterated-row odometer
        if (++i[d] < iter[d]) break;
        i[d] = 0;
      }
    }
    for (size_t d = outer; d-- > 0;) {
      if (++k[d] < g.kernel[d]) break;
      k[d] = 0;
    }
  }
  return map;
}

// For each tap of the last kernel dim: the offset on the other side and the range [lo, hi) of
// iterated positions whose partner lies inside it.
struct TapRange {
  int64_t offset, lo, hi;
};

std::vector<TapRange> tap_ranges(int64_t iter, int64_t other, const WindowGeometry& g) {
  size_t d = g.kernel.size() - 1;
  int64_t s = g.strides[d];
  std::vector<TapRange> taps;
  for (int64_t k = 0; k < g.kernel[d]; ++k) {
    int64_t off = k * g.dilations[d] - g.pads_begin[d];
    // smallest i with i*s + off >= 0, and one past the largest with i*s + off <= other - 1
    int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t last = other - 1 - off;
    int64_t hi = last < 0 ? 0 : std::min(iter, last / s + 1);
    taps.push_back({off, lo, std::max(lo, hi)});
  }
  return taps;
}

// y[b, m] += sum over c in m's group and taps of w[m, c, k] * x[b, c, o(i, k)].
template <typename A>
void conv_forward(const ConvProblem& p, const A* x, const A* w, A* y) {
  const Shape& in = p.in_sp;
  const Shape& out = p.out_sp;
  int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  int64_t in_size = shape_numel(in), out_size = shape_numel(out), ksize = shape_numel(p.g.kernel);
  int64_t iw = in.back(), ow = out.back(), kl_count = p.g.kernel.back();
  int64_t rows = out_size / ow, kernel_rows = ksize / kl_count;
  int64_t s = p.g.strides.back();
  std::vector<int64_t> map = row_map(out, in, p.g);
  std::vector<TapRange> taps = tap_ranges(ow, iw, p.g);
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t m = 0; m < p.out_channels; ++m) {
      A* yplane = y + (b * p.out_channels + m) * out_size;
      for (int64_t ci = 0; ci < cg; ++ci) {
        const A* xplane = x + (b * p.in_channels + (m / mg) * cg + ci) * in_size;
        const A* wk = w + (m * cg + ci) * ksize;
        for (int64_t kr = 0; kr < kernel_rows; ++kr) {
          for (int64_t kl = 0; kl < kl_count; ++kl) {
            const A wv = wk[kr * kl_count + kl];
            const TapRange t = taps[kl];
            for (int64_t r = 0; r < rows; ++r) {
              int64_t ir = map[kr * rows + r];
              if (ir < 0) continue;
              const A* xrow = xplane + ir * iw;
              A* yrow = yplane + r * ow;
              if (s == 1) {
                for (int64_t i = t.lo; i < t.hi; ++i) yrow[i] += wv * xrow[i + t.offset];
              } else {
                for (int64_t i = t.lo; i < t.hi; ++i) yrow[i] += wv * xrow[i * s + t.offset];
              }
            }
          }
        }
      }
    }
  }
}

// y[b, m, o(i, k)] += x[b, c, i] * w[c, m mod M/g, k] for c in m's group.
template <typename A>
void conv_transpose_forward(const ConvProblem& p, const A* x, const A* w, A* y) {
  const Shape& in = p.in_sp;
  const Shape& out = p.out_sp;
  int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  int64_t in_size = shape_numel(in), out_size = shape_numel(out), ksize = shape_numel(p.g.kernel);
  int64_t iw = in.back(), ow = out.back(), kl_count = p.g.kernel.back();
  int64_t rows = in_size / iw, kernel_rows = ksize / kl_count;
  int64_t s = p.g.strides.back();
  std::vector<int64_t> map = row_map(in, out, p.g);
  std::vector<TapRange> taps = tap_ranges(iw, ow, p.g);
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t c = 0; c < p.in_channels; ++c) {
      const A* xplane = x + (b * p.in_channels + c) * in_size;
      for (int64_t mo = 0; mo < mg; ++mo) {
        A* yplane = y + (b * p.out_channels + (c / cg) * mg + mo) * out_size;
        const A* wk = w + (c * mg + mo) * ksize;
        for (int64_t kr = 0; kr < kernel_rows; ++kr) {
          for (int64_t kl = 0; kl < kl_count; ++kl) {
            const A wv = wk[kr * kl_count + kl];
            const TapRange t = taps[kl];
            for (int64_t r = 0; r < rows; ++r) {
              int64_t orow = map[kr * rows + r];
              if (orow < 0) continue;
              const A* xrow = xplane + r * iw;
              A* yrow = yplane + orow * ow;
              for (int64_t i = t.lo; i < t.hi; ++i) yrow[i * s + t.offset] += wv * xrow[i];
            }
          }
        }
      }
    }
  }
}

// Output buffer of [N, M, spatial...] holding the per-channel bias (zeros without one).
template <typename A>
std::vector<A> init_output(const ConvProblem& p, const std::vector<A>& bias) {
  int64_t plane = shape_numel(p.out_sp);
  std::vector<A> y(static_cast<size_t>(p.batch * p.out_channels * plane), A(0));
  if (bias.empty()) return y;
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t m = 0; m < p.out_channels; ++m) {
      std::fill_n(y.begin() + (b * p.out_channels + m) * plane, plane, bias[m]);
    }
  }
  return y;
}

template <typename A>
void run_conv(const ConvProblem& p, bool transpose, const std::vector<A>& x,
              const std::vector<A>& w, std::vector<A>& y) {
  if (transpose) {
    conv_transpose_forward(p, x.data(), w.data(), y.data());
  } else {
    conv_forward(p, x.data(), w.data(), y.data());
  }
}

Status float_conv_kernel(KernelContext& ctx, bool transpose) {
  const Tensor& x = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(ConvProblem p,
                          make_problem(ctx.node(), x.shape(), ctx.input(1).shape(), transpose));
  return visit_float(x.dtype(), [&](auto tag) {
    using A = AccOf<decltype(tag)>;
    std::vector<A> bias = ctx.has_input(2) ? nn::to_vector<A>(ctx.input(2)) : std::vector<A>{};
    std::vector<A> y = init_output(p, bias);
    run_conv(p, transpose, nn::to_vector<A>(x), nn::to_vector<A>(ctx.input(1)), y);
    nn::from_vector(y, ctx.output(0));
    return Status::ok();
  });
}

// Integer values minus a zero point that is per tensor or per first-dim slice.
std::vector<int64_t> minus_zero_point(const Tensor& t, const KernelContext& ctx, int zp_input) {
  std::vector<int64_t> v = nn::to_vector<int64_t>(t);
  if (!ctx.has_input(zp_input)) return v;
  std::vector<int64_t> zp = nn::to_vector<int64_t>(ctx.input(zp_input));
  int64_t slice = zp.size() > 1 ? t.numel() / static_cast<int64_t>(zp.size()) : t.numel();
  for (size_t i = 0; i < v.size(); ++i) v[i] -= zp.size() > 1 ? zp[i / slice] : zp[0];
  return v;
}

Status check_zero_point(const KernelContext& ctx, int zp, int64_t per_channel) {
  if (!ctx.has_input(zp)) return Status::ok();
  int64_t n = ctx.input(zp).numel();
  if (n != 1 && n != per_channel) {
    return error("zero point has ", n, " values, expected 1 or ", per_channel);
  }
  return Status::ok();
}

Status conv_integer_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  STITCH_ASSIGN_OR_RETURN(ConvProblem p, make_problem(ctx.node(), x.shape(), w.shape(), false));
  STITCH_RETURN_IF_ERROR(check_zero_point(ctx, 2, 1));
  STITCH_RETURN_IF_ERROR(check_zero_point(ctx, 3, p.out_channels));
  std::vector<int64_t> y = init_output<int64_t>(p, {});
  run_conv(p, false, minus_zero_point(x, ctx, 2), minus_zero_point(w, ctx, 3), y);
  nn::from_vector(y, ctx.output(0));
  return Status::ok();
}

// Inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
Status qlinear_conv_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(3);
  STITCH_ASSIGN_OR_RETURN(ConvProblem p, make_problem(ctx.node(), x.shape(), w.shape(), false));
  for (int i : {1, 6, 7}) {
    if (ctx.input(i).numel() != 1) return error("input ", i, " must hold one value");
  }
  STITCH_RETURN_IF_ERROR(check_zero_point(ctx, 2, 1));
  STITCH_RETURN_IF_ERROR(check_zero_point(ctx, 5, p.out_channels));
  STITCH_RETURN_IF_ERROR(check_zero_point(ctx, 4, p.out_channels));
  std::vector<int64_t> bias =
      ctx.has_input(8) ? nn::to_vector<int64_t>(ctx.input(8)) : std::vector<int64_t>{};
  std::vector<int64_t> acc = init_output(p, bias);
  run_conv(p, false, minus_zero_point(x, ctx, 2), minus_zero_point(w, ctx, 5), acc);
  float x_scale = static_cast<float>(ctx.input(1).as_double(0));
  std::vector<float> w_scale = nn::to_vector<float>(ctx.input(4));
  float y_scale = static_cast<float>(ctx.input(6).as_double(0));
  int64_t y_zp = ctx.input(7).as_int64(0);
  int64_t lo, hi;
  nn::int_range(ctx.output(0).dtype(), lo, hi);
  int64_t plane = shape_numel(p.out_sp);
  std::vector<int64_t> y(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    int64_t m = (static_cast<int64_t>(i) / plane) % p.out_channels;
    // Requantize in float like ONNX Runtime, so that ties round the same way.
    float multiplier = x_scale * w_scale[w_scale.size() > 1 ? m : 0] / y_scale;
    float v = static_cast<float>(acc[i]) * multiplier;
    y[i] = nn::round_saturate(static_cast<double>(std::nearbyint(v)) + y_zp, lo, hi);
  }
  nn::from_vector(y, ctx.output(0));
  return Status::ok();
}

}  // namespace

void register_nn_conv_kernels(KernelRegistry& r) {
  r.add("", "Conv", [](KernelContext& ctx) { return float_conv_kernel(ctx, false); });
  r.add("", "ConvTranspose", [](KernelContext& ctx) { return float_conv_kernel(ctx, true); });
  r.add("", "ConvInteger", conv_integer_kernel);
  r.add("", "QLinearConv", qlinear_conv_kernel);
}

}  // namespace stitch::reference
