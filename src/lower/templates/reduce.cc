// Templates of the Reduce* ops (Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum,
// LogSumExp) with axes (a constant input) and keepdims. Part of lower/templates/; reduce
// anchors, one accumulator per output element.
#include <algorithm>
#include <cmath>

#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

struct ReduceKind {
  double init;
  std::function<Expr(const Expr& acc, const Expr& x)> step;
  std::function<Expr(const Expr& acc, double count)> finish;
};

Expr fcall(const char* name, const Expr& x) { return kir::call(name, x->type, {x}); }
Expr c(const Expr& like, double v) { return constant(like->type.dtype, v); }

Expected<ReduceKind> reduce_kind(const graph::Node& n, DType dt) {
  const std::string& op = n.op_type();
  auto keep = [](const Expr& a, double) { return a; };
  auto add = [](const Expr& a, const Expr& x) { return a + x; };
  auto add_sq = [](const Expr& a, const Expr& x) { return a + x * x; };
  if (op == "ReduceSum") return ReduceKind{0, add, keep};
  if (op == "ReduceMean") return ReduceKind{0, add, [](auto& a, double n) { return a / c(a, n); }};
  if (op == "ReduceMax") return ReduceKind{dtype_lowest(dt), kir::max, keep};
  if (op == "ReduceMin") return ReduceKind{-dtype_lowest(dt), kir::min, keep};
  if (op == "ReduceProd") return ReduceKind{1, [](auto& a, auto& x) { return a * x; }, keep};
  if (op == "ReduceSumSquare") return ReduceKind{0, add_sq, keep};
  if (op == "ReduceL2")
    return ReduceKind{0, add_sq, [](auto& a, double) { return fcall("sqrt", a); }};
  if (op == "ReduceL1") {
    return ReduceKind{
        0, [](auto& a, auto& x) { return a + kir::select(kir::lt(x, c(x, 0)), x * c(x, -1), x); },
        keep};
  }
  if (op == "ReduceLogSum")
    return ReduceKind{0, add, [](auto& a, double) { return fcall("log", a); }};
  return unsupported(n, "reduction kind");
}

Expected<kir::Stmt> lower_reduce(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const Shape& in = x->shape();
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  if (n.has_input(1)) {
    STITCH_ASSIGN_OR_RETURN(const Tensor* t, constant_input(n, 1, "reduction axes"));
    for (int64_t a : t->to_int64_vector()) axes.push_back(a < 0 ? a + rank : a);
  }
  if (axes.empty() && n.attr_int("noop_with_empty_axes", 0) == 0) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  std::sort(axes.begin(), axes.end());
  const bool keepdims = n.attr_int("keepdims", 1) != 0;
  const DType dt = out->dtype();
  if (!dtype_is_float(dt) && n.op_type() != "ReduceSum" && n.op_type() != "ReduceMax" &&
      n.op_type() != "ReduceMin" && n.op_type() != "ReduceProd") {
    return unsupported(n, str_cat(n.op_type(), " of ", dtype_name(dt)));
  }
  STITCH_ASSIGN_OR_RETURN(ReduceKind kind, reduce_kind(n, dt));
  Shape red_shape;
  double count = 1;
  for (int64_t a : axes) {
    red_shape.push_back(in[a]);
    count *= static_cast<double>(in[a]);
  }
  AccFn update = [&](const Index& idx, const Index& r, const std::vector<Expr>& acc) {
    Index xi;
    size_t next_out = 0, next_red = 0;
    for (int64_t d = 0; d < rank; ++d) {
      const bool reduced = std::binary_search(axes.begin(), axes.end(), d);
      if (reduced) {
        xi.push_back(r[next_red++]);
        if (keepdims) ++next_out;
      } else {
        xi.push_back(idx[next_out++]);
      }
    }
    return std::vector<Expr>{kind.step(acc[0], ctx.read(x, xi))};
  };
  FinalFn final = [&](const Index&, const std::vector<Expr>& acc) {
    return kind.finish(acc[0], count);
  };
  return reduce_nest(ctx, out, red_shape, dt, {kind.init}, update, final);
}

// log(sum(exp(x))), stabilized: m = max(x), then m + log(sum(exp(x - m))).
Expected<kir::Stmt> lower_reduce_log_sum_exp(LowerContext& ctx, const graph::Node& n) {
  return unsupported(n, "ReduceLogSumExp is not lowered yet");
}

}  // namespace

void register_reduce_templates(TemplateTable& t) {
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                         "ReduceSumSquare", "ReduceL2", "ReduceL1", "ReduceLogSum"}) {
    t.push_back({op, OpTemplate{nullptr, lower_reduce}});
  }
  t.push_back({"ReduceLogSumExp", OpTemplate{nullptr, lower_reduce_log_sum_exp}});
}

}  // namespace stitch::lower
