// Templates of Softmax and LogSoftmax (opset 13 semantics: one axis), numerically stable: per
// row, m = max(x), s = sum(exp(x - m)), then exp(x - m) / s or x - m - log(s). Part of
// lower/templates/; reduce anchors, three passes over each row.
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

Expected<kir::Stmt> lower_softmax(LowerContext& ctx, const graph::Node& n) {
  const bool log_form = n.op_type() == "LogSoftmax";
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const Shape& shape = x->shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", -1), rank));
  if (n.opset() != 0 && n.opset() < 13 && axis != rank - 1) {
    return unsupported(n, "Softmax before opset 13 over a non-last axis");
  }
  const DType dt = out->dtype();
  const Shape row{shape[axis]};
  return row_nest(ctx, shape, axis, axis + 1, [&](const Index& outer) {
    kir::Buffer acc = ctx.scratch("acc", dt, {2});
    Expr m = kir::load(acc, index_const(0)), s = kir::load(acc, index_const(1));
    auto at = [&](const Index& r) { return ctx.read(x, with_row(outer, axis, r)); };
    auto exp_of = [&](const Index& r) { return kir::call("exp", scalar_type(dt), {at(r) - m}); };
    auto pass = [&](bool vectorize, const std::function<kir::Stmt(const Index&)>& f) {
      return loop_nest(ctx, row, f, /*parallel=*/false, vectorize);
    };
    std::vector<kir::Stmt> body{
        kir::store(acc, index_const(0), constant(dt, dtype_lowest(dt))),
        pass(false,
             [&](const Index& r) { return kir::store(acc, index_const(0), kir::max(m, at(r))); }),
        kir::store(acc, index_const(1), constant(dt, 0)),
        pass(false, [&](const Index& r) { return kir::store(acc, index_const(1), s + exp_of(r)); }),
        pass(true, [&](const Index& r) {
          Expr y = log_form ? at(r) - m - kir::call("log", scalar_type(dt), {s}) : exp_of(r) / s;
          return ctx.write(out, with_row(outer, axis, r), y);
        })};
    return kir::allocate(acc, kir::seq(std::move(body)));
  });
}

}  // namespace

void register_softmax_templates(TemplateTable& t) {
  t.push_back({"Softmax", OpTemplate{nullptr, lower_softmax}});
  t.push_back({"LogSoftmax", OpTemplate{nullptr, lower_softmax}});
}

}  // namespace stitch::lower
