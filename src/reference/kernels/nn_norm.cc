// Reference kernels of the normalization ops: BatchNormalization, InstanceNormalization,
// LayerNormalization, GroupNormalization, LRN, MeanVarianceNormalization, LpNormalization.
// Part of reference/kernels/ (nn family). Statistics are computed in double, two-pass.
#include <algorithm>
#include <cmath>

#include "reference/kernels/nn_util.h"

namespace stitch::reference {
namespace {

// Mean and population variance of each group of a tensor, where element i belongs to group
// group_of(i).
struct Moments {
  std::vector<double> mean, var;
};

template <typename GroupOf>
Moments moments(const std::vector<double>& x, int64_t groups, GroupOf group_of) {
  Moments m{std::vector<double>(groups, 0.0), std::vector<double>(groups, 0.0)};
  std::vector<int64_t> count(groups, 0);
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t g = group_of(static_cast<int64_t>(i));
    m.mean[g] += x[i];
    ++count[g];
  }
  for (int64_t g = 0; g < groups; ++g) m.mean[g] /= std::max<int64_t>(count[g], 1);
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t g = group_of(static_cast<int64_t>(i));
    double d = x[i] - m.mean[g];
    m.var[g] += d * d;
  }
  for (int64_t g = 0; g < groups; ++g) m.var[g] /= std::max<int64_t>(count[g], 1);
  return m;
}

// [N, C, rest...]: the channel of element i.
struct ChannelOf {
  int64_t channels, inner;
  int64_t operator()(int64_t i) const { return (i / inner) % channels; }
};

ChannelOf channel_of(const Tensor& x) {
  int64_t c = x.dim(1);
  return ChannelOf{c, x.numel() / std::max<int64_t>(x.dim(0) * c, 1)};
}

Status batch_norm_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  double eps = ctx.node().attr_float("epsilon", 1e-5f);
  double momentum = ctx.node().attr_float("momentum", 0.9f);
  bool training = ctx.node().attr_int("training_mode", 0) != 0;
  if (ctx.node().opset() < 9 && ctx.node().attr_int("spatial", 1) == 0) {
    return error("unsupported: BatchNormalization with spatial=0 (per-activation statistics)");
  }
  std::vector<double> xv = nn::to_vector<double>(x);
  std::vector<double> scale = nn::to_vector<double>(ctx.input(1));
  std::vector<double> bias = nn::to_vector<double>(ctx.input(2));
  std::vector<double> mean = nn::to_vector<double>(ctx.input(3));
  std::vector<double> var = nn::to_vector<double>(ctx.input(4));
  ChannelOf ch = channel_of(x);
  Moments batch;
  if (training) batch = moments(xv, ch.channels, ch);
  const std::vector<double>& use_mean = training ? batch.mean : mean;
  const std::vector<double>& use_var = training ? batch.var : var;
  for (size_t i = 0; i < xv.size(); ++i) {
    int64_t c = ch(static_cast<int64_t>(i));
    xv[i] = (xv[i] - use_mean[c]) / std::sqrt(use_var[c] + eps) * scale[c] + bias[c];
  }
  nn::from_vector(xv, ctx.output(0));
  for (int out = 1; out <= 2 && out < ctx.num_outputs(); ++out) {
    if (!ctx.output(out).defined()) continue;
    std::vector<double> running = out == 1 ? mean : var;
    const std::vector<double>& current = out == 1 ? use_mean : use_var;
    for (size_t c = 0; c < running.size(); ++c) {
      running[c] = running[c] * momentum + current[c] * (1.0 - momentum);
    }
    nn::from_vector(running, ctx.output(out));
  }
  return Status::ok();
}

Status instance_norm_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  double eps = ctx.node().attr_float("epsilon", 1e-5f);
  std::vector<double> xv = nn::to_vector<double>(x);
  std::vector<double> scale = nn::to_vector<double>(ctx.input(1));
  std::vector<double> bias = nn::to_vector<double>(ctx.input(2));
  ChannelOf ch = channel_of(x);
  int64_t planes = x.dim(0) * ch.channels;
  Moments m = moments(xv, planes, [&](int64_t i) { return i / ch.inner; });
  for (size_t i = 0; i < xv.size(); ++i) {
    int64_t p = static_cast<int64_t>(i) / ch.inner, c = p % ch.channels;
    xv[i] = (xv[i] - m.mean[p]) / std::sqrt(m.var[p] + eps) * scale[c] + bias[c];
  }
  nn::from_vector(xv, ctx.output(0));
  return Status::ok();
}

Status layer_norm_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node().attr_int("axis", -1), x.rank()));
  double eps = ctx.node().attr_float("epsilon", 1e-5f);
  Shape normalized(x.shape().begin() + axis, x.shape().end());
  int64_t cols = shape_numel(normalized), rows = x.numel() / std::max<int64_t>(cols, 1);
  std::vector<double> xv = nn::to_vector<double>(x);
  std::vector<double> scale = nn::to_vector<double>(ctx.input(1));
  std::vector<double> bias =
      ctx.has_input(2) ? nn::to_vector<double>(ctx.input(2)) : std::vector<double>{};
  BroadcastIndexer scale_at(ctx.input(1).shape(), normalized);
  BroadcastIndexer bias_at(ctx.has_input(2) ? ctx.input(2).shape() : Shape{}, normalized);
  Moments m = moments(xv, rows, [&](int64_t i) { return i / cols; });
  std::vector<double> inv_std(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) inv_std[r] = 1.0 / std::sqrt(m.var[r] + eps);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t r = i / cols, c = i % cols;
    double v = (xv[i] - m.mean[r]) * inv_std[r] * scale[scale_at(c)];
    xv[i] = bias.empty() ? v : v + bias[bias_at(c)];
  }
  nn::from_vector(xv, ctx.output(0));
  if (ctx.num_outputs() > 1 && ctx.output(1).defined()) nn::from_vector(m.mean, ctx.output(1));
  if (ctx.num_outputs() > 2 && ctx.output(2).defined()) nn::from_vector(inv_std, ctx.output(2));
  return Status::ok();
}

Status group_norm_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  double eps = ctx.node().attr_float("epsilon", 1e-5f);
  int64_t groups = ctx.node().attr_int("num_groups", 1);
  std::vector<double> xv = nn::to_vector<double>(x);
  std::vector<double> scale = nn::to_vector<double>(ctx.input(1));
  std::vector<double> bias = nn::to_vector<double>(ctx.input(2));
  ChannelOf ch = channel_of(x);
  int64_t per_group = ch.channels / groups;
  // Group (n, g) spans channels [g * per_group, (g + 1) * per_group) of sample n: contiguous.
  int64_t group_size = per_group * ch.inner;
  Moments m = moments(xv, x.dim(0) * groups, [&](int64_t i) { return i / group_size; });
  bool per_channel = static_cast<int64_t>(scale.size()) == ch.channels;
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t ng = i / group_size, c = ch(i);
    int64_t p = per_channel ? c : c / per_group;
    xv[i] = (xv[i] - m.mean[ng]) / std::sqrt(m.var[ng] + eps) * scale[p] + bias[p];
  }
  nn::from_vector(xv, ctx.output(0));
  return Status::ok();
}

Status lrn_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const graph::Node& node = ctx.node();
  double alpha = node.attr_float("alpha", 1e-4f), beta = node.attr_float("beta", 0.75f);
  double bias = node.attr_float("bias", 1.0f);
  int64_t size = node.attr_int("size", 1);
  ChannelOf ch = channel_of(x);
  std::vector<double> xv = nn::to_vector<double>(x), y(xv.size());
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t c = ch(i);
    double sum = 0.0;
    for (int64_t k = std::max<int64_t>(0, c - before); k <= std::min(ch.channels - 1, c + after);
         ++k) {
      double v = xv[i + (k - c) * ch.inner];
      sum += v * v;
    }
    y[i] = xv[i] / std::pow(bias + alpha / static_cast<double>(size) * sum, beta);
  }
  nn::from_vector(y, ctx.output(0));
  return Status::ok();
}

// x's shape with the given axes set to 1: the shape of per-group statistics.
Expected<Shape> reduced_shape(const Shape& shape, const std::vector<int64_t>& axes) {
  Shape r = shape;
  for (int64_t a : axes) {
    STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a, static_cast<int64_t>(shape.size())));
    r[axis] = 1;
  }
  return r;
}

Status mvn_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(Shape reduced,
                          reduced_shape(x.shape(), ctx.node().attr_ints("axes", {0, 2, 3})));
  BroadcastIndexer group_of(reduced, x.shape());
  std::vector<double> xv = nn::to_vector<double>(x);
  Moments m = moments(xv, shape_numel(reduced), group_of);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t g = group_of(i);
    xv[i] = (xv[i] - m.mean[g]) / (std::sqrt(m.var[g]) + 1e-9);  // the ONNX function's epsilon
  }
  nn::from_vector(xv, ctx.output(0));
  return Status::ok();
}

Status lp_norm_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t p = ctx.node().attr_int("p", 2);
  STITCH_ASSIGN_OR_RETURN(Shape reduced,
                          reduced_shape(x.shape(), {ctx.node().attr_int("axis", -1)}));
  BroadcastIndexer group_of(reduced, x.shape());
  std::vector<double> xv = nn::to_vector<double>(x);
  std::vector<double> norm(static_cast<size_t>(shape_numel(reduced)), 0.0);
  for (int64_t i = 0; i < x.numel(); ++i)
    norm[group_of(i)] += p == 1 ? std::fabs(xv[i]) : xv[i] * xv[i];
  if (p == 2) {
    for (auto& n : norm) n = std::sqrt(n);
  }
  for (int64_t i = 0; i < x.numel(); ++i) {
    double n = norm[group_of(i)];
    xv[i] = n == 0.0 ? 0.0 : xv[i] / n;  // an all-zero slice stays zero instead of NaN
  }
  nn::from_vector(xv, ctx.output(0));
  return Status::ok();
}

}  // namespace

void register_nn_norm_kernels(KernelRegistry& r) {
  r.add("", "BatchNormalization", batch_norm_kernel);
  r.add("", "InstanceNormalization", instance_norm_kernel);
  r.add("", "LayerNormalization", layer_norm_kernel);
  r.add("", "GroupNormalization", group_norm_kernel);
  r.add("", "LRN", lrn_kernel);
  r.add("", "MeanVarianceNormalization", mvn_kernel);
  r.add("", "LpNormalization", lp_norm_kernel);
}

}  // namespace stitch::reference
