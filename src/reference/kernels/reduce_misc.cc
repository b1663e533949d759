// Reference kernels of TopK, NonMaxSuppression and the training-domain optimizers (Adagrad,
// Momentum, Adam). Part of reference/kernels/ (reduce family).
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "reference/kernels/reduce_util.h"
#include "runtime/host_ops/host_ops.h"

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

// NonMaxSuppression runs the runtime's host op (runtime/host_ops/), as the compiled engine does.
Status nms_kernel(KernelContext& ctx) {
  namespace host = runtime::host_ops;
  std::vector<host::TensorView> views;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    views.push_back(ctx.has_input(i) ? host::view_of(ctx.input(i)) : host::TensorView{});
  }
  auto optional = [&](int i) {
    return i < ctx.num_inputs() && ctx.has_input(i) ? &views[i] : nullptr;
  };
  host::NmsParams p;
  p.max_output_boxes_per_class = optional(2);
  p.iou_threshold = optional(3);
  p.score_threshold = optional(4);
  p.center_point_box = ctx.node().attr_int("center_point_box", 0) != 0;
  STITCH_ASSIGN_OR_RETURN(Tensor out, host::non_max_suppression(views[0], views[1], p));
  if (ctx.num_outputs() > 0 && ctx.node().output(0)) ctx.output(0) = std::move(out);
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
