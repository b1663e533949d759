// Reference kernels of the tensor family, resampling part: Resize and GridSample.
// Part of reference/kernels/; registered by register_tensor_kernels (tensor.cc).
//
// Resize follows the ONNX reference (onnx/backend/test/case/node/resize.py): interpolation is
// separable, so every output coordinate of every axis gets a short list of (input index, weight)
// taps, and an output element is the weighted sum over the product of its axes' taps. Taps past
// the edge read the edge element (the reference pads in 'edge' mode).
#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/ops/resize_util.h"
#include "reference/kernel_registry.h"
#include "reference/kernels/tensor_util.h"

namespace stitch::reference {
namespace {

struct Taps {
  int n = 0;
  int64_t index[4] = {0, 0, 0, 0};
  double weight[4] = {0, 0, 0, 0};
  bool outside = false;  // tf_crop_and_resize: the point is outside the input
};

using graph::resize::resize_params;
using graph::resize::ResizeParams;
using graph::resize::source_coordinate;

void cubic_weights(double a, double r, double* w) {
  ResizeParams p;
  p.mode = "cubic";
  p.cubic_a = a;
  std::vector<double> v = graph::resize::tap_weights(p, r);
  std::copy(v.begin(), v.end(), w);
}

// Taps of one output coordinate. The left neighbour is strictly below the source point, so an
// integral point has ratio 1 and reads its own element through the right-hand weight.
Taps axis_taps(const ResizeParams& p, double src, int64_t in) {
  Taps t;
  if (p.ctm == "tf_crop_and_resize" && (src < 0 || src > in - 1)) {
    t.outside = true;
    return t;
  }
  double base = std::ceil(src) - 1;
  double r = src - base;
  int64_t first = static_cast<int64_t>(base);
  if (p.mode == "cubic") first -= 1;
  std::vector<double> w = graph::resize::tap_weights(p, r);
  t.n = static_cast<int>(w.size());
  std::copy(w.begin(), w.end(), t.weight);
  double sum = 0;
  for (int k = 0; k < t.n; ++k) {
    t.index[k] = first + k;
    if (p.exclude_outside && (t.index[k] < 0 || t.index[k] >= in)) t.weight[k] = 0;
    sum += t.weight[k];
  }
  for (int k = 0; k < t.n; ++k) {
    if (p.exclude_outside && sum != 0) t.weight[k] /= sum;
    t.index[k] = std::clamp<int64_t>(t.index[k], 0, in - 1);
  }
  return t;
}

// Per resized axis, the scale factor and roi; axes not listed keep scale 1.
struct AxisPlan {
  std::vector<double> scale, roi_start, roi_end;
};

Expected<AxisPlan> plan_axes(const KernelContext& ctx, const Tensor& in, const Tensor& out) {
  int64_t rank = in.rank();
  AxisPlan plan{std::vector<double>(rank, 1.0), std::vector<double>(rank, 0.0),
                std::vector<double>(rank, 1.0)};
  std::vector<int64_t> axes = ctx.node().attr_ints("axes");
  if (axes.empty()) {
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  }
  for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  bool old = ctx.node().opset() < 11 && ctx.num_inputs() == 2;
  int si = old ? 1 : 2;
  const Tensor* scales = ctx.has_input(si) && ctx.input(si).numel() > 0 ? &ctx.input(si) : nullptr;
  int64_t n = static_cast<int64_t>(axes.size());
  for (int64_t i = 0; i < n; ++i) {
    int64_t a = axes[i];
    plan.scale[a] = scales ? scales->as_double(i)
                           : static_cast<double>(out.dim(a)) / static_cast<double>(in.dim(a));
  }
  // keep_aspect_ratio_policy (opset 18): every axis maps coordinates with the one common scale.
  std::string policy = ctx.node().attr_string("keep_aspect_ratio_policy", "stretch");
  if (!scales && policy != "stretch" && ctx.has_input(3)) {
    bool larger = policy == "not_smaller";
    double common = larger ? 0.0 : std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < n; ++i) {
      double s = ctx.input(3).as_double(i) / static_cast<double>(in.dim(axes[i]));
      common = larger ? std::max(common, s) : std::min(common, s);
    }
    for (int64_t a : axes) plan.scale[a] = common;
  }
  if (!old && ctx.has_input(1) && ctx.input(1).numel() > 0) {
    const Tensor& roi = ctx.input(1);
    if (roi.numel() != 2 * n) return error("roi has ", roi.numel(), " entries, expected ", 2 * n);
    for (int64_t i = 0; i < n; ++i) {
      plan.roi_start[axes[i]] = roi.as_double(i);
      plan.roi_end[axes[i]] = roi.as_double(i + n);
    }
  }
  return plan;
}

// Converts an interpolated value to the element type; integers round and saturate.
template <typename T>
T from_double(double v) {
  if constexpr (std::is_integral_v<T>) {
    double lo = static_cast<double>(std::numeric_limits<T>::lowest());
    double hi = static_cast<double>(std::numeric_limits<T>::max());
    return static_cast<T>(std::clamp(std::nearbyint(v), lo, hi));
  } else {
    return static_cast<T>(v);
  }
}

// Weighted sums over the product of the taps for linear and cubic.
Status resize_interpolate(const Tensor& in, Tensor& out, const std::vector<std::vector<Taps>>& taps,
                          double extrapolation) {
  if (in.dtype() == DType::kBool) return error("unsupported: linear/cubic Resize of bool");
  int64_t rank = in.rank();
  Shape in_strides = shape_strides(in.shape());
  return visit_numeric(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = in.data<T>();
    T* dst = out.data<T>();
    Shape coord(static_cast<size_t>(rank), 0);
    // sum over axes a.. of the taps, starting from linear offset `base`.
    auto sum = [&](auto&& self, int64_t a, int64_t base) -> double {
      if (a == rank) return static_cast<double>(static_cast<ComputeType<T>>(src[base]));
      const Taps& t = taps[a][coord[a]];
      double acc = 0;
      for (int k = 0; k < t.n; ++k) {
        if (t.weight[k] != 0)
          acc += t.weight[k] * self(self, a + 1, base + t.index[k] * in_strides[a]);
      }
      return acc;
    };
    for (int64_t i = 0; i < out.numel(); ++i) {
      bool outside = false;
      for (int64_t a = 0; a < rank; ++a) outside = outside || taps[a][coord[a]].outside;
      dst[i] = from_double<T>(outside ? extrapolation : sum(sum, 0, 0));
      for (int64_t a = rank - 1; a >= 0; --a) {
        if (++coord[a] < out.dim(a)) break;
        coord[a] = 0;
      }
    }
    return Status::ok();
  });
}

// Nearest neighbour moves elements, so it serves every dtype exactly.
Status resize_nearest(const Tensor& in, Tensor& out, const std::vector<std::vector<Taps>>& taps,
                      double extrapolation) {
  int64_t rank = in.rank();
  Shape in_strides = shape_strides(in.shape());
  if (in.dtype() != DType::kString) {
    Tensor fill(in.dtype(), {});
    STITCH_RETURN_IF_ERROR(visit_numeric(in.dtype(), [&](auto tag) {
      using T = decltype(tag);
      fill.data<T>()[0] = from_double<T>(extrapolation);
      return Status::ok();
    }));
    STITCH_RETURN_IF_ERROR(tensor_util::fill_with(out, fill, 0));
  }
  Shape coord(static_cast<size_t>(rank), 0);
  return tensor_util::gather_by(in, out, [&](int64_t) {
    int64_t index = 0;
    for (int64_t a = 0; a < rank; ++a) {
      const Taps& t = taps[a][coord[a]];
      if (t.outside) index = -1;
      if (index < 0) continue;
      index += (t.weight[0] >= t.weight[1] ? t.index[0] : t.index[1]) * in_strides[a];
    }
    for (int64_t a = rank - 1; a >= 0; --a) {
      if (++coord[a] < out.dim(a)) break;
      coord[a] = 0;
    }
    return index;
  });
}

Status resize(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  if (ctx.node().attr_int("antialias", 0) != 0) return error("unsupported: antialias");
  ResizeParams p = resize_params(ctx.node());
  STITCH_ASSIGN_OR_RETURN(AxisPlan plan, plan_axes(ctx, in, out));
  std::vector<std::vector<Taps>> taps(static_cast<size_t>(in.rank()));
  for (int64_t a = 0; a < in.rank(); ++a) {
    if (in.dim(a) == 0 && out.dim(a) > 0) return error("cannot resize an empty axis");
    for (int64_t x = 0; x < out.dim(a); ++x) {
      double src = source_coordinate(p, static_cast<double>(x), plan.scale[a], in.dim(a),
                                     out.dim(a), plan.roi_start[a], plan.roi_end[a]);
      taps[a].push_back(axis_taps(p, src, in.dim(a)));
    }
  }
  if (out.numel() == 0) return Status::ok();
  if (p.mode == "nearest") return resize_nearest(in, out, taps, p.extrapolation);
  return resize_interpolate(in, out, taps, p.extrapolation);
}

// ---- GridSample (PyTorch's grid_sample semantics, which the ONNX tests were made with) ----

struct GridParams {
  int mode = 1;  // 0 nearest, 1 linear, 2 cubic
  std::string padding;
  bool align = false;
};

double reflect(double v, double twice_low, double twice_high) {
  if (twice_low == twice_high) return 0;
  double low = twice_low / 2, span = (twice_high - twice_low) / 2;
  v = std::fabs(v - low);
  double extra = std::fmod(v, span);
  int64_t flips = static_cast<int64_t>(std::floor(v / span));
  return flips % 2 == 0 ? extra + low : span - extra + low;
}

// Applies border / reflection padding to a source coordinate (zeros: unchanged).
double pad_coordinate(const GridParams& p, double v, int64_t size) {
  if (p.padding == "border") return std::clamp(v, 0.0, static_cast<double>(size - 1));
  if (p.padding == "reflection") {
    v = p.align ? reflect(v, 0, 2.0 * (size - 1)) : reflect(v, -1, 2.0 * size - 1);
    return std::clamp(v, 0.0, static_cast<double>(size - 1));
  }
  return v;
}

// Taps of one spatial axis for grid coordinate g in [-1, 1].
Taps grid_taps(const GridParams& p, double g, int64_t size) {
  double v = p.align ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2;
  Taps t;
  if (p.mode == 2) {  // bicubic pads each tap, not the point
    double base = std::floor(v);
    cubic_weights(-0.75, v - base, t.weight);
    t.n = 4;
    for (int k = 0; k < 4; ++k) {
      t.index[k] = static_cast<int64_t>(pad_coordinate(p, base - 1 + k, size));
    }
  } else if (p.mode == 1) {
    v = pad_coordinate(p, v, size);
    double base = std::floor(v);
    t.n = 2;
    t.index[0] = static_cast<int64_t>(base);
    t.index[1] = t.index[0] + 1;
    t.weight[0] = 1 - (v - base);
    t.weight[1] = v - base;
  } else {
    t.n = 1;
    t.index[0] = static_cast<int64_t>(std::nearbyint(pad_coordinate(p, v, size)));
    t.weight[0] = 1;
  }
  for (int k = 0; k < t.n; ++k) {  // out-of-range taps read zero
    if (t.index[k] < 0 || t.index[k] >= size) t.weight[k] = 0;
  }
  return t;
}

Status grid_sample(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& grid = ctx.input(1);
  Tensor& out = ctx.output(0);
  GridParams p;
  std::string mode = ctx.node().attr_string("mode", "bilinear");
  p.mode = (mode == "nearest") ? 0 : (mode == "bicubic" || mode == "cubic") ? 2 : 1;
  p.padding = ctx.node().attr_string("padding_mode", "zeros");
  p.align = ctx.node().attr_int("align_corners", 0) != 0;
  int64_t r = x.rank() - 2;
  int64_t batch = x.dim(0), channels = x.dim(1);
  int64_t in_plane = shape_product(x.shape(), 2, x.shape().size());
  int64_t points = shape_product(grid.shape(), 1, grid.shape().size() - 1);
  Shape in_strides = shape_strides(x.shape());
  return visit_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    std::vector<Taps> taps(static_cast<size_t>(r));
    auto sum = [&](auto&& self, int64_t a, int64_t base) -> double {
      if (a == r) return static_cast<double>(static_cast<ComputeType<T>>(src[base]));
      double acc = 0;
      for (int k = 0; k < taps[a].n; ++k) {
        if (taps[a].weight[k] == 0) continue;
        acc += taps[a].weight[k] * self(self, a + 1, base + taps[a].index[k] * in_strides[a + 2]);
      }
      return acc;
    };
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t q = 0; q < points; ++q) {
        for (int64_t a = 0; a < r; ++a) {  // grid lists the innermost axis first (x, y, ...)
          double g = grid.as_double((n * points + q) * r + (r - 1 - a));
          taps[a] = grid_taps(p, g, x.dim(a + 2));
        }
        for (int64_t c = 0; c < channels; ++c) {
          dst[(n * channels + c) * points + q] =
              static_cast<T>(sum(sum, 0, (n * channels + c) * in_plane));
        }
      }
    }
    return Status::ok();
  });
}

}  // namespace

void register_tensor_resize_kernels(KernelRegistry& r) {
  r.add("", "Resize", resize);
  r.add("", "GridSample", grid_sample);
}

}  // namespace stitch::reference
