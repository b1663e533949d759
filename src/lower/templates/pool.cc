// Templates of the pooling ops: MaxPool and AveragePool over a sliding window, and their
// Global forms over every spatial position. Part of lower/templates/; reduce anchors.
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

// MaxPool with its Indices output: per output element, the first largest tap inside the input
// and its flat index into x (n, c, then the spatial position row-major, or column-major with
// storage_order=1); -1 and 0 for a window entirely in the padding, as the reference. Values
// and indices share one double accumulator pair (int64 for int64 data), exact for both.
Expected<kir::Stmt> lower_max_pool_with_indices(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const graph::Value* indices = n.output(1);
  const Shape in_spatial = graph::nn::spatial_dims(x->shape());
  const Shape kernel = n.attr_ints("kernel_shape");
  STITCH_ASSIGN_OR_RETURN(
      graph::nn::WindowGeometry g,
      graph::nn::window_geometry(n, in_spatial, kernel, n.attr_int("ceil_mode", 0) != 0));
  const bool col_major = n.attr_int("storage_order", 0) != 0;
  const DType acc_dt = x->dtype() == DType::kInt64 ? DType::kInt64 : DType::kFloat64;
  const kir::Type acc_type = scalar_type(acc_dt);
  const int64_t channels = x->shape()[1], plane = shape_numel(in_spatial);
  return loop_nest(
      ctx, out->shape(),
      [&](const Index& idx) {
        // acc[0] = flat index of the best tap (-1: none yet), acc[1] = its value; whether a
        // tap is better is bound once, before either store changes what it reads.
        kir::Buffer acc = ctx.scratch("acc", acc_dt, {2});
        Expr best_i = kir::load(acc, index_const(0)), best_v = kir::load(acc, index_const(1));
        Index o(idx.begin() + 2, idx.end());
        kir::Stmt taps = loop_nest(
            ctx, kernel,
            [&](const Index& k) {
              WindowTap tap = window_tap(g, in_spatial, o, k);
              Index xi{idx[0], idx[1]};
              xi.insert(xi.end(), tap.pos.begin(), tap.pos.end());
              Expr v = kir::cast(acc_type, ctx.read(x, xi));
              Expr pos = index_const(0), stride = index_const(1);
              for (size_t d = 0; d < in_spatial.size(); ++d) {
                if (col_major) {
                  pos = pos + tap.pos[d] * stride;
                  stride = stride * in_spatial[d];
                } else {
                  pos = pos * in_spatial[d] + tap.pos[d];
                }
              }
              Expr flat = kir::cast(acc_type, (idx[0] * channels + idx[1]) * plane + pos);
              Expr better = kir::logical_and(
                  tap.inside,
                  kir::logical_or(kir::lt(best_i, constant(acc_dt, 0)), kir::gt(v, best_v)));
              kir::Var b = kir::make_var("better", DType::kBool);
              return kir::let_stmt(
                  b, better,
                  kir::seq({kir::store(acc, index_const(0), kir::select(b, flat, best_i)),
                            kir::store(acc, index_const(1), kir::select(b, v, best_v))}));
            },
            /*parallel=*/false, /*vectorize=*/false);
        Expr none = kir::lt(best_i, constant(acc_dt, 0));
        Expr value = kir::select(none, constant(acc_dt, 0), best_v);
        return kir::allocate(
            acc,
            kir::seq({kir::store(acc, index_const(0), constant(acc_dt, -1)),
                      kir::store(acc, index_const(1), constant(acc_dt, 0)), taps,
                      ctx.write(out, idx, kir::cast(scalar_type(out->dtype()), value)),
                      ctx.write(indices, idx, kir::cast(scalar_type(indices->dtype()), best_i))}));
      },
      /*parallel=*/true, /*vectorize=*/false);
}

// acc[0] = max or sum of the taps inside the input; acc[1] (average) = the divisor: taps inside
// the input, or inside the padded input with count_include_pad.
Expected<kir::Stmt> lower_pool(LowerContext& ctx, const graph::Node& n) {
  const bool is_max = n.op_type() == "MaxPool";
  const graph::Value* indices = n.num_outputs() > 1 ? n.output(1) : nullptr;
  if (indices && ctx.find_buffer(indices)) return lower_max_pool_with_indices(ctx, n);
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const Shape in_spatial = graph::nn::spatial_dims(x->shape());
  const Shape kernel = n.attr_ints("kernel_shape");
  STITCH_ASSIGN_OR_RETURN(
      graph::nn::WindowGeometry g,
      graph::nn::window_geometry(n, in_spatial, kernel, n.attr_int("ceil_mode", 0) != 0));
  const bool include_pad = n.attr_int("count_include_pad", 0) != 0;
  const DType dt = out->dtype();
  AccFn update = [&](const Index& idx, const Index& k, const std::vector<Expr>& acc) {
    Index o(idx.begin() + 2, idx.end());
    WindowTap tap = window_tap(g, in_spatial, o, k);
    Index xi{idx[0], idx[1]};
    xi.insert(xi.end(), tap.pos.begin(), tap.pos.end());
    Expr v = ctx.read(x, xi);
    if (is_max) {
      return std::vector<Expr>{kir::select(tap.inside, kir::max(acc[0], v), acc[0])};
    }
    Expr counted = tap.inside;
    if (include_pad) {  // inside the padded extent [-pad_begin, in + pad_end)
      counted = kir::bool_imm(true);
      for (size_t d = 0; d < o.size(); ++d) {
        Expr p = o[d] * g.strides[d] - g.pads_begin[d] + k[d] * g.dilations[d];
        counted = kir::logical_and(counted, kir::lt(p, index_const(in_spatial[d] + g.pads_end[d])));
      }
    }
    return std::vector<Expr>{kir::select(tap.inside, acc[0] + v, acc[0]),
                             kir::select(counted, acc[1] + constant(dt, 1), acc[1])};
  };
  FinalFn final = [&](const Index&, const std::vector<Expr>& acc) {
    return is_max ? acc[0] : acc[0] / acc[1];
  };
  std::vector<double> init =
      is_max ? std::vector<double>{dtype_lowest(dt)} : std::vector<double>{0.0, 0.0};
  return reduce_nest(ctx, out, kernel, dt, init, update, final);
}

Expected<kir::Stmt> lower_global_pool(LowerContext& ctx, const graph::Node& n) {
  const bool is_max = n.op_type() == "GlobalMaxPool";
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const Shape spatial = graph::nn::spatial_dims(x->shape());
  const DType dt = out->dtype();
  const double count = static_cast<double>(shape_numel(spatial));
  AccFn update = [&](const Index& idx, const Index& s, const std::vector<Expr>& acc) {
    Index xi{idx[0], idx[1]};
    xi.insert(xi.end(), s.begin(), s.end());
    Expr v = ctx.read(x, xi);
    return std::vector<Expr>{is_max ? kir::max(acc[0], v) : acc[0] + v};
  };
  FinalFn final = [&](const Index&, const std::vector<Expr>& acc) {
    return is_max ? acc[0] : acc[0] / constant(dt, count);
  };
  return reduce_nest(ctx, out, spatial, dt, {is_max ? dtype_lowest(dt) : 0.0}, update, final);
}

}  // namespace

void register_pool_templates(TemplateTable& t) {
  t.push_back({"MaxPool", OpTemplate{nullptr, lower_pool}});
  t.push_back({"AveragePool", OpTemplate{nullptr, lower_pool}});
  t.push_back({"GlobalAveragePool", OpTemplate{nullptr, lower_global_pool}});
  t.push_back({"GlobalMaxPool", OpTemplate{nullptr, lower_global_pool}});
}

}  // namespace stitch::lower
