// Templates of ScatterElements (and its opset-9 name Scatter) and ScatterND: copy data to the
// output, then store every update at the position its indices name, combined by `reduction`
// (none, add, mul, max, min). Part of lower/templates/; anchors, registered by index.cc.
//
// Updates are applied by one serial loop in row-major order, so that with duplicate positions
// the last update wins (none) or all of them combine in the reference's order. Without a
// reduction the updates are written straight to the output (through its epilogue: a later
// write simply replaces an earlier one); a reduction must read back what it combines with, so
// it scatters into a scratch copy that is then written out.
#include "lower/templates/index_util.h"

namespace stitch::lower {
namespace {

using kir::Expr;

using PositionFn = std::function<Index(const Index& update_idx)>;

Expected<std::function<Expr(const Expr&, const Expr&)>> combiner(const graph::Node& n) {
  const std::string r = n.attr_string("reduction", "none");
  if (r == "add") return std::function<Expr(const Expr&, const Expr&)>(kir::add);
  if (r == "mul") return std::function<Expr(const Expr&, const Expr&)>(kir::mul);
  if (r == "max") return std::function<Expr(const Expr&, const Expr&)>(kir::max);
  if (r == "min") return std::function<Expr(const Expr&, const Expr&)>(kir::min);
  if (r == "none") return std::function<Expr(const Expr&, const Expr&)>();
  return unsupported(n, "reduction '" + r + "'");
}

// out = data; then for every index u of `update_shape`: out[pos(u)] op= updates[u].
Expected<kir::Stmt> scatter(LowerContext& ctx, const graph::Node& n, const Shape& update_shape,
                            const PositionFn& pos) {
  const graph::Value* data = n.input(0);
  const graph::Value* updates = n.input(2);
  const graph::Value* out = n.output(0);
  const Shape& shape = out->shape();
  STITCH_ASSIGN_OR_RETURN(auto combine, combiner(n));
  if (combine && !(dtype_is_float(out->dtype()) || dtype_is_integer(out->dtype()))) {
    return unsupported(n, "a scatter reduction over " + std::string(dtype_name(out->dtype())));
  }
  auto serial = [&](const std::function<kir::Stmt(const Index&)>& body) {
    return loop_nest(ctx, update_shape, body, /*parallel=*/false, /*vectorize=*/false);
  };
  if (!combine) {
    return kir::seq(
        {loop_nest(ctx, shape,
                   [&](const Index& idx) { return ctx.write(out, idx, ctx.read(data, idx)); }),
         serial([&](const Index& u) { return ctx.write(out, pos(u), ctx.read(updates, u)); })});
  }
  kir::Buffer acc = ctx.scratch("scattered", out->dtype(), shape);
  auto at = [&](const Index& idx) { return linearize(shape, idx); };
  kir::Stmt body = kir::seq(
      {loop_nest(ctx, shape,
                 [&](const Index& idx) { return kir::store(acc, at(idx), ctx.read(data, idx)); }),
       serial([&](const Index& u) {
         Expr p = at(pos(u));
         return kir::store(acc, p, combine(kir::load(acc, p), ctx.read(updates, u)));
       }),
       loop_nest(ctx, shape,
                 [&](const Index& idx) { return ctx.write(out, idx, kir::load(acc, at(idx))); })});
  return kir::allocate(acc, body);
}

// An update at index u of indices/updates goes to u with the axis coordinate replaced by
// indices[u].
Expected<kir::Stmt> lower_scatter_elements(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* data = n.input(0);
  const graph::Value* indices = n.input(1);
  const int64_t rank = static_cast<int64_t>(data->shape().size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", 0), rank));
  if (indices->shape() != n.input(2)->shape()) {
    return unsupported(n, "updates shaped unlike indices");
  }
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis && indices->shape()[d] > data->shape()[d]) {
      return unsupported(n, "indices larger than data off the axis");
    }
  }
  return scatter(ctx, n, indices->shape(), [&ctx, data, indices, axis](const Index& u) {
    Index p = u;
    p[axis] = wrapped_index(ctx.read(indices, u), data->shape()[axis]);
    return p;
  });
}

// Updates = indices.shape[:-1] + data.shape[k:]: the leading dims pick an index tuple naming
// the first k coordinates, the trailing ones walk the slice.
Expected<kir::Stmt> lower_scatter_nd(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* data = n.input(0);
  const graph::Value* indices = n.input(1);
  const int64_t q = static_cast<int64_t>(indices->shape().size());
  const int64_t k = indices->shape()[q - 1];
  if (k > static_cast<int64_t>(data->shape().size()))
    return unsupported(n, "index tuples too long");
  Shape expected(indices->shape().begin(), indices->shape().end() - 1);
  expected.insert(expected.end(), data->shape().begin() + k, data->shape().end());
  if (n.input(2)->shape() != expected) return unsupported(n, "updates that do not fit indices");
  return scatter(ctx, n, expected, [&ctx, data, indices, q, k](const Index& u) {
    Index tuple(u.begin(), u.begin() + q - 1);
    tuple.push_back(index_const(0));
    Index p;
    for (int64_t j = 0; j < k; ++j) {
      tuple[q - 1] = index_const(j);
      p.push_back(wrapped_index(ctx.read(indices, tuple), data->shape()[j]));
    }
    p.insert(p.end(), u.begin() + q - 1, u.end());
    return p;
  });
}

}  // namespace

void register_index_scatter_templates(TemplateTable& t) {
  t.push_back({"ScatterElements", OpTemplate{nullptr, lower_scatter_elements}});
  t.push_back({"Scatter", OpTemplate{nullptr, lower_scatter_elements}});
  t.push_back({"ScatterND", OpTemplate{nullptr, lower_scatter_nd}});
}

}  // namespace stitch::lower
