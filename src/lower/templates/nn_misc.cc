// Templates of the remaining nn ops: LRN and Dropout (injective), Einsum, RoiAlign and MaxUnpool
// (anchors). Part of lower/templates/; the reference kernels (reference/kernels/nn_norm.cc,
// nn_matmul.cc, nn_pool.cc, elementwise_misc.cc) define the semantics matched here.
#include <cmath>
#include <limits>

#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using Fns = std::vector<ExprFn>;

Expr f64(double v) { return constant(DType::kFloat64, v); }

// y = x / (bias + alpha / size * sum of x^2 over the channel window) ^ beta; the window is
// `size` channels, so each element reads a few neighbours (injective, unrolled).
Expected<Fns> lower_lrn(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  if (!dtype_is_float(x->dtype())) return unsupported(n, "LRN of non-float data");
  const double alpha = n.attr_float("alpha", 1e-4f), beta = n.attr_float("beta", 0.75f);
  const double bias = n.attr_float("bias", 1.0f);
  const int64_t size = n.attr_int("size", 1);
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  return Fns{[&ctx, x, alpha, beta, bias, size, before, after](const Index& idx) {
    const DType dt = x->dtype();
    const int64_t channels = x->shape()[1];
    Expr sum = constant(dt, 0);
    for (int64_t k = -before; k <= after; ++k) {
      Index xi = idx;
      Expr c = idx[1] + k;
      xi[1] = clamp_index(c, channels);
      Expr v = ctx.read(x, xi);
      Expr inside = kir::logical_and(kir::ge(c, index_const(0)), kir::lt(c, index_const(channels)));
      sum = sum + kir::select(inside, v * v, constant(dt, 0));
    }
    Expr base = constant(dt, bias) + constant(dt, alpha / static_cast<double>(size)) * sum;
    return ctx.read(x, idx) / kir::call("pow", scalar_type(dt), {base, constant(dt, beta)});
  }};
}

// Dropout at inference, or training with ratio 0, is the identity with an all-true mask; a
// training mode that draws random numbers has no reference answer. Either input settles it
// when it is a known constant (training_mode false, or ratio 0).
Expected<Fns> lower_dropout(LowerContext& ctx, const graph::Node& n) {
  auto constant_is = [&](int i, bool zero) {
    const graph::Value* v = n.input(i);
    if (v == nullptr || !v->is_constant() || v->constant()->numel() == 0) return false;
    return (v->constant()->as_double(0) == 0) == zero;
  };
  const bool inference = !n.has_input(2) || constant_is(2, true);
  const bool zero_ratio = constant_is(1, true);
  if (!inference && !zero_ratio) {
    return unsupported(n, constant_is(2, false) && n.has_input(1) && n.input(1)->is_constant()
                              ? "Dropout in training mode (random)"
                              : "Dropout with training_mode and ratio not known constants");
  }
  const graph::Value* x = n.input(0);
  Fns fns{[&ctx, x](const Index& idx) { return ctx.read(x, idx); }};
  if (n.num_outputs() > 1) fns.push_back([](const Index&) { return kir::bool_imm(true); });
  return fns;
}

// Every label is a loop: output labels index the output, the others are summed over; each
// operand dim reads its label's index (0 where the operand broadcasts a size-1 dim).
Expected<kir::Stmt> lower_einsum(LowerContext& ctx, const graph::Node& n) {
  std::vector<int64_t> ranks;
  std::vector<Shape> shapes;
  for (const graph::Value* v : n.inputs()) {
    ranks.push_back(static_cast<int64_t>(v->shape().size()));
    shapes.push_back(v->shape());
  }
  STITCH_ASSIGN_OR_RETURN(graph::nn::EinsumSpec spec,
                          graph::nn::parse_einsum(n.attr_string("equation", ""), ranks));
  STITCH_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, graph::nn::einsum_label_sizes(spec, shapes));
  const graph::Value* out = n.output(0);
  const DType dt = out->dtype();
  if (dt == DType::kBool) return unsupported(n, "Einsum on bool");
  // label -> output dim, or -(1 + summed dim)
  constexpr int kUnassigned = std::numeric_limits<int>::min();
  std::vector<int> position(sizes.size(), kUnassigned);
  for (size_t i = 0; i < spec.output.size(); ++i) position[spec.output[i]] = static_cast<int>(i);
  Shape reduce_shape;
  for (const std::vector<int>& labels : spec.inputs) {
    for (int l : labels) {
      if (position[l] != kUnassigned) continue;
      position[l] = -1 - static_cast<int>(reduce_shape.size());
      reduce_shape.push_back(sizes[l]);
    }
  }
  AccFn update = [&](const Index& idx, const Index& red, const std::vector<Expr>& acc) {
    Expr product;
    for (size_t k = 0; k < spec.inputs.size(); ++k) {
      Index ii;
      for (size_t d = 0; d < spec.inputs[k].size(); ++d) {
        const int l = spec.inputs[k][d];
        const int p = position[l];
        if (shapes[k][d] == 1) {
          ii.push_back(index_const(0));
        } else {
          ii.push_back(p >= 0 ? idx[p] : red[-1 - p]);
        }
      }
      Expr v = ctx.read(n.input(static_cast<int>(k)), ii);
      product = product.defined() ? product * v : v;
    }
    return std::vector<Expr>{acc[0] + product};
  };
  FinalFn final = [](const Index&, const std::vector<Expr>& acc) { return acc[0]; };
  return reduce_nest(ctx, out, reduce_shape, dt, {0.0}, update, final);
}

// ---- RoiAlign (ONNX Runtime's rule, as the reference): per output bin, the average (or max)
// of grid_h x grid_w bilinear samples; coordinates come from the rois data, in double ----

struct RoiParams {
  bool half_pixel = true, max_mode = false;
  double scale = 1;
  int64_t out_h = 1, out_w = 1, ratio = 0;
};

// One bilinear sample at (y, x) of the plane at `base` (an index prefix {batch, channel}):
// the four weighted corners, or all zero outside [-1, size].
std::vector<Expr> bilinear_corners(LowerContext& ctx, const graph::Value* x, const Index& base,
                                   Expr y, Expr xc) {
  const int64_t height = x->shape()[2], width = x->shape()[3];
  auto h = static_cast<double>(height), w = static_cast<double>(width);
  Expr outside = kir::logical_or(kir::logical_or(kir::lt(y, f64(-1)), kir::gt(y, f64(h))),
                                 kir::logical_or(kir::lt(xc, f64(-1)), kir::gt(xc, f64(w))));
  const kir::Type i64 = scalar_type(kir::kIndexType), d = scalar_type(DType::kFloat64);
  y = kir::max(y, f64(0));
  xc = kir::max(xc, f64(0));
  // The low corner is the truncation; at or past the last row it is the last row, the high
  // corner too, and the coordinate snaps onto it.
  Expr y_low = kir::min(kir::cast(i64, y), index_const(height - 1));
  Expr x_low = kir::min(kir::cast(i64, xc), index_const(width - 1));
  Expr y_high = kir::min(y_low + 1, index_const(height - 1));
  Expr x_high = kir::min(x_low + 1, index_const(width - 1));
  y = kir::select(kir::ge(y, f64(h - 1)), f64(h - 1), y);
  xc = kir::select(kir::ge(xc, f64(w - 1)), f64(w - 1), xc);
  Expr ly = y - kir::cast(d, y_low), lx = xc - kir::cast(d, x_low);
  Expr hy = f64(1) - ly, hx = f64(1) - lx;
  auto at = [&](const Expr& r, const Expr& c) {
    Index i = base;
    i.push_back(r);
    i.push_back(c);
    return kir::cast(d, ctx.read(x, i));
  };
  std::vector<Expr> corners{hy * hx * at(y_low, x_low), hy * lx * at(y_low, x_high),
                            ly * hx * at(y_high, x_low), ly * lx * at(y_high, x_high)};
  for (Expr& c : corners) c = kir::select(outside, f64(0), c);
  return corners;
}

Expected<kir::Stmt> lower_roi_align(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* rois = n.input(1);
  const graph::Value* batch = n.input(2);
  const graph::Value* out = n.output(0);
  if (x->shape().size() != 4 || !dtype_is_float(x->dtype())) {
    return unsupported(n, "RoiAlign of non-4-d or non-float data");
  }
  RoiParams p;
  p.half_pixel = n.attr_string("coordinate_transformation_mode",
                               n.opset() < 16 ? "output_half_pixel" : "half_pixel") == "half_pixel";
  p.max_mode = n.attr_string("mode", "avg") == "max";
  p.scale = n.attr_float("spatial_scale", 1.0f);
  p.out_h = n.attr_int("output_height", 1);
  p.out_w = n.attr_int("output_width", 1);
  p.ratio = n.attr_int("sampling_ratio", 0);
  if (p.ratio <= 0) {
    return unsupported(n, "RoiAlign with sampling_ratio 0 (a sample count that depends on data)");
  }
  const double offset = p.half_pixel ? 0.5 : 0.0;
  const kir::Type d = scalar_type(DType::kFloat64);
  const DType dt = out->dtype();
  // Accumulates in the output type: avg sums samples, max keeps the largest weighted corner.
  AccFn update = [&](const Index& idx, const Index& red, const std::vector<Expr>& acc) {
    auto roi = [&](int64_t k) { return kir::cast(d, ctx.read(rois, {idx[0], index_const(k)})); };
    Expr x0 = roi(0) * f64(p.scale) - f64(offset), y0 = roi(1) * f64(p.scale) - f64(offset);
    Expr roi_w = roi(2) * f64(p.scale) - f64(offset) - x0;
    Expr roi_h = roi(3) * f64(p.scale) - f64(offset) - y0;
    if (!p.half_pixel) {
      roi_w = kir::max(roi_w, f64(1));
      roi_h = kir::max(roi_h, f64(1));
    }
    Expr bin_h = roi_h / f64(static_cast<double>(p.out_h));
    Expr bin_w = roi_w / f64(static_cast<double>(p.out_w));
    auto coord = [&](const Expr& start, const Expr& bin, const Expr& cell, const Expr& sub) {
      return start + kir::cast(d, cell) * bin +
             (kir::cast(d, sub) + f64(0.5)) * bin / f64(static_cast<double>(p.ratio));
    };
    Expr b = kir::cast(scalar_type(kir::kIndexType), ctx.read(batch, {idx[0]}));
    Index base{clamp_index(b, x->shape()[0]), idx[1]};
    std::vector<Expr> corners = bilinear_corners(ctx, x, base, coord(y0, bin_h, idx[2], red[0]),
                                                 coord(x0, bin_w, idx[3], red[1]));
    Expr v;
    for (const Expr& c : corners) v = !v.defined() ? c : p.max_mode ? kir::max(v, c) : v + c;
    v = kir::cast(scalar_type(dt), v);
    return std::vector<Expr>{p.max_mode ? kir::max(acc[0], v) : acc[0] + v};
  };
  const double count = static_cast<double>(p.ratio * p.ratio);
  FinalFn final = [&](const Index&, const std::vector<Expr>& acc) {
    return p.max_mode ? acc[0] : acc[0] / constant(dt, count);
  };
  return reduce_nest(ctx, out, {p.ratio, p.ratio}, dt, {p.max_mode ? dtype_lowest(dt) : 0.0},
                     update, final);
}

// MaxUnpool: zeros, then each x element stored where its index points. Indices refer to the
// tensor MaxPool saw; with an explicit output_shape each is re-laid at the same coordinates.
// The scatter runs serially so that a repeated index keeps the last element, as the reference.
Expected<kir::Stmt> lower_max_unpool(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* indices = n.input(1);
  const graph::Value* out = n.output(0);
  const Shape& xs = x->shape();
  const size_t sp = xs.size() - 2;
  const Shape kernel = n.attr_ints("kernel_shape");
  const Shape strides = n.attr_ints("strides", Shape(sp, 1));
  const Shape pads = n.attr_ints("pads", Shape(2 * sp, 0));
  if (kernel.size() != sp || strides.size() != sp || pads.size() != 2 * sp) {
    return unsupported(n, "MaxUnpool attributes that do not match the spatial rank");
  }
  Shape pooled_from{xs[0], xs[1]};
  for (size_t i = 0; i < sp; ++i) {
    pooled_from.push_back((xs[i + 2] - 1) * strides[i] + kernel[i] - pads[i] - pads[i + sp]);
  }
  const Shape& ys = out->shape();
  const DType dt = out->dtype();
  kir::Stmt zero =
      loop_nest(ctx, ys, [&](const Index& idx) { return ctx.write(out, idx, constant(dt, 0)); });
  kir::Stmt scatter = loop_nest(
      ctx, xs,
      [&](const Index& idx) {
        Expr flat = kir::cast(scalar_type(kir::kIndexType), ctx.read(indices, idx));
        Index target = delinearize(pooled_from, flat);
        for (size_t d = 0; d < target.size(); ++d) target[d] = clamp_index(target[d], ys[d]);
        return ctx.write(out, target, ctx.read(x, idx));
      },
      /*parallel=*/false, /*vectorize=*/false);
  return kir::seq({zero, scatter});
}

}  // namespace

void register_nn_misc_templates(TemplateTable& t) {
  t.push_back({"LRN", OpTemplate{lower_lrn, nullptr, false, false}});
  t.push_back({"Dropout", OpTemplate{lower_dropout, nullptr, false, false}});
  t.push_back({"Einsum", OpTemplate{nullptr, lower_einsum}});
  t.push_back({"RoiAlign", OpTemplate{nullptr, lower_roi_align}});
  t.push_back({"MaxUnpool", OpTemplate{nullptr, lower_max_unpool}});
}

}  // namespace stitch::lower
