// Template of ConvTranspose (N-d, groups, pads, output_padding, output_shape, strides,
// dilations, auto_pad): the reference scatters x into y (o = i * stride + k * dilation - pad);
// here each output element gathers instead, summing over (input channel of its group, kernel
// tap) the taps whose input position i = (o + pad - k * dilation) / stride is integral and
// inside the input. Part of lower/templates/; a complex anchor like Conv.
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

Expected<kir::Stmt> lower_conv_transpose(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* w = n.input(1);
  const graph::Value* bias = n.has_input(2) ? n.input(2) : nullptr;
  const graph::Value* out = n.output(0);
  const Shape in_spatial = graph::nn::spatial_dims(x->shape());
  const Shape kernel = graph::nn::spatial_dims(w->shape());
  if (in_spatial.empty()) return unsupported(n, "ConvTranspose without spatial dims");
  STITCH_ASSIGN_OR_RETURN(graph::nn::WindowGeometry g,
                          graph::nn::conv_transpose_geometry(n, in_spatial, kernel));
  const int64_t groups = n.attr_int("group", 1);
  const int64_t c_per_group = x->shape()[1] / groups;
  const int64_t m_per_group = w->shape()[1];
  const DType dt = out->dtype();
  Shape reduce_shape{c_per_group};
  reduce_shape.insert(reduce_shape.end(), kernel.begin(), kernel.end());
  AccFn update = [&](const Index& idx, const Index& red, const std::vector<Expr>& acc) {
    Expr inside = kir::bool_imm(true);
    Index xi{idx[0], groups == 1 ? red[0] : (idx[1] / m_per_group) * c_per_group + red[0]};
    for (size_t d = 0; d < in_spatial.size(); ++d) {
      Expr num = idx[2 + d] + g.pads_begin[d] - red[1 + d] * g.dilations[d];
      Expr i = g.strides[d] == 1 ? num : num / g.strides[d];
      Expr ok =
          kir::logical_and(kir::ge(num, index_const(0)), kir::lt(i, index_const(in_spatial[d])));
      if (g.strides[d] != 1) ok = kir::logical_and(ok, kir::eq(num % g.strides[d], index_const(0)));
      inside = kir::logical_and(inside, ok);
      xi.push_back(clamp_index(i, in_spatial[d]));
    }
    Index wi{xi[1], groups == 1 ? idx[1] : idx[1] % m_per_group};
    wi.insert(wi.end(), red.begin() + 1, red.end());
    Expr xv = kir::select(inside, ctx.read(x, xi), constant(dt, 0));
    return std::vector<Expr>{acc[0] + xv * ctx.read(w, wi)};
  };
  FinalFn final = [&](const Index& idx, const std::vector<Expr>& acc) {
    return bias ? acc[0] + ctx.read(bias, {idx[1]}) : acc[0];
  };
  return reduce_nest(ctx, out, reduce_shape, dt, {0.0}, update, final);
}

}  // namespace

void register_conv_transpose_templates(TemplateTable& t) {
  t.push_back({"ConvTranspose", OpTemplate{nullptr, lower_conv_transpose}});
}

}  // namespace stitch::lower
