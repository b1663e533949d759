// Templates of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss over an input [N, C, d...]
// and targets [N, d...]. Part of lower/templates/; anchors.
//
// As in the reference, both compute in double: the loss of target t at (b, d...) is
// -logp[b, t, d...] * weight[t] (weight 1 without the optional input), 0 where t is
// ignore_index; "sum" adds the losses and "mean" divides that by the sum of the weights of the
// targets not ignored. SoftmaxCrossEntropyLoss first takes the log-softmax over axis 1 into a
// scratch buffer (also written as its optional log_prob output), then runs the same NLL.
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using kir::Stmt;

const DType f64 = DType::kFloat64;

Expr as_f64(const Expr& e) { return kir::cast(scalar_type(f64), e); }

// log-probability at an index of the input's shape.
using LogProbFn = std::function<Expr(const Index&)>;

Expected<Stmt> nll_stmt(LowerContext& ctx, const graph::Node& n, const LogProbFn& logp) {
  const graph::Value* x = n.input(0);
  const graph::Value* target = n.input(1);
  const graph::Value* weight = n.has_input(2) ? n.input(2) : nullptr;
  const graph::Value* out = n.output(0);
  const Shape& shape = x->shape();
  if (shape.size() < 2) return unsupported(n, "loss input of rank < 2");
  const int64_t classes = shape[1];
  Shape expected = shape;
  expected.erase(expected.begin() + 1);
  if (target->shape() != expected) return unsupported(n, "target shaped unlike the input");
  const std::string reduction = n.attr_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    return unsupported(n, "reduction '" + reduction + "'");
  }
  const bool has_ii = n.has_attr("ignore_index");
  const int64_t ii = n.attr_int("ignore_index", 0);
  const DType dt = out->dtype();
  // The loss and the weight of the target at a target index.
  auto term = [&](const Index& tidx) -> std::pair<Expr, Expr> {
    Expr t = kir::cast(scalar_type(kir::kIndexType), ctx.read(target, tidx));
    Expr ignored = has_ii ? kir::eq(t, index_const(ii)) : kir::bool_imm(false);
    Expr c = clamp_index(t, classes);  // a bad target fails in the reference
    Expr w = weight ? as_f64(ctx.read(weight, {c})) : constant(f64, 1);
    Index xidx = tidx;
    xidx.insert(xidx.begin() + 1, c);
    Expr zero = constant(f64, 0);
    return {kir::select(ignored, zero, constant(f64, 0) - logp(xidx) * w),
            kir::select(ignored, zero, w)};
  };
  if (reduction == "none") {
    return loop_nest(ctx, target->shape(), [&](const Index& tidx) {
      return ctx.write(out, tidx, kir::cast(scalar_type(dt), term(tidx).first));
    });
  }
  kir::Buffer acc = ctx.scratch("acc", f64, {2});
  Expr total = kir::load(acc, index_const(0)), weights = kir::load(acc, index_const(1));
  Stmt sum = loop_nest(
      ctx, target->shape(),
      [&](const Index& tidx) {
        auto [loss, w] = term(tidx);
        return kir::seq({kir::store(acc, index_const(0), total + loss),
                         kir::store(acc, index_const(1), weights + w)});
      },
      /*parallel=*/false, /*vectorize=*/false);
  Expr value = reduction == "sum" ? total : total / weights;
  return kir::allocate(acc, kir::seq({kir::store(acc, index_const(0), constant(f64, 0)),
                                      kir::store(acc, index_const(1), constant(f64, 0)), sum,
                                      ctx.write(out, {}, kir::cast(scalar_type(dt), value))}));
}

Expected<Stmt> lower_nll(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  if (!dtype_is_float(x->dtype())) return unsupported(n, "loss of non-floats");
  return nll_stmt(ctx, n, [&](const Index& idx) { return as_f64(ctx.read(x, idx)); });
}

// Per row along axis 1: m = max, s = sum(exp(x - m)), logp = x - m - log(s).
Stmt log_softmax_into(LowerContext& ctx, const graph::Node& n, const kir::Buffer& logp) {
  const graph::Value* x = n.input(0);
  const Shape& shape = x->shape();
  const graph::Value* log_prob = n.num_outputs() > 1 ? n.output(1) : nullptr;
  const bool write_log_prob =
      log_prob && (!log_prob->users().empty() || log_prob->is_graph_output());
  const Shape row{shape[1]};
  return row_nest(ctx, shape, 1, 2, [&](const Index& outer) {
    kir::Buffer acc = ctx.scratch("acc", f64, {2});
    Expr m = kir::load(acc, index_const(0)), s = kir::load(acc, index_const(1));
    auto at = [&](const Index& r) { return as_f64(ctx.read(x, with_row(outer, 1, r))); };
    auto pass = [&](const std::function<Stmt(const Index&)>& f) {
      return loop_nest(ctx, row, f, /*parallel=*/false, /*vectorize=*/false);
    };
    std::vector<Stmt> body{
        kir::store(acc, index_const(0), constant(f64, dtype_lowest(f64))),
        pass([&](const Index& r) { return kir::store(acc, index_const(0), kir::max(m, at(r))); }),
        kir::store(acc, index_const(1), constant(f64, 0)), pass([&](const Index& r) {
          return kir::store(acc, index_const(1),
                            s + kir::call("exp", scalar_type(f64), {at(r) - m}));
        }),
        pass([&](const Index& r) {
          const Index idx = with_row(outer, 1, r);
          Expr lp = at(r) - m - kir::call("log", scalar_type(f64), {s});
          std::vector<Stmt> put{kir::store(logp, linearize(shape, idx), lp)};
          if (write_log_prob) {
            put.push_back(ctx.write(log_prob, idx, kir::cast(scalar_type(log_prob->dtype()), lp)));
          }
          return kir::seq(std::move(put));
        })};
    return kir::allocate(acc, kir::seq(std::move(body)));
  });
}

Expected<Stmt> lower_sce(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  if (!dtype_is_float(x->dtype())) return unsupported(n, "loss of non-floats");
  if (x->shape().size() < 2) return unsupported(n, "loss input of rank < 2");
  kir::Buffer logp = ctx.scratch("logp", f64, x->shape());
  const Shape shape = x->shape();
  STITCH_ASSIGN_OR_RETURN(Stmt nll, nll_stmt(ctx, n, [&](const Index& idx) {
                            return kir::load(logp, linearize(shape, idx));
                          }));
  return kir::allocate(logp, kir::seq({log_softmax_into(ctx, n, logp), nll}));
}

}  // namespace

void register_loss_templates(TemplateTable& t) {
  t.push_back({"NegativeLogLikelihoodLoss", OpTemplate{nullptr, lower_nll}});
  t.push_back({"SoftmaxCrossEntropyLoss", OpTemplate{nullptr, lower_sce}});
}

}  // namespace stitch::lower
