// Template of Conv (N-d, groups and depthwise, pads, strides, dilations, auto_pad): naive loops,
// one accumulator per output element over (input channel of the group, kernel window). Part of
// lower/templates/; a complex anchor (the microkernel issue brings blocked brgemm versions).
#include "lower/templates/template_registry.h"

namespace stitch::lower {

WindowTap window_tap(const graph::nn::WindowGeometry& g, const Shape& in_spatial, const Index& o,
                     const Index& k) {
  WindowTap tap;
  tap.inside = kir::bool_imm(true);
  for (size_t d = 0; d < in_spatial.size(); ++d) {
    kir::Expr p = o[d] * g.strides[d] - g.pads_begin[d] + k[d] * g.dilations[d];
    tap.pos.push_back(clamp_index(p, in_spatial[d]));
    // A tap that can never leave the input needs no check: no padding before, and the last
    // window ends inside (ceil_mode can make it run past the end even without padding).
    int64_t last_tap =
        (g.output[d] - 1) * g.strides[d] - g.pads_begin[d] + (g.kernel[d] - 1) * g.dilations[d];
    if (g.pads_begin[d] != 0 || last_tap >= in_spatial[d]) {
      tap.inside = kir::logical_and(
          tap.inside,
          kir::logical_and(kir::ge(p, index_const(0)), kir::lt(p, index_const(in_spatial[d]))));
    }
  }
  return tap;
}

namespace {

using kir::Expr;

Expected<kir::Stmt> lower_conv(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* w = n.input(1);
  const graph::Value* bias = n.has_input(2) ? n.input(2) : nullptr;
  const graph::Value* out = n.output(0);
  const Shape in_spatial = graph::nn::spatial_dims(x->shape());
  const Shape kernel = graph::nn::spatial_dims(w->shape());
  STITCH_ASSIGN_OR_RETURN(graph::nn::WindowGeometry g,
                          graph::nn::window_geometry(n, in_spatial, kernel, false));
  const int64_t groups = n.attr_int("group", 1);
  const int64_t c_per_group = w->shape()[1];
  const int64_t oc_per_group = out->shape()[1] / groups;
  const DType dt = out->dtype();
  Shape reduce_shape{c_per_group};
  reduce_shape.insert(reduce_shape.end(), kernel.begin(), kernel.end());
  AccFn update = [&](const Index& idx, const Index& red, const std::vector<Expr>& acc) {
    Index o(idx.begin() + 2, idx.end()), k(red.begin() + 1, red.end());
    WindowTap tap = window_tap(g, in_spatial, o, k);
    Expr channel = groups == 1 ? red[0] : (idx[1] / oc_per_group) * c_per_group + red[0];
    Index xi{idx[0], channel};
    xi.insert(xi.end(), tap.pos.begin(), tap.pos.end());
    Index wi{idx[1], red[0]};
    wi.insert(wi.end(), k.begin(), k.end());
    Expr xv = kir::select(tap.inside, ctx.read(x, xi), constant(dt, 0));
    return std::vector<Expr>{acc[0] + xv * ctx.read(w, wi)};
  };
  FinalFn final = [&](const Index& idx, const std::vector<Expr>& acc) {
    return bias ? acc[0] + ctx.read(bias, {idx[1]}) : acc[0];
  };
  return reduce_nest(ctx, out, reduce_shape, dt, {0.0}, update, final);
}

}  // namespace

void register_conv_templates(TemplateTable& t) {
  t.push_back({"Conv", OpTemplate{nullptr, lower_conv}});
}

}  // namespace stitch::lower
