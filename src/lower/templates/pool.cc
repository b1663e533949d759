// Templates of the pooling ops: MaxPool and AveragePool over a sliding window, and their
// Global forms over every spatial position. Part of lower/templates/; reduce anchors.
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

// acc[0] = max or sum of the taps inside the input; acc[1] (average) = the divisor: taps inside
// the input, or inside the padded input with count_include_pad.
Expected<kir::Stmt> lower_pool(LowerContext& ctx, const graph::Node& n) {
  const bool is_max = n.op_type() == "MaxPool";
  const graph::Value* indices = n.num_outputs() > 1 ? n.output(1) : nullptr;
  if (indices && (!indices->users().empty() || indices->is_graph_output())) {
    return unsupported(n, "MaxPool indices output");
  }
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
