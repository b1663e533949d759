// Templates of LayerNormalization (two passes per row: mean, then variance, then the scaled
// output) and BatchNormalization in inference mode (elementwise per channel). Part of
// lower/templates/; LayerNormalization is a reduce anchor, BatchNormalization lowers as an
// injective op (its statistics are inputs).
#include <cmath>

#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

bool output_used(const graph::Node& n, int i) {
  const graph::Value* v = n.output(i);
  return v != nullptr && (!v->users().empty() || v->is_graph_output());
}

Expected<kir::Stmt> lower_layer_norm(LowerContext& ctx, const graph::Node& n) {
  if (output_used(n, 1) || output_used(n, 2)) return unsupported(n, "Mean/InvStdDev outputs");
  const graph::Value* x = n.input(0);
  const graph::Value* scale = n.input(1);
  const graph::Value* bias = n.has_input(2) ? n.input(2) : nullptr;
  const graph::Value* out = n.output(0);
  const Shape& shape = x->shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", -1), rank));
  const double eps = n.attr_float("epsilon", 1e-5f);
  const DType dt = out->dtype();
  const Shape row(shape.begin() + axis, shape.end());
  const double count = static_cast<double>(shape_numel(row));
  return row_nest(ctx, shape, axis, rank, [&](const Index& outer) {
    kir::Buffer acc = ctx.scratch("acc", dt, {2});
    Expr sum = kir::load(acc, index_const(0)), sq = kir::load(acc, index_const(1));
    Expr mean = sum / constant(dt, count);
    auto centered = [&](const Index& r) { return ctx.read(x, with_row(outer, axis, r)) - mean; };
    auto pass = [&](bool vectorize, const std::function<kir::Stmt(const Index&)>& f) {
      return loop_nest(ctx, row, f, /*parallel=*/false, vectorize);
    };
    Expr inv_std = constant(dt, 1) / kir::call("sqrt", scalar_type(dt),
                                               {sq / constant(dt, count) + constant(dt, eps)});
    std::vector<kir::Stmt> body{
        kir::store(acc, index_const(0), constant(dt, 0)),
        pass(false,
             [&](const Index& r) {
               return kir::store(acc, index_const(0), sum + ctx.read(x, with_row(outer, axis, r)));
             }),
        kir::store(acc, index_const(1), constant(dt, 0)),
        pass(false,
             [&](const Index& r) {
               Expr d = centered(r);
               return kir::store(acc, index_const(1), sq + d * d);
             }),
        pass(true, [&](const Index& r) {
          Index idx = with_row(outer, axis, r);
          Expr y =
              centered(r) * inv_std * ctx.read(scale, broadcast_index(scale->shape(), shape, idx));
          if (bias) y = y + ctx.read(bias, broadcast_index(bias->shape(), shape, idx));
          return ctx.write(out, idx, y);
        })};
    return kir::allocate(acc, kir::seq(std::move(body)));
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
  t.push_back({"BatchNormalization", OpTemplate{lower_batch_norm, nullptr, true, false}});
}

}  // namespace stitch::lower
