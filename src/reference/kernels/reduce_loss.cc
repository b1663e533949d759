// Reference kernels of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
// Part of reference/kernels/ (reduce family). Both compute in double on an [N, C, D] view
// of the input, D the product of the trailing dims.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "reference/kernels/reduce_util.h"

namespace stitch::reference {

void register_reduce_loss_kernels(KernelRegistry& r);

namespace {

std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[i] = t.as_double(i);
  return v;
}

Status write_doubles(const std::vector<double>& values, Tensor& out) {
  return visit_float(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < out.numel(); ++i) {
      out.data<T>()[i] = static_cast<T>(static_cast<ComputeType<T>>(values[i]));
    }
    return Status::ok();
  });
}

// The negative log-likelihood of log-probabilities `logp` (shaped like input 0) against the
// targets of input 1, weighted by the optional input 2, reduced as the node says. Ignored
// targets weigh 0; "mean" divides by the total weight, as the ONNX reference does.
Status nll_loss(KernelContext& ctx, const std::vector<double>& logp) {
  const Shape& in_shape = ctx.input(0).shape();
  if (in_shape.size() < 2) return error("input must have rank >= 2");
  const Tensor& target = ctx.input(1);
  int64_t n = in_shape[0];
  int64_t c = in_shape[1];
  int64_t d = shape_product(in_shape, 2, in_shape.size());
  if (target.numel() != n * d) return error("target ", target.type_string(), " does not fit");
  const Tensor* weight = ctx.has_input(2) ? &ctx.input(2) : nullptr;
  if (weight && weight->numel() != c) return error("weight must have ", c, " elements");
  bool has_ii = ctx.node().has_attr("ignore_index");
  int64_t ii = ctx.node().attr_int("ignore_index", 0);
  std::vector<double> loss(static_cast<size_t>(n * d), 0.0);
  double total = 0;
  double weight_sum = 0;
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t k = 0; k < d; ++k) {
      int64_t t = target.as_int64(b * d + k);
      if (has_ii && t == ii) continue;
      if (t < 0 || t >= c) return error("target value ", t, " is outside [0, ", c, ")");
      double w = weight ? weight->as_double(t) : 1.0;
      loss[b * d + k] = -logp[(b * c + t) * d + k] * w;
      total += loss[b * d + k];
      weight_sum += w;
    }
  }
  std::string reduction = ctx.node().attr_string("reduction", "mean");
  DType dtype = ctx.input(0).dtype();
  if (reduction == "none") {
    Tensor* out = prepare_output(ctx, 0, dtype, target.shape());
    return out ? write_doubles(loss, *out) : Status::ok();
  }
  double value = reduction == "sum" ? total : total / weight_sum;
  Tensor* out = prepare_output(ctx, 0, dtype, {});
  return out ? write_doubles({value}, *out) : Status::ok();
}

Status nll_kernel(KernelContext& ctx) { return nll_loss(ctx, to_doubles(ctx.input(0))); }

Status sce_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.rank() < 2) return error("scores must have rank >= 2");
  AxisView v = axis_view(x.shape(), 1);
  std::vector<double> logp = to_doubles(x);
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t i = 0; i < v.inner; ++i) {
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < v.n; ++j) mx = std::max(mx, logp[v.at(o, j, i)]);
      double sum = 0;
      for (int64_t j = 0; j < v.n; ++j) sum += std::exp(logp[v.at(o, j, i)] - mx);
      double log_sum = std::log(sum);
      for (int64_t j = 0; j < v.n; ++j) logp[v.at(o, j, i)] -= mx + log_sum;
    }
  }
  if (Tensor* log_prob = prepare_output(ctx, 1, x.dtype(), x.shape())) {
    STITCH_RETURN_IF_ERROR(write_doubles(logp, *log_prob));
  }
  return nll_loss(ctx, logp);
}

}  // namespace

void register_reduce_loss_kernels(KernelRegistry& r) {
  r.add("", "NegativeLogLikelihoodLoss", nll_kernel);
  r.add("", "SoftmaxCrossEntropyLoss", sce_kernel);
}

}  // namespace stitch::reference
