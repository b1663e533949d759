// Templates of Softmax and LogSoftmax (opset 13 semantics: one axis), numerically stable: per
// row, m = max(x), s = sum(exp(x - m)), then exp(x - m) / s or x - m - log(s). Part of
// lower/templates/; reduce anchors, three passes over each row (the second keeps exp(x - m)
// for the third when the row is short enough).
#include <optional>

#include "lower/templates/lane_reduce.h"
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

// The longest row whose exps softmax keeps (floats of scratch, on the kernel's stack).
constexpr int64_t kMaxKeptRow = 4096;

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
  // Softmax over a row that fits kMaxKeptRow keeps each exp(x - m) of the sum pass in a row
  // scratch and scales it by 1 / s: one exp per element instead of two, and a multiply
  // instead of a divide (bert_base's attention rows of 128: the exp was most of the kernel).
  const bool keep_exps = !log_form && shape[axis] <= kMaxKeptRow;
  return row_nest(ctx, shape, axis, axis + 1, [&](const Index& outer) {
    // stats[0] = m, stats[1] = s; both reductions go through 8 partial lanes (lane_reduce.h:
    // the sum's order differs from a sequential one by rounding).
    kir::Buffer stats = ctx.scratch("stats", dt, {2});
    kir::Var m = kir::make_var("row_max", dt), s = kir::make_var("row_sum", dt);
    auto at = [&](const Index& r) { return ctx.read(x, with_row(outer, axis, r)); };
    auto exp_of = [&](const Index& r) { return kir::call("exp", scalar_type(dt), {at(r) - m}); };
    CombineFn max_fn = [](const Expr& a, const Expr& b) { return kir::max(a, b); };
    CombineFn add_fn = [](const Expr& a, const Expr& b) { return a + b; };
    std::optional<kir::Buffer> exps;
    RecordFn record = nullptr;
    if (keep_exps) {
      exps = ctx.scratch("exps", dt, {shape[axis]});
      record = [&](const Index& r, const Expr& e) { return kir::store(*exps, r[0], e); };
    }
    // The output pass: log_form's log(s) and the kept form's 1 / s are computed once per row,
    // outside the loop.
    kir::Var per_row = kir::make_var(log_form ? "log_sum" : "inv_sum", dt);
    kir::Stmt out_pass = loop_nest(
        ctx, row,
        [&](const Index& r) {
          Expr y = log_form    ? at(r) - m - per_row
                   : keep_exps ? kir::load(*exps, r[0]) * per_row
                               : exp_of(r) / s;
          return ctx.write(out, with_row(outer, axis, r), y);
        },
        /*parallel=*/false, /*vectorize=*/true);
    if (log_form) {
      out_pass = kir::let_stmt(per_row, kir::call("log", scalar_type(dt), {s}), out_pass);
    } else if (keep_exps) {
      out_pass = kir::let_stmt(per_row, constant(dt, 1.0) / s, out_pass);
    }
    kir::Stmt after_max = kir::seq({lane_reduce(ctx, row, dt, 0, exp_of, add_fn, stats, 1, record),
                                    kir::let_stmt(s, kir::load(stats, index_const(1)), out_pass)});
    kir::Stmt body = kir::seq({lane_reduce(ctx, row, dt, dtype_lowest(dt), at, max_fn, stats, 0),
                               kir::let_stmt(m, kir::load(stats, index_const(0)), after_max)});
    body = kir::allocate(stats, body);
    return exps ? kir::allocate(*exps, body) : body;
  });
}

}  // namespace

void register_softmax_templates(TemplateTable& t) {
  t.push_back({"Softmax", OpTemplate{nullptr, lower_softmax}});
  t.push_back({"LogSoftmax", OpTemplate{nullptr, lower_softmax}});
}

}  // namespace stitch::lower
