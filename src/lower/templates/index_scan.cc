// Template of CumSum (exclusive, reverse): a running sum along the axis, per row. Part of
// lower/templates/; an anchor, registered by index.cc.
//
// The axis is an input that need not be a constant (nothing about the output's shape depends
// on it): then the kernel holds one scan per possible axis and picks one by the value at run
// time. Sums accumulate in double (floats) or int64 (integers) and are rounded to the element
// type at each store, as in the reference.
#include "lower/templates/index_util.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using kir::Stmt;

Stmt scan_along(LowerContext& ctx, const graph::Node& n, int64_t axis) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const Shape& shape = x->shape();
  const bool exclusive = n.attr_int("exclusive", 0) != 0;
  const bool reverse = n.attr_int("reverse", 0) != 0;
  const DType dt = out->dtype();
  const DType acc_t = dtype_is_float(dt) ? DType::kFloat64 : DType::kInt64;
  const int64_t len = shape[axis];
  return row_nest(ctx, shape, axis, axis + 1, [&](const Index& outer) {
    kir::Buffer acc = ctx.scratch("acc", acc_t, {1});
    Expr sum = kir::load(acc, index_const(0));
    Stmt scan = loop_nest(
        ctx, Shape{len},
        [&](const Index& s) {
          const Index idx = with_row(outer, axis, {reverse ? index_const(len - 1) - s[0] : s[0]});
          Stmt add = kir::store(acc, index_const(0),
                                sum + kir::cast(scalar_type(acc_t), ctx.read(x, idx)));
          Stmt put = ctx.write(out, idx, kir::cast(scalar_type(dt), sum));
          return exclusive ? kir::seq({put, add}) : kir::seq({add, put});
        },
        /*parallel=*/false, /*vectorize=*/false);
    return kir::allocate(acc,
                         kir::seq({kir::store(acc, index_const(0), constant(acc_t, 0)), scan}));
  });
}

Expected<kir::Stmt> lower_cumsum(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* axis_v = n.input(1);
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  if (!dtype_is_float(x->dtype()) && !dtype_is_integer(x->dtype())) {
    return unsupported(n, "CumSum over " + std::string(dtype_name(x->dtype())));
  }
  if (shape_numel(axis_v->shape()) != 1) return unsupported(n, "axis with other than one value");
  if (axis_v->is_constant()) {
    STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_v->constant()->as_int64(0), rank));
    return scan_along(ctx, n, axis);
  }
  // An axis outside [-rank, rank) matches no branch and writes nothing (the reference fails).
  Expr a =
      kir::cast(scalar_type(kir::kIndexType), ctx.read(axis_v, zero_index(axis_v->shape().size())));
  Stmt chosen;
  for (int64_t d = rank; d-- > 0;) {
    Expr is_d = kir::logical_or(kir::eq(a, index_const(d)), kir::eq(a, index_const(d - rank)));
    chosen = kir::if_then_else(is_d, scan_along(ctx, n, d), chosen);
  }
  return chosen.defined() ? chosen : kir::seq({});
}

}  // namespace

void register_index_scan_templates(TemplateTable& t) {
  t.push_back({"CumSum", OpTemplate{nullptr, lower_cumsum}});
}

}  // namespace stitch::lower
