// Templates of the normalization ops: LayerNormalization (with its Mean/InvStdDev outputs),
// InstanceNormalization and MeanVarianceNormalization (two passes per group: mean, then
// variance, then the scaled output), and BatchNormalization in inference mode (elementwise per
// channel). Part of lower/templates/; the group norms are reduce anchors, BatchNormalization
// lowers as an injective op (its statistics are inputs).
#include <cmath>

#include "lower/templates/lane_reduce.h"
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

bool output_used(const graph::Node& n, int i) {
  const graph::Value* v = n.output(i);
  return v != nullptr && (!v->users().empty() || v->is_graph_output());
}

// Statistics over groups: the dims with reduced[d] set form one group per index of the other
// dims. Per group (outer loop, parallel), two vectorized passes (lane_reduce) accumulate the
// mean and the population variance in the element type, then `element` writes each output element
// (given x's index and the group's mean and variance) and `group` may write per-group outputs (at
// the outer index, whose reduced dims are 0).
using ElementFn = std::function<kir::Stmt(const Index& idx, const Expr& mean, const Expr& var)>;
using GroupFn =
    std::function<std::vector<kir::Stmt>(const Index& outer, const Expr& mean, const Expr& var)>;

kir::Stmt moments_nest(LowerContext& ctx, const graph::Value* x, const std::vector<bool>& reduced,
                       const ElementFn& element, const GroupFn& group = nullptr) {
  const Shape& shape = x->shape();
  const DType dt = x->dtype();
  Shape outer_shape = shape, inner_shape = shape;
  double count = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    (reduced[d] ? outer_shape : inner_shape)[d] = 1;
    if (reduced[d]) count *= static_cast<double>(shape[d]);
  }
  return loop_nest(
      ctx, outer_shape,
      [&](const Index& outer) {
        // stats[0] = sum, then stats[1] = sum of squared deviations, each over 8 partial lanes
        // (lane_reduce.h: the order differs from a sequential sum by rounding).
        kir::Buffer stats = ctx.scratch("stats", dt, {2});
        kir::Var mean = kir::make_var("mean", dt), var = kir::make_var("var", dt);
        auto at = [&](const Index& inner) {
          Index idx = outer;
          for (size_t d = 0; d < idx.size(); ++d) {
            if (reduced[d]) idx[d] = inner[d];
          }
          return idx;
        };
        CombineFn add_fn = [](const Expr& a, const Expr& b) { return a + b; };
        std::vector<kir::Stmt> tail{loop_nest(
            ctx, inner_shape, [&](const Index& r) { return element(at(r), mean, var); },
            /*parallel=*/false, /*vectorize=*/true)};
        if (group) {
          for (kir::Stmt& s : group(outer, mean, var)) tail.push_back(std::move(s));
        }
        kir::Stmt with_var = kir::let_stmt(
            var, kir::load(stats, index_const(1)) / constant(dt, count), kir::seq(std::move(tail)));
        ExprFn sq_dev = [&](const Index& r) {
          Expr dev = ctx.read(x, at(r)) - mean;
          return dev * dev;
        };
        kir::Stmt with_mean = kir::let_stmt(
            mean, kir::load(stats, index_const(0)) / constant(dt, count),
            kir::seq({lane_reduce(ctx, inner_shape, dt, 0, sq_dev, add_fn, stats, 1), with_var}));
        ExprFn x_at = [&](const Index& r) { return ctx.read(x, at(r)); };
        return kir::allocate(
            stats,
            kir::seq({lane_reduce(ctx, inner_shape, dt, 0, x_at, add_fn, stats, 0), with_mean}));
      },
      /*parallel=*/true, /*vectorize=*/false);
}

Expr rsqrt(const Expr& v) { return constant(v->type.dtype, 1) / kir::call("sqrt", v->type, {v}); }

// The used outputs among Mean and InvStdDev: x's shape with the normalized dims set to 1, so
// the group's outer index addresses them.
Expected<kir::Stmt> lower_layer_norm(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* scale = n.input(1);
  const graph::Value* bias = n.has_input(2) ? n.input(2) : nullptr;
  const graph::Value* out = n.output(0);
  const Shape& shape = x->shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", -1), rank));
  if (!dtype_is_float(x->dtype())) return unsupported(n, "LayerNormalization of non-floats");
  const double eps = n.attr_float("epsilon", 1e-5f);
  const DType dt = x->dtype();
  std::vector<bool> reduced(rank, false);
  for (int64_t d = axis; d < rank; ++d) reduced[d] = true;
  ElementFn element = [&](const Index& idx, const Expr& mean, const Expr& var) {
    Expr y = (ctx.read(x, idx) - mean) * rsqrt(var + constant(dt, eps)) *
             ctx.read(scale, broadcast_index(scale->shape(), shape, idx));
    if (bias) y = y + ctx.read(bias, broadcast_index(bias->shape(), shape, idx));
    return ctx.write(out, idx, y);
  };
  GroupFn group = [&](const Index& outer, const Expr& mean, const Expr& var) {
    std::vector<kir::Stmt> stats;
    for (int k = 1; k <= 2; ++k) {
      const graph::Value* stat = n.output(k);
      if (stat == nullptr || !ctx.find_buffer(stat)) continue;
      Expr v = k == 1 ? mean : rsqrt(var + constant(dt, eps));
      stats.push_back(ctx.write(stat, outer, kir::cast(scalar_type(stat->dtype()), v)));
    }
    return stats;
  };
  return moments_nest(ctx, x, reduced, element, group);
}

// y = (x - mean) / sqrt(var + eps) * scale[c] + bias[c], statistics per (n, c) plane.
Expected<kir::Stmt> lower_instance_norm(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const DType dt = x->dtype();
  if (!dtype_is_float(dt) || x->shape().size() < 2) {
    return unsupported(n, "InstanceNormalization of non-float or rank < 2 data");
  }
  const double eps = n.attr_float("epsilon", 1e-5f);
  std::vector<bool> reduced(x->shape().size(), true);
  reduced[0] = reduced[1] = false;
  return moments_nest(ctx, x, reduced, [&](const Index& idx, const Expr& mean, const Expr& var) {
    Expr y = (ctx.read(x, idx) - mean) * rsqrt(var + constant(dt, eps)) *
                 ctx.read(n.input(1), {idx[1]}) +
             ctx.read(n.input(2), {idx[1]});
    return ctx.write(out, idx, y);
  });
}

// y = (x - mean) / (sqrt(var) + 1e-9) over `axes` (the ONNX function's epsilon).
Expected<kir::Stmt> lower_mvn(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const DType dt = x->dtype();
  if (!dtype_is_float(dt)) return unsupported(n, "MeanVarianceNormalization of non-floats");
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  std::vector<bool> reduced(rank, false);
  for (int64_t a : n.attr_ints("axes", {0, 2, 3})) {
    STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a, rank));
    reduced[axis] = true;
  }
  return moments_nest(ctx, x, reduced, [&](const Index& idx, const Expr& mean, const Expr& var) {
    Expr sd = kir::call("sqrt", scalar_type(dt), {var}) + constant(dt, 1e-9);
    return ctx.write(out, idx, (ctx.read(x, idx) - mean) / sd);
  });
}

// y = (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + b[c], c = dim 1.
Expected<std::vector<ExprFn>> lower_batch_norm(LowerContext& ctx, const graph::Node& n) {
  if (n.attr_int("training_mode", 0) != 0 || output_used(n, 1) || output_used(n, 2)) {
    return unsupported(n, "BatchNormalization in training mode");
  }
  const double eps = n.attr_float("epsilon", 1e-5f);
  return std::vector<ExprFn>{[&ctx, &n, eps](const Index& idx) {
    const graph::Value* x = n.input(0);
    const DType dt = x->dtype();
    const Index c = x->shape().size() > 1 ? Index{idx[1]} : Index{index_const(0)};
    auto param = [&](int i) { return ctx.read(n.input(i), c); };
    Expr inv_std =
        constant(dt, 1) / kir::call("sqrt", scalar_type(dt), {param(4) + constant(dt, eps)});
    return (ctx.read(x, idx) - param(3)) * inv_std * param(1) + param(2);
  }};
}

}  // namespace

void register_norm_templates(TemplateTable& t) {
  t.push_back({"LayerNormalization", OpTemplate{nullptr, lower_layer_norm}});
  t.push_back({"InstanceNormalization", OpTemplate{nullptr, lower_instance_norm}});
  t.push_back({"MeanVarianceNormalization", OpTemplate{nullptr, lower_mvn}});
  t.push_back({"BatchNormalization", OpTemplate{lower_batch_norm, nullptr, true, false}});
}

}  // namespace stitch::lower
