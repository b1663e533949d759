// Templates of the ops that select positions along an axis: ArgMax/ArgMin, Hardmax and TopK.
// Part of lower/templates/; anchors (one running best per row), registered by index.cc.
//
// Ties go as in the reference: the first position wins, or the last with select_last_index;
// TopK emits the k best in order, the lower index first among equal values (a selection
// pass per output position: O(n·k) per row, no sort).
#include "lower/templates/index_util.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using kir::Stmt;

Stmt with_scratch(const std::vector<kir::Buffer>& buffers, Stmt body) {
  for (size_t i = buffers.size(); i-- > 0;) body = kir::allocate(buffers[i], body);
  return body;
}

// Per output element: a serial scan of x's row along the axis keeping the best value and its
// position, then the position as the (int64) output.
Expected<kir::Stmt> lower_arg_reduce(LowerContext& ctx, const graph::Node& n) {
  const bool is_max = n.op_type() == "ArgMax";
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", 0), rank));
  const bool keepdims = n.attr_int("keepdims", 1) != 0;
  const bool last = n.attr_int("select_last_index", 0) != 0;
  const DType dt = x->dtype();
  if (dt == DType::kBool) return unsupported(n, "ArgMax/ArgMin over bool");
  const Shape row{x->shape()[axis]};
  return loop_nest(
      ctx, out->shape(),
      [&](const Index& out_idx) {
        kir::Buffer best = ctx.scratch("best", dt, {1});
        kir::Buffer arg = ctx.scratch("arg", kir::kIndexType, {1});
        Expr best_v = kir::load(best, index_const(0));
        auto at = [&](const Expr& j) {
          Index idx = out_idx;
          if (keepdims) {
            idx[axis] = j;
          } else {
            idx.insert(idx.begin() + axis, j);
          }
          return ctx.read(x, idx);
        };
        Stmt scan = loop_nest(
            ctx, row,
            [&](const Index& r) {
              Expr c = at(r[0]);
              Expr better = is_max ? kir::gt(c, best_v) : kir::lt(c, best_v);
              if (last) better = kir::logical_or(better, kir::eq(c, best_v));
              return kir::if_then_else(better, kir::seq({kir::store(best, index_const(0), c),
                                                         kir::store(arg, index_const(0), r[0])}));
            },
            /*parallel=*/false, /*vectorize=*/false);
        return with_scratch({best, arg},
                            kir::seq({kir::store(best, index_const(0), at(index_const(0))),
                                      kir::store(arg, index_const(0), index_const(0)), scan,
                                      ctx.write(out, out_idx, kir::load(arg, index_const(0)))}));
      },
      /*parallel=*/true, /*vectorize=*/false);
}

// 1 at the first maximum of each row, 0 elsewhere. Rows are one axis from opset 13 and the
// flattened dims [axis, rank) before (default axis 1), as in the reference.
Expected<kir::Stmt> lower_hardmax(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const Shape& shape = x->shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  const bool legacy = n.opset() < 13;
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", legacy ? 1 : -1), rank));
  const int64_t end = legacy ? rank : axis + 1;
  const DType dt = out->dtype();
  if (!dtype_is_float(dt)) return unsupported(n, "Hardmax of non-floats");
  const Shape row(shape.begin() + axis, shape.begin() + end);
  return row_nest(ctx, shape, axis, end, [&](const Index& outer) {
    kir::Buffer best = ctx.scratch("best", dt, {1});
    kir::Buffer arg = ctx.scratch("arg", kir::kIndexType, {1});
    Expr best_v = kir::load(best, index_const(0)), arg_v = kir::load(arg, index_const(0));
    auto pass = [&](bool vectorize, const std::function<Stmt(const Index&)>& f) {
      return loop_nest(ctx, row, f, /*parallel=*/false, vectorize);
    };
    Stmt scan = pass(false, [&](const Index& r) {
      Expr c = ctx.read(x, with_row(outer, axis, r));
      return kir::if_then_else(kir::gt(c, best_v),
                               kir::seq({kir::store(arg, index_const(0), linearize(row, r)),
                                         kir::store(best, index_const(0), c)}));
    });
    Stmt fill = pass(true, [&](const Index& r) {
      Expr hot = kir::eq(linearize(row, r), arg_v);
      return ctx.write(out, with_row(outer, axis, r),
                       kir::select(hot, constant(dt, 1), constant(dt, 0)));
    });
    return with_scratch({best, arg},
                        kir::seq({kir::store(best, index_const(0), constant(dt, dtype_lowest(dt))),
                                  kir::store(arg, index_const(0), index_const(0)), scan, fill}));
  });
}

// Per row: k selection passes, each taking the best element not yet taken (the first of equal
// ones, since the scan only moves on a strictly better value).
Expected<kir::Stmt> lower_topk(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const Shape& shape = x->shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", -1), rank));
  STITCH_ASSIGN_OR_RETURN(const Tensor* kt, constant_input(n, 1, "TopK k"));
  if (kt->numel() != 1) return unsupported(n, "k with other than one value");
  const int64_t k = kt->as_int64(0), len = shape[axis];
  if (k < 0 || k > len) return unsupported(n, "k outside [0, axis length]");
  const bool largest = n.attr_int("largest", 1) != 0;
  const DType dt = x->dtype();
  if (dt == DType::kBool) return unsupported(n, "TopK over bool");
  if (k == 0 || shape_numel(shape) == 0) return kir::seq({});
  const bool values_used = output_used(n, 0), indices_used = output_used(n, 1);
  return row_nest(ctx, shape, axis, axis + 1, [&](const Index& outer) {
    kir::Buffer taken = ctx.scratch("taken", DType::kUInt8, {len});
    kir::Buffer best = ctx.scratch("best", dt, {1});
    kir::Buffer arg = ctx.scratch("arg", kir::kIndexType, {1});
    Expr best_v = kir::load(best, index_const(0)), arg_v = kir::load(arg, index_const(0));
    auto row_loop = [&](int64_t extent, const std::function<Stmt(const Expr&)>& f) {
      return loop_nest(
          ctx, Shape{extent}, [&](const Index& r) { return f(r[0]); }, /*parallel=*/false,
          /*vectorize=*/false);
    };
    Stmt clear = row_loop(
        len, [&](const Expr& j) { return kir::store(taken, j, constant(DType::kUInt8, 0)); });
    Stmt select_all = row_loop(k, [&](const Expr& p) {
      Stmt scan = row_loop(len, [&](const Expr& j) {
        Expr c = ctx.read(x, with_row(outer, axis, {j}));
        Expr better = largest ? kir::gt(c, best_v) : kir::lt(c, best_v);
        Expr free = kir::eq(kir::load(taken, j), constant(DType::kUInt8, 0));
        Expr cond = kir::logical_and(free, kir::logical_or(kir::lt(arg_v, index_const(0)), better));
        return kir::if_then_else(cond, kir::seq({kir::store(best, index_const(0), c),
                                                 kir::store(arg, index_const(0), j)}));
      });
      std::vector<Stmt> body{
          kir::store(arg, index_const(0), index_const(-1)), scan,
          kir::store(taken, clamp_index(arg_v, len), constant(DType::kUInt8, 1))};
      const Index at = with_row(outer, axis, {p});
      if (values_used) body.push_back(ctx.write(n.output(0), at, best_v));
      if (indices_used) body.push_back(ctx.write(n.output(1), at, arg_v));
      return kir::seq(std::move(body));
    });
    return with_scratch({taken, best, arg}, kir::seq({clear, select_all}));
  });
}

}  // namespace

void register_index_select_templates(TemplateTable& t) {
  t.push_back({"ArgMax", OpTemplate{nullptr, lower_arg_reduce}});
  t.push_back({"ArgMin", OpTemplate{nullptr, lower_arg_reduce}});
  t.push_back({"Hardmax", OpTemplate{nullptr, lower_hardmax}});
  t.push_back({"TopK", OpTemplate{nullptr, lower_topk}});
}

}  // namespace stitch::lower
