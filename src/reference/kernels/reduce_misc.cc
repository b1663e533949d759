// Reference kernels of TopK, NonMaxSuppression and the training-domain optimizers (Adagrad,
// Momentum, Adam). Part of reference/kernels/ (reduce family).
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "reference/kernels/reduce_util.h"

namespace stitch::reference {

void register_reduce_misc_kernels(KernelRegistry& r);

namespace {

Status topk_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (ctx.input(1).numel() != 1) return error("k must hold one value");
  int64_t k = ctx.input(1).as_int64(0);
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node().attr_int("axis", -1), x.rank()));
  if (k < 0 || k > x.dim(axis)) return error("k = ", k, " is outside [0, ", x.dim(axis), "]");
  bool largest = ctx.node().attr_int("largest", 1) != 0;
  Shape shape = x.shape();
  shape[axis] = k;
  Tensor* values = prepare_output(ctx, 0, x.dtype(), shape);
  Tensor* indices = prepare_output(ctx, 1, DType::kInt64, shape);
  AxisView in = axis_view(x.shape(), axis);
  AxisView out = axis_view(shape, axis);
  if (x.dtype() == DType::kBool) return error("unsupported: TopK over bool");
  return visit_numeric(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeType<T>;
    std::vector<std::pair<C, int64_t>> row(static_cast<size_t>(in.n));
    for (int64_t o = 0; o < in.outer; ++o) {
      for (int64_t i = 0; i < in.inner; ++i) {
        for (int64_t j = 0; j < in.n; ++j)
          row[j] = {static_cast<C>(x.data<T>()[in.at(o, j, i)]), j};
        // A stable sort on the value keeps the lower index first among equal values.
        std::stable_sort(row.begin(), row.end(), [largest](const auto& a, const auto& b) {
          return largest ? a.first > b.first : a.first < b.first;
        });
        for (int64_t j = 0; j < k; ++j) {
          if (values) values->data<T>()[out.at(o, j, i)] = static_cast<T>(row[j].first);
          if (indices) indices->data<int64_t>()[out.at(o, j, i)] = row[j].second;
        }
      }
    }
    return Status::ok();
  });
}

// A box as its corner coordinates, whatever order or format it came in.
struct Box {
  float x1, y1, x2, y2;
  float area() const { return (x2 - x1) * (y2 - y1); }
};

Box read_box(const float* p, bool center_point) {
  if (center_point) {  // [x_center, y_center, width, height]
    return {p[0] - p[2] / 2, p[1] - p[3] / 2, p[0] + p[2] / 2, p[1] + p[3] / 2};
  }
  // [y1, x1, y2, x2], any diagonal pair of corners.
  return {std::min(p[1], p[3]), std::min(p[0], p[2]), std::max(p[1], p[3]), std::max(p[0], p[2])};
}

float iou(const Box& a, const Box& b) {
  if (a.area() <= 0 || b.area() <= 0) return 0;
  float w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  float h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  float inter = w * h;
  return inter / (a.area() + b.area() - inter);
}

// Greedy NMS per (batch, class): highest score first (lower index on ties), dropping every
// box whose IoU with an already selected one exceeds the threshold.
Status nms_kernel(KernelContext& ctx) {
  const Tensor& boxes = ctx.input(0);
  const Tensor& scores = ctx.input(1);
  if (boxes.rank() != 3 || boxes.dim(2) != 4 || scores.rank() != 3 ||
      boxes.dim(0) != scores.dim(0) || boxes.dim(1) != scores.dim(2)) {
    return error("boxes ", boxes.type_string(), " and scores ", scores.type_string(),
                 " do not fit");
  }
  if (boxes.dtype() != DType::kFloat32 || scores.dtype() != DType::kFloat32) {
    return error("unsupported: NonMaxSuppression on ", dtype_name(boxes.dtype()));
  }
  int64_t max_out = static_cast<int64_t>(optional_scalar(ctx, 2, 0));
  float iou_threshold = static_cast<float>(optional_scalar(ctx, 3, 0));
  bool has_score_threshold = ctx.has_input(4) && ctx.input(4).numel() > 0;
  float score_threshold = static_cast<float>(optional_scalar(ctx, 4, 0));
  bool center = ctx.node().attr_int("center_point_box", 0) != 0;
  int64_t num_boxes = boxes.dim(1);
  std::vector<std::array<int64_t, 3>> picked;
  for (int64_t b = 0; b < scores.dim(0); ++b) {
    for (int64_t c = 0; c < scores.dim(1); ++c) {
      const float* s = scores.data<float>() + (b * scores.dim(1) + c) * num_boxes;
      std::vector<int64_t> order;
      for (int64_t i = 0; i < num_boxes; ++i) {
        if (!has_score_threshold || s[i] > score_threshold) order.push_back(i);
      }
      std::stable_sort(order.begin(), order.end(),
                       [s](int64_t a, int64_t bb) { return s[a] > s[bb]; });
      std::vector<Box> kept;
      for (int64_t i : order) {
        if (static_cast<int64_t>(kept.size()) >= max_out) break;
        Box box = read_box(boxes.data<float>() + (b * num_boxes + i) * 4, center);
        bool suppressed = false;
        for (const Box& k : kept) suppressed = suppressed || iou(box, k) > iou_threshold;
        if (suppressed) continue;
        kept.push_back(box);
        picked.push_back({b, c, i});
      }
    }
  }
  Tensor* out = prepare_output(ctx, 0, DType::kInt64, {static_cast<int64_t>(picked.size()), 3});
  if (!out) return Status::ok();
  for (size_t i = 0; i < picked.size(); ++i) {
    for (int j = 0; j < 3; ++j) out->data<int64_t>()[i * 3 + j] = picked[i][j];
  }
  return Status::ok();
}

// Runs an elementwise optimizer step over every optimized tensor. Inputs: R, T, then kGroups
// lists of n tensors; outputs: kGroups - 1 lists. `step(r, t, in, out)` maps one element.
template <int kGroups, typename Step>
Status optimizer_kernel(KernelContext& ctx, Step step) {
  int n = (ctx.num_inputs() - 2) / kGroups;
  if (n <= 0 || (ctx.num_inputs() - 2) % kGroups != 0) return error("bad number of inputs");
  double r = ctx.input(0).as_double(0);
  int64_t t = ctx.input(1).as_int64(0);
  for (int k = 0; k < n; ++k) {
    const Tensor& x = ctx.input(2 + k);
    if (!dtype_is_float(x.dtype())) return error("optimized tensors must be floating-point");
    std::array<std::vector<double>, kGroups - 1> results;
    for (auto& v : results) v.resize(static_cast<size_t>(x.numel()));
    for (int64_t e = 0; e < x.numel(); ++e) {
      std::array<double, kGroups> in;
      std::array<double, kGroups - 1> out;
      for (int g = 0; g < kGroups; ++g) in[g] = ctx.input(2 + g * n + k).as_double(e);
      step(r, t, in, out);
      for (int g = 0; g < kGroups - 1; ++g) results[g][e] = out[g];
    }
    for (int g = 0; g < kGroups - 1; ++g) {
      Tensor* o = prepare_output(ctx, g * n + k, x.dtype(), x.shape());
      if (!o) continue;
      STITCH_RETURN_IF_ERROR(visit_float(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        for (int64_t e = 0; e < x.numel(); ++e) {
          o->data<T>()[e] = static_cast<T>(static_cast<ComputeType<T>>(results[g][e]));
        }
        return Status::ok();
      }));
    }
  }
  return Status::ok();
}

Status adagrad_kernel(KernelContext& ctx) {
  const graph::Node& node = ctx.node();
  double decay = node.attr_float("decay_factor", 0.0f);
  double eps = node.attr_float("epsilon", 1e-6f);
  double norm = node.attr_float("norm_coefficient", 0.0f);
  return optimizer_kernel<3>(ctx, [&](double r, int64_t t, const auto& in, auto& out) {
    double lr = r / (1 + static_cast<double>(t) * decay);
    double g = norm * in[0] + in[1];
    double h = in[2] + g * g;
    out[0] = in[0] - lr * g / (std::sqrt(h) + eps);
    out[1] = h;
  });
}

Status momentum_kernel(KernelContext& ctx) {
  const graph::Node& node = ctx.node();
  double alpha = node.attr_float("alpha", 0.0f);
  double beta = node.attr_float("beta", 0.0f);
  double norm = node.attr_float("norm_coefficient", 0.0f);
  std::string mode = node.attr_string("mode", "standard");
  if (mode != "standard" && mode != "nesterov") {
    return error("mode must be 'standard' or 'nesterov', got '", mode, "'");
  }
  bool nesterov = mode == "nesterov";
  return optimizer_kernel<3>(ctx, [&](double r, int64_t t, const auto& in, auto& out) {
    double g = norm * in[0] + in[1];
    double b = t > 0 ? beta : 1.0;  // the first step takes the whole gradient
    double v = alpha * in[2] + b * g;
    out[0] = nesterov ? in[0] - r * (g + alpha * v) : in[0] - r * v;
    out[1] = v;
  });
}

Status adam_kernel(KernelContext& ctx) {
  const graph::Node& node = ctx.node();
  double alpha = node.attr_float("alpha", 0.9f);
  double beta = node.attr_float("beta", 0.999f);
  double eps = node.attr_float("epsilon", 1e-6f);
  double norm = node.attr_float("norm_coefficient", 0.0f);
  double norm_post = node.attr_float("norm_coefficient_post", 0.0f);
  return optimizer_kernel<4>(ctx, [&](double r, int64_t t, const auto& in, auto& out) {
    double g = norm * in[0] + in[1];
    double v = alpha * in[2] + (1 - alpha) * g;
    double h = beta * in[3] + (1 - beta) * g * g;
    double td = static_cast<double>(t);
    double lr = t > 0 ? r * std::sqrt(1 - std::pow(beta, td)) / (1 - std::pow(alpha, td)) : r;
    double x = in[0] - lr * v / (std::sqrt(h) + eps);
    out[0] = (1 - norm_post) * x;
    out[1] = v;
    out[2] = h;
  });
}

}  // namespace

void register_reduce_misc_kernels(KernelRegistry& r) {
  r.add("", "TopK", topk_kernel);
  r.add("", "NonMaxSuppression", nms_kernel);
  const std::string training = "ai.onnx.preview.training";
  r.add(training, "Adagrad", adagrad_kernel);
  r.add(training, "Momentum", momentum_kernel);
  r.add(training, "Adam", adam_kernel);
}

}  // namespace stitch::reference
