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
  if (op == "ReduceMin") return ReduceKind{dtype_highest(dt), kir::min, keep};
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

// The reduced axes (sorted, from the constant axes input or all) and keepdims of a Reduce* node.
struct ReduceAxes {
  std::vector<int64_t> axes;
  bool keepdims = true;
  Shape reduce_shape;  // extents of the reduced axes
  double count = 1;    // elements per output element
};

Expected<ReduceAxes> reduce_axes(const graph::Node& n) {
  const Shape& in = n.input(0)->shape();
  const int64_t rank = static_cast<int64_t>(in.size());
  ReduceAxes r;
  if (n.has_input(1)) {
    STITCH_ASSIGN_OR_RETURN(const Tensor* t, constant_input(n, 1, "reduction axes"));
    for (int64_t a : t->to_int64_vector()) r.axes.push_back(a < 0 ? a + rank : a);
  }
  if (r.axes.empty() && n.attr_int("noop_with_empty_axes", 0) == 0) {
    for (int64_t i = 0; i < rank; ++i) r.axes.push_back(i);
  }
  std::sort(r.axes.begin(), r.axes.end());
  r.keepdims = n.attr_int("keepdims", 1) != 0;
  for (int64_t a : r.axes) {
    r.reduce_shape.push_back(in[a]);
    r.count *= static_cast<double>(in[a]);
  }
  return r;
}

// The input index of output index idx and reduction index red.
Index input_index(const ReduceAxes& r, int64_t rank, const Index& idx, const Index& red) {
  Index xi;
  size_t next_out = 0, next_red = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (std::binary_search(r.axes.begin(), r.axes.end(), d)) {
      xi.push_back(red[next_red++]);
      if (r.keepdims) ++next_out;
    } else {
      xi.push_back(idx[next_out++]);
    }
  }
  return xi;
}

Expected<kir::Stmt> lower_reduce(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  STITCH_ASSIGN_OR_RETURN(ReduceAxes r, reduce_axes(n));
  const DType dt = out->dtype();
  if (!dtype_is_float(dt) && n.op_type() != "ReduceSum" && n.op_type() != "ReduceMax" &&
      n.op_type() != "ReduceMin" && n.op_type() != "ReduceProd") {
    return unsupported(n, str_cat(n.op_type(), " of ", dtype_name(dt)));
  }
  STITCH_ASSIGN_OR_RETURN(ReduceKind kind, reduce_kind(n, dt));
  AccFn update = [&](const Index& idx, const Index& red, const std::vector<Expr>& acc) {
    return std::vector<Expr>{kind.step(acc[0], ctx.read(x, input_index(r, rank, idx, red)))};
  };
  FinalFn final = [&](const Index&, const std::vector<Expr>& acc) {
    return kind.finish(acc[0], r.count);
  };
  return reduce_nest(ctx, out, r.reduce_shape, dt, {kind.init}, update, final);
}

// log(sum(exp(x))), stabilized in one pass (online): with m the running max and s the sum of
// exp(x - m), a new x gives m' = max(m, x) and s' = s * exp(m - m') + exp(x - m'). reduce_nest
// stores the accumulators in order, so s (acc 0) is updated while acc 1 still holds the old m.
// An infinite max is the result itself, as in the reference.
Expected<kir::Stmt> lower_reduce_log_sum_exp(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  STITCH_ASSIGN_OR_RETURN(ReduceAxes r, reduce_axes(n));
  const DType dt = out->dtype();
  if (!dtype_is_float(dt)) return unsupported(n, str_cat("ReduceLogSumExp of ", dtype_name(dt)));
  AccFn update = [&](const Index& idx, const Index& red, const std::vector<Expr>& acc) {
    Expr v = ctx.read(x, input_index(r, rank, idx, red));
    Expr m = kir::max(acc[1], v);
    return std::vector<Expr>{acc[0] * fcall("exp", acc[1] - m) + fcall("exp", v - m), m};
  };
  FinalFn final = [&](const Index&, const std::vector<Expr>& acc) {
    Expr m = acc[1];
    Expr infinite = kir::logical_or(kir::eq(m, c(m, HUGE_VAL)), kir::eq(m, c(m, -HUGE_VAL)));
    return kir::select(infinite, m, m + fcall("log", acc[0]));
  };
  return reduce_nest(ctx, out, r.reduce_shape, dt, {0.0, dtype_lowest(dt)}, update, final);
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
