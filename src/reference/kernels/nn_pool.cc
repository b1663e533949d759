// Reference kernels of the pooling ops: Max/Average/LpPool, their Global forms, MaxUnpool,
// MaxRoiPool and RoiAlign. Part of reference/kernels/ (nn family).
//
// Windowed pools first build a plan, shared by every (n, c) plane: for each output position
// the in-bounds input offsets of its window. Padding never contributes a value; AveragePool's
// count_include_pad divides by the window size clipped to the padded input instead.
#include <algorithm>
#include <cmath>
#include <limits>

#include "reference/kernels/nn_util.h"

namespace stitch::reference {
namespace {

using graph::nn::spatial_dims;

struct PoolPlan {
  std::vector<int64_t> begin;         // output position o has taps [begin[o], begin[o + 1])
  std::vector<int64_t> taps;          // row-major input offsets within a plane
  std::vector<int64_t> col_taps;      // the same positions, column-major (storage_order 1)
  std::vector<int64_t> padded_count;  // window positions inside the padded input
};

// Appends the window of one output position (per-dim coordinate lists) to the plan.
void add_window(const std::vector<std::vector<int64_t>>& coords, const Shape& in, PoolPlan& plan) {
  size_t n = coords.size();
  for (const auto& c : coords) {
    if (c.empty()) return;
  }
  std::vector<size_t> k(n, 0);
  for (;;) {
    int64_t row = 0, col = 0, col_stride = 1;
    for (size_t d = 0; d < n; ++d) {
      row = row * in[d] + coords[d][k[d]];
      col += coords[d][k[d]] * col_stride;
      col_stride *= in[d];
    }
    plan.taps.push_back(row);
    plan.col_taps.push_back(col);
    size_t d = n;
    while (d-- > 0) {
      if (++k[d] < coords[d].size()) break;
      k[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) return;
  }
}

PoolPlan make_pool_plan(const Shape& in, const WindowGeometry& g) {
  const Shape& out = g.output;
  size_t n = in.size();
  PoolPlan plan;
  Shape o(n, 0);
  std::vector<std::vector<int64_t>> coords(n);
  for (int64_t flat = 0; flat < shape_numel(out); ++flat) {
    plan.begin.push_back(static_cast<int64_t>(plan.taps.size()));
    int64_t padded = 1;
    for (size_t d = 0; d < n; ++d) {
      coords[d].clear();
      int64_t start = o[d] * g.strides[d] - g.pads_begin[d], inside_pad = 0;
      for (int64_t k = 0; k < g.kernel[d]; ++k) {
        int64_t i = start + k * g.dilations[d];
        if (i >= 0 && i < in[d]) coords[d].push_back(i);
        if (i < in[d] + g.pads_end[d]) ++inside_pad;
      }
      padded *= inside_pad;
    }
    plan.padded_count.push_back(padded);
    add_window(coords, in, plan);
    for (size_t d = n; d-- > 0;) {
      if (++o[d] < out[d]) break;
      o[d] = 0;
    }
  }
  plan.begin.push_back(static_cast<int64_t>(plan.taps.size()));
  return plan;
}

Expected<WindowGeometry> pool_geometry(const KernelContext& ctx) {
  const graph::Node& node = ctx.node();
  return graph::nn::window_geometry(node, spatial_dims(ctx.input(0).shape()),
                                    node.attr_ints("kernel_shape"),
                                    node.attr_int("ceil_mode", 0) != 0);
}

Status max_pool_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(WindowGeometry g, pool_geometry(ctx));
  Shape in = spatial_dims(x.shape());
  PoolPlan plan = make_pool_plan(in, g);
  bool col_major = ctx.node().attr_int("storage_order", 0) != 0;
  int64_t planes = x.dim(0) * x.dim(1), in_size = shape_numel(in);
  int64_t out_size = shape_numel(g.output);
  int64_t* indices =
      ctx.num_outputs() > 1 && ctx.output(1).defined() ? ctx.output(1).data<int64_t>() : nullptr;
  const std::vector<int64_t>& index_taps = col_major ? plan.col_taps : plan.taps;
  return visit_numeric(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* yp = ctx.output(0).data<T>();
    for (int64_t p = 0; p < planes; ++p) {
      for (int64_t o = 0; o < out_size; ++o) {
        int64_t best = -1;
        for (int64_t t = plan.begin[o]; t < plan.begin[o + 1]; ++t) {
          auto v = static_cast<ComputeType<T>>(xp[p * in_size + plan.taps[t]]);
          if (best < 0 || v > static_cast<ComputeType<T>>(xp[p * in_size + plan.taps[best]])) {
            best = t;
          }
        }
        yp[p * out_size + o] = best < 0 ? T(0) : xp[p * in_size + plan.taps[best]];
        if (indices) indices[p * out_size + o] = best < 0 ? -1 : p * in_size + index_taps[best];
      }
    }
    return Status::ok();
  });
}

// AveragePool (p == 0) and LpPool (p > 0).
Status avg_lp_pool_kernel(KernelContext& ctx, bool lp) {
  const Tensor& x = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(WindowGeometry g, pool_geometry(ctx));
  Shape in = spatial_dims(x.shape());
  PoolPlan plan = make_pool_plan(in, g);
  bool include_pad = ctx.node().attr_int("count_include_pad", 0) != 0;
  double p = static_cast<double>(ctx.node().attr_int("p", 2));
  int64_t planes = x.dim(0) * x.dim(1), in_size = shape_numel(in);
  int64_t out_size = shape_numel(g.output);
  std::vector<double> xv = nn::to_vector<double>(x);
  std::vector<double> y(static_cast<size_t>(planes * out_size));
  for (int64_t pl = 0; pl < planes; ++pl) {
    for (int64_t o = 0; o < out_size; ++o) {
      double acc = 0;
      for (int64_t t = plan.begin[o]; t < plan.begin[o + 1]; ++t) {
        double v = xv[pl * in_size + plan.taps[t]];
        acc += lp ? std::pow(std::fabs(v), p) : v;
      }
      int64_t count = include_pad ? plan.padded_count[o] : plan.begin[o + 1] - plan.begin[o];
      y[pl * out_size + o] = lp ? std::pow(acc, 1.0 / p) : acc / std::max<int64_t>(count, 1);
    }
  }
  nn::from_vector(y, ctx.output(0));
  return Status::ok();
}

enum class GlobalKind { kAverage, kMax, kLp };

Status global_pool_kernel(KernelContext& ctx, GlobalKind kind) {
  const Tensor& x = ctx.input(0);
  int64_t planes = x.rank() >= 2 ? x.dim(0) * x.dim(1) : 1;
  int64_t size = x.numel() / std::max<int64_t>(planes, 1);
  double p = static_cast<double>(ctx.node().attr_int("p", 2));
  std::vector<double> xv = nn::to_vector<double>(x);
  std::vector<double> y(static_cast<size_t>(planes));
  for (int64_t pl = 0; pl < planes; ++pl) {
    const double* v = xv.data() + pl * size;
    double acc = kind == GlobalKind::kMax ? -std::numeric_limits<double>::infinity() : 0.0;
    for (int64_t i = 0; i < size; ++i) {
      if (kind == GlobalKind::kMax) acc = std::max(acc, v[i]);
      if (kind == GlobalKind::kAverage) acc += v[i];
      if (kind == GlobalKind::kLp) acc += std::pow(std::fabs(v[i]), p);
    }
    if (kind == GlobalKind::kAverage) acc /= static_cast<double>(size);
    if (kind == GlobalKind::kLp) acc = std::pow(acc, 1.0 / p);
    y[pl] = acc;
  }
  nn::from_vector(y, ctx.output(0));
  return Status::ok();
}

// Indices refer to the tensor MaxPool saw (the default unpooled shape); with an explicit
// output_shape each is re-laid into that shape at the same coordinates.
Status max_unpool_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const graph::Node& node = ctx.node();
  size_t n = static_cast<size_t>(x.rank()) - 2;
  Shape kernel = node.attr_ints("kernel_shape");
  Shape strides = node.attr_ints("strides", Shape(n, 1));
  Shape pads = node.attr_ints("pads", Shape(2 * n, 0));
  if (kernel.size() != n || strides.size() != n || pads.size() != 2 * n) {
    return error("kernel_shape, strides or pads do not match ", n, " spatial dims");
  }
  Shape pooled_from = {x.dim(0), x.dim(1)};
  for (size_t i = 0; i < n; ++i) {
    pooled_from.push_back((x.dim(i + 2) - 1) * strides[i] + kernel[i] - pads[i] - pads[i + n]);
  }
  Tensor& y = ctx.output(0);
  Shape from_strides = shape_strides(pooled_from), to_strides = shape_strides(y.shape());
  std::vector<int64_t> idx = ctx.input(1).to_int64_vector();
  std::vector<double> xv = nn::to_vector<double>(x);
  std::vector<double> out(static_cast<size_t>(y.numel()), 0.0);
  for (size_t e = 0; e < idx.size(); ++e) {
    int64_t rest = idx[e], target = 0;
    if (rest < 0 || rest >= shape_numel(pooled_from)) return error("index ", rest, " out of range");
    for (size_t d = 0; d < pooled_from.size(); ++d) {
      int64_t c = rest / from_strides[d];
      rest %= from_strides[d];
      if (c >= y.dim(static_cast<int64_t>(d))) return error("index ", idx[e], " out of output");
      target += c * to_strides[d];
    }
    out[target] = xv[e];
  }
  nn::from_vector(out, y);
  return Status::ok();
}

Status max_roi_pool_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t channels = x.dim(1), height = x.dim(2), width = x.dim(3);
  Shape pooled = ctx.node().attr_ints("pooled_shape");
  double scale = ctx.node().attr_float("spatial_scale", 1.0f);
  std::vector<double> xv = nn::to_vector<double>(x), rois = nn::to_vector<double>(ctx.input(1));
  std::vector<double> y(static_cast<size_t>(ctx.output(0).numel()));
  int64_t ph_count = pooled[0], pw_count = pooled[1];
  for (int64_t r = 0; r < ctx.input(1).dim(0); ++r) {
    const double* roi = rois.data() + r * 5;
    auto b = static_cast<int64_t>(roi[0]);
    if (b < 0 || b >= x.dim(0)) return error("roi batch index ", b, " out of range");
    auto x1 = static_cast<int64_t>(std::round(roi[1] * scale));
    auto y1 = static_cast<int64_t>(std::round(roi[2] * scale));
    auto x2 = static_cast<int64_t>(std::round(roi[3] * scale));
    auto y2 = static_cast<int64_t>(std::round(roi[4] * scale));
    double bin_h = static_cast<double>(std::max<int64_t>(y2 - y1 + 1, 1)) / ph_count;
    double bin_w = static_cast<double>(std::max<int64_t>(x2 - x1 + 1, 1)) / pw_count;
    for (int64_t c = 0; c < channels; ++c) {
      const double* plane = xv.data() + (b * channels + c) * height * width;
      for (int64_t ph = 0; ph < ph_count; ++ph) {
        int64_t hs =
            std::clamp<int64_t>(static_cast<int64_t>(std::floor(ph * bin_h)) + y1, 0, height);
        int64_t he =
            std::clamp<int64_t>(static_cast<int64_t>(std::ceil((ph + 1) * bin_h)) + y1, 0, height);
        for (int64_t pw = 0; pw < pw_count; ++pw) {
          int64_t ws =
              std::clamp<int64_t>(static_cast<int64_t>(std::floor(pw * bin_w)) + x1, 0, width);
          int64_t we =
              std::clamp<int64_t>(static_cast<int64_t>(std::ceil((pw + 1) * bin_w)) + x1, 0, width);
          double best = (hs < he && ws < we) ? -std::numeric_limits<double>::infinity() : 0.0;
          for (int64_t h = hs; h < he; ++h) {
            for (int64_t w = ws; w < we; ++w) best = std::max(best, plane[h * width + w]);
          }
          y[((r * channels + c) * ph_count + ph) * pw_count + pw] = best;
        }
      }
    }
  }
  nn::from_vector(y, ctx.output(0));
  return Status::ok();
}

// One bilinear sample of RoiAlign: four plane offsets and their weights (ONNX Runtime's rule).
struct Sample {
  int64_t pos[4] = {0, 0, 0, 0};
  double w[4] = {0, 0, 0, 0};
};

Sample bilinear_sample(double y, double x, int64_t height, int64_t width) {
  Sample s;
  if (y < -1.0 || y > height || x < -1.0 || x > width) return s;  // outside: contributes 0
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  auto y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x);
  int64_t y_high = y_low + 1, x_high = x_low + 1;
  if (y_low >= height - 1) y = static_cast<double>(y_high = y_low = height - 1);
  if (x_low >= width - 1) x = static_cast<double>(x_high = x_low = width - 1);
  double ly = y - y_low, lx = x - x_low, hy = 1.0 - ly, hx = 1.0 - lx;
  s.pos[0] = y_low * width + x_low;
  s.pos[1] = y_low * width + x_high;
  s.pos[2] = y_high * width + x_low;
  s.pos[3] = y_high * width + x_high;
  s.w[0] = hy * hx;
  s.w[1] = hy * lx;
  s.w[2] = ly * hx;
  s.w[3] = ly * lx;
  return s;
}

// The samples of every output bin of one roi, bin-major.
std::vector<Sample> roi_samples(const double* roi, const graph::Node& node, int64_t height,
                                int64_t width, int64_t& per_bin) {
  bool half_pixel =
      node.attr_string("coordinate_transformation_mode",
                       node.opset() < 16 ? "output_half_pixel" : "half_pixel") == "half_pixel";
  double scale = node.attr_float("spatial_scale", 1.0f), offset = half_pixel ? 0.5 : 0.0;
  int64_t out_h = node.attr_int("output_height", 1), out_w = node.attr_int("output_width", 1);
  int64_t ratio = node.attr_int("sampling_ratio", 0);
  double x0 = roi[0] * scale - offset, y0 = roi[1] * scale - offset;
  double roi_w = roi[2] * scale - offset - x0, roi_h = roi[3] * scale - offset - y0;
  if (!half_pixel) {
    roi_w = std::max(roi_w, 1.0);
    roi_h = std::max(roi_h, 1.0);
  }
  double bin_h = roi_h / out_h, bin_w = roi_w / out_w;
  auto grid_h = ratio > 0 ? ratio : static_cast<int64_t>(std::ceil(roi_h / out_h));
  auto grid_w = ratio > 0 ? ratio : static_cast<int64_t>(std::ceil(roi_w / out_w));
  grid_h = std::max<int64_t>(grid_h, 0);  // an inverted roi samples nothing (output 0)
  grid_w = std::max<int64_t>(grid_w, 0);
  per_bin = grid_h * grid_w;
  std::vector<Sample> samples;
  for (int64_t ph = 0; ph < out_h; ++ph) {
    for (int64_t pw = 0; pw < out_w; ++pw) {
      for (int64_t iy = 0; iy < grid_h; ++iy) {
        double y = y0 + ph * bin_h + (iy + 0.5) * bin_h / grid_h;
        for (int64_t ix = 0; ix < grid_w; ++ix) {
          double x = x0 + pw * bin_w + (ix + 0.5) * bin_w / grid_w;
          samples.push_back(bilinear_sample(y, x, height, width));
        }
      }
    }
  }
  return samples;
}

// Max mode takes the max over samples of the max weighted corner, as ONNX Runtime does.
double pool_samples(const Sample* s, int64_t count, const double* plane, bool max_mode) {
  double acc = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    if (max_mode) {
      double v = s[i].w[0] * plane[s[i].pos[0]];
      for (int k = 1; k < 4; ++k) v = std::max(v, s[i].w[k] * plane[s[i].pos[k]]);
      acc = i == 0 ? v : std::max(acc, v);
    } else {
      for (int k = 0; k < 4; ++k) acc += s[i].w[k] * plane[s[i].pos[k]];
    }
  }
  return max_mode ? acc : acc / std::max<int64_t>(count, 1);
}

Status roi_align_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t channels = x.dim(1), height = x.dim(2), width = x.dim(3);
  bool max_mode = ctx.node().attr_string("mode", "avg") == "max";
  std::vector<double> xv = nn::to_vector<double>(x), rois = nn::to_vector<double>(ctx.input(1));
  std::vector<int64_t> batch = ctx.input(2).to_int64_vector();
  int64_t bins = ctx.output(0).dim(2) * ctx.output(0).dim(3);
  std::vector<double> y(static_cast<size_t>(ctx.output(0).numel()));
  for (int64_t r = 0; r < ctx.input(1).dim(0); ++r) {
    if (batch[r] < 0 || batch[r] >= x.dim(0))
      return error("batch index ", batch[r], " out of range");
    int64_t per_bin = 0;
    std::vector<Sample> samples =
        roi_samples(rois.data() + r * 4, ctx.node(), height, width, per_bin);
    for (int64_t c = 0; c < channels; ++c) {
      const double* plane = xv.data() + (batch[r] * channels + c) * height * width;
      for (int64_t bin = 0; bin < bins; ++bin) {
        y[(r * channels + c) * bins + bin] =
            pool_samples(samples.data() + bin * per_bin, per_bin, plane, max_mode);
      }
    }
  }
  nn::from_vector(y, ctx.output(0));
  return Status::ok();
}

}  // namespace

void register_nn_pool_kernels(KernelRegistry& r) {
  r.add("", "MaxPool", max_pool_kernel);
  r.add("", "AveragePool", [](KernelContext& ctx) { return avg_lp_pool_kernel(ctx, false); });
  r.add("", "LpPool", [](KernelContext& ctx) { return avg_lp_pool_kernel(ctx, true); });
  r.add("", "GlobalAveragePool",
        [](KernelContext& ctx) { return global_pool_kernel(ctx, GlobalKind::kAverage); });
  r.add("", "GlobalMaxPool",
        [](KernelContext& ctx) { return global_pool_kernel(ctx, GlobalKind::kMax); });
  r.add("", "GlobalLpPool",
        [](KernelContext& ctx) { return global_pool_kernel(ctx, GlobalKind::kLp); });
  r.add("", "MaxUnpool", max_unpool_kernel);
  r.add("", "MaxRoiPool", max_roi_pool_kernel);
  r.add("", "RoiAlign", roi_align_kernel);
}

}  // namespace stitch::reference
