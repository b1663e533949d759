// Templates of the quantization ops: QuantizeLinear and DequantizeLinear (injective, per tensor
// or per axis), DynamicQuantizeLinear (an anchor: a min/max pass, then the quantization), and
// the integer anchors MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv. Part of
// lower/templates/.
//
// The arithmetic is the reference interpreter's (reference/kernels/nn_quant.cc, nn_matmul.cc,
// nn_conv.cc), step by step, so that rounding ties land the same way: scales in float, products
// of zero-point-shifted integers summed in int64, requantization in float, then round half to
// even and saturate (NaN to 0) into the output type.
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using kir::Stmt;

constexpr DType kF32 = DType::kFloat32;
constexpr DType kI64 = DType::kInt64;

Expr as(DType t, const Expr& e) { return kir::cast(scalar_type(t), e); }
Expr f32(double v) { return constant(kF32, v); }
int64_t numel(const graph::Value* v) { return shape_numel(v->shape()); }
Expr nearbyint(const Expr& x) { return kir::call("nearbyint", x->type, {x}); }

// The reference's round_saturate for an integral float: clamped into out's range, NaN to 0.
Expr saturate(const Expr& v, DType out) {
  const Expr lo = constant(v->type.dtype, dtype_lowest(out));
  const Expr hi = constant(v->type.dtype, out == DType::kInt8 ? 127 : 255);
  Expr clamped = kir::select(kir::lt(v, lo), lo, kir::select(kir::gt(v, hi), hi, v));
  return as(out, kir::select(kir::ne(v, v), constant(v->type.dtype, 0), clamped));
}

Status check_int8_output(const graph::Node& n, DType t) {
  if (t == DType::kInt8 || t == DType::kUInt8) return Status::ok();
  return unsupported(n, str_cat("quantized output of type ", dtype_name(t)));
}

// Input i's element `at` (a linear index) as int64; 0 when the optional input is absent.
Expr int_param(LowerContext& ctx, const graph::Node& n, int i, const Expr& at) {
  if (!n.has_input(i)) return constant(kI64, 0);
  return as(kI64, ctx.read_linear(n.input(i), at));
}

// ---- QuantizeLinear / DequantizeLinear ----

// Which element of scale and zero point applies to x's element at idx: the only one, or the
// one at idx[axis].
Expected<std::function<Expr(const Index&)>> param_index(const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const int64_t count = numel(n.input(1));
  if (n.has_input(2) && numel(n.input(2)) != count) {
    return error("zero point has ", numel(n.input(2)), " values, scale has ", count);
  }
  using ParamFn = std::function<Expr(const Index&)>;
  if (count == 1) return ParamFn([](const Index&) { return index_const(0); });
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", 1), rank));
  if (x->shape()[axis] != count) return unsupported(n, "blocked quantization parameters");
  return ParamFn([axis](const Index& idx) { return idx[axis]; });
}

// y = saturate(round(x / scale) + zero_point).
Expected<std::vector<ExprFn>> lower_quantize(LowerContext& ctx, const graph::Node& n) {
  const DType out = n.output(0)->dtype();
  STITCH_RETURN_IF_ERROR(check_int8_output(n, out));
  STITCH_ASSIGN_OR_RETURN(auto at, param_index(n));
  return std::vector<ExprFn>{[&ctx, &n, at, out](const Index& idx) {
    const Expr p = at(idx);
    Expr q =
        nearbyint(as(kF32, ctx.read(n.input(0), idx)) / as(kF32, ctx.read_linear(n.input(1), p)));
    // |q| beyond 2^24 saturates whatever the zero point, so float addition is exact enough.
    return saturate(q + as(kF32, int_param(ctx, n, 2, p)), out);
  }};
}

// y = float(x - zero_point) * scale, in scale's type.
Expected<std::vector<ExprFn>> lower_dequantize(LowerContext& ctx, const graph::Node& n) {
  STITCH_ASSIGN_OR_RETURN(auto at, param_index(n));
  return std::vector<ExprFn>{[&ctx, &n, at](const Index& idx) {
    const Expr p = at(idx);
    Expr centered = as(kI64, ctx.read(n.input(0), idx)) - int_param(ctx, n, 2, p);
    Expr y = as(kF32, centered) * as(kF32, ctx.read_linear(n.input(1), p));
    return as(n.output(0)->dtype(), y);
  }};
}

// ---- DynamicQuantizeLinear ----

// uint8 quantization whose range covers the data and zero: scale = (max - min) / 255.
Expected<Stmt> lower_dynamic_quantize(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const Shape& shape = x->shape();
  kir::Buffer range = ctx.scratch("range", kF32, {2});
  const Expr lo_acc = kir::load(range, index_const(0)), hi_acc = kir::load(range, index_const(1));
  // std::min / std::max as the reference calls them (a NaN element is skipped, not propagated).
  Stmt min_max = loop_nest(
      ctx, shape,
      [&](const Index& idx) {
        Expr v = ctx.read(x, idx);
        return kir::seq(
            {kir::store(range, index_const(0), kir::select(kir::lt(v, lo_acc), v, lo_acc)),
             kir::store(range, index_const(1), kir::select(kir::lt(hi_acc, v), v, hi_acc))});
      },
      /*parallel=*/false, /*vectorize=*/false);
  kir::Var lo = kir::make_var("lo", kF32), scale = kir::make_var("scale", kF32),
           zp = kir::make_var("zp", kF32);
  // zp = round_saturate(clamp(-lo / scale, 0, 255)), 0 when scale is 0.
  Expr t = lo * f32(-1) / scale;
  Expr clamped =
      kir::select(kir::lt(t, f32(0)), f32(0), kir::select(kir::lt(f32(255), t), f32(255), t));
  Expr zp_value = kir::select(kir::logical_or(kir::eq(scale, f32(0)), kir::ne(clamped, clamped)),
                              f32(0), nearbyint(clamped));
  std::vector<Stmt> tail;
  // An output nobody reads has no buffer (the first one may be stored by its epilogue instead).
  if (ctx.find_buffer(n.output(0)) || !n.output(0)->users().empty()) {
    tail.push_back(loop_nest(ctx, shape, [&](const Index& idx) {
      Expr q = saturate(nearbyint(ctx.read(x, idx) / scale) + zp, DType::kUInt8);
      return ctx.write(n.output(0), idx,
                       kir::select(kir::eq(scale, f32(0)), as(DType::kUInt8, zp), q));
    }));
  }
  if (ctx.find_buffer(n.output(1))) tail.push_back(ctx.write(n.output(1), {}, scale));
  if (ctx.find_buffer(n.output(2))) {
    tail.push_back(ctx.write(n.output(2), {}, as(DType::kUInt8, zp)));
  }
  Stmt body = kir::let_stmt(zp, zp_value, kir::seq(std::move(tail)));
  body = kir::let_stmt(scale, (kir::load(range, index_const(1)) - lo) / f32(255), body);
  body = kir::let_stmt(lo, lo_acc, body);
  return kir::allocate(range, kir::seq({kir::store(range, index_const(0), f32(0)),
                                        kir::store(range, index_const(1), f32(0)), min_max, body}));
}

// ---- MatMulInteger / QLinearMatMul ----

// out_idx split into full indices of A and B (NumPy batch broadcasting; a 1-D A has no m dim in
// the output, a 1-D B no n dim), with k as the reduced index; i and j are the output's row and
// column (0 where the promoted operand has none).
struct MatMulIndex {
  Index a, b;
  Expr i, j;
};

MatMulIndex matmul_index(const Shape& a, const Shape& b, const Shape& out, const Index& out_idx,
                         const Expr& k) {
  const bool has_m = a.size() >= 2, has_n = b.size() >= 2;
  const size_t batch_rank = out.size() - (has_m ? 1 : 0) - (has_n ? 1 : 0);
  const Shape out_batch(out.begin(), out.begin() + batch_rank);
  const Index batch(out_idx.begin(), out_idx.begin() + batch_rank);
  MatMulIndex r;
  r.i = has_m ? out_idx[batch_rank] : index_const(0);
  r.j = has_n ? out_idx.back() : index_const(0);
  if (has_m) {
    r.a = broadcast_index(Shape(a.begin(), a.end() - 2), out_batch, batch);
    r.a.push_back(r.i);
  }
  r.a.push_back(k);
  if (has_n) r.b = broadcast_index(Shape(b.begin(), b.end() - 2), out_batch, batch);
  r.b.push_back(k);
  if (has_n) r.b.push_back(r.j);
  return r;
}

// The linear index into a matmul operand's zero point at operand index idx: the zero point is
// one value, or one per row of A ([..., M, 1]) or per column of B ([..., 1, N]).
Expected<Expr> zero_point_index(const graph::Node& n, int zp, const graph::Value* t,
                                const Index& idx, bool per_column) {
  const int64_t count = n.has_input(zp) ? numel(n.input(zp)) : 1;
  if (count == 1) return index_const(0);
  const Shape& s = t->shape();
  // The operand's index without its column (A) or row (B) dim. Like the reference, a 1-D A is
  // K rows of one element (a zero point per element) and a 1-D B one column (one zero point).
  Shape zs = s;
  Index zi = idx;
  if (s.size() >= 2) {
    const int64_t drop = static_cast<int64_t>(s.size()) - (per_column ? 2 : 1);
    zs.erase(zs.begin() + drop);
    zi.erase(zi.begin() + drop);
  } else if (per_column) {
    zs.clear();
    zi.clear();
  }
  if (shape_numel(zs) != count) {
    return error("zero point has ", count, " values, expected 1 or ", shape_numel(zs));
  }
  return linearize(zs, zi);
}

// acc = sum_k (A - a_zp)(B - b_zp) in int64; finish(acc, indices) is the output element.
using MatMulFinal = std::function<Expr(const Expr& acc, const MatMulIndex& mi)>;
Expected<Stmt> integer_matmul(LowerContext& ctx, const graph::Node& n, int b_input, int a_zp,
                              int b_zp, const MatMulFinal& finish) {
  const graph::Value* a = n.input(0);
  const graph::Value* b = n.input(b_input);
  const graph::Value* out = n.output(0);
  // Zero point sizes are checked before any IR is built (operand() then cannot fail).
  auto probe = [&](const graph::Value* t) { return Index(t->shape().size(), index_const(0)); };
  STITCH_RETURN_IF_ERROR(zero_point_index(n, a_zp, a, probe(a), false).status());
  STITCH_RETURN_IF_ERROR(zero_point_index(n, b_zp, b, probe(b), true).status());
  auto operand = [&](const graph::Value* t, int zp, const Index& idx, bool per_column) {
    Expr at = *zero_point_index(n, zp, t, idx, per_column);
    return as(kI64, ctx.read(t, idx)) - int_param(ctx, n, zp, at);
  };
  AccFn update = [&](const Index& idx, const Index& red, const std::vector<Expr>& acc) {
    MatMulIndex mi = matmul_index(a->shape(), b->shape(), out->shape(), idx, red[0]);
    return std::vector<Expr>{acc[0] + operand(a, a_zp, mi.a, false) * operand(b, b_zp, mi.b, true)};
  };
  FinalFn finalize = [&](const Index& idx, const std::vector<Expr>& acc) {
    return finish(acc[0], matmul_index(a->shape(), b->shape(), out->shape(), idx, index_const(0)));
  };
  return reduce_nest(ctx, out, {a->shape().back()}, kI64, {0.0}, update, finalize);
}

Expected<Stmt> lower_matmul_integer(LowerContext& ctx, const graph::Node& n) {
  return integer_matmul(ctx, n, 1, 2, 3, [](const Expr& acc, const MatMulIndex&) {
    return as(DType::kInt32, acc);  // wraps like the reference's int64 -> int32 conversion
  });
}

// Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point. Scales
// per tensor, or per row of A / per column of B.
Expected<Stmt> lower_qlinear_matmul(LowerContext& ctx, const graph::Node& n) {
  const DType out = n.output(0)->dtype();
  STITCH_RETURN_IF_ERROR(check_int8_output(n, out));
  const Shape& a = n.input(0)->shape();
  const Shape& b = n.input(3)->shape();
  const int64_t m = a.size() >= 2 ? a[a.size() - 2] : 1, cols = b.size() >= 2 ? b.back() : 1;
  const int64_t a_scales = numel(n.input(1)), b_scales = numel(n.input(4));
  if ((a_scales != 1 && a_scales != m) || (b_scales != 1 && b_scales != cols)) {
    return unsupported(n, "QLinearMatMul scales other than per tensor, row or column");
  }
  if (numel(n.input(6)) != 1 || numel(n.input(7)) != 1) {
    return error("y_scale and y_zero_point must hold one value (node '", n.name(), "')");
  }
  return integer_matmul(
      ctx, n, 3, 2, 5, [&ctx, &n, out, a_scales, b_scales](const Expr& acc, const MatMulIndex& mi) {
        auto scale = [&](int i, const Expr& at) {
          return as(kF32, ctx.read_linear(n.input(i), at));
        };
        Expr multiplier = scale(1, a_scales == 1 ? index_const(0) : mi.i) *
                          scale(4, b_scales == 1 ? index_const(0) : mi.j) /
                          scale(6, index_const(0));
        // The reference adds the zero point in float (nearbyint's float plus an int64).
        Expr y =
            nearbyint(as(kF32, acc) * multiplier) + as(kF32, int_param(ctx, n, 7, index_const(0)));
        return saturate(y, out);
      });
}

// ---- ConvInteger / QLinearConv ----

// acc = bias + sum over (channel of the group, window) of (x - x_zp)(w - w_zp) in int64, with
// padding taps contributing 0; finish(out_idx, acc) is the output. x's zero point is one value,
// w's one or one per output channel.
Expected<Stmt> integer_conv(LowerContext& ctx, const graph::Node& n, int w_input, int x_zp,
                            int w_zp, const FinalFn& finish) {
  const graph::Value* x = n.input(0);
  const graph::Value* w = n.input(w_input);
  const graph::Value* out = n.output(0);
  const Shape in_spatial = graph::nn::spatial_dims(x->shape());
  const Shape kernel = graph::nn::spatial_dims(w->shape());
  STITCH_ASSIGN_OR_RETURN(graph::nn::WindowGeometry g,
                          graph::nn::window_geometry(n, in_spatial, kernel, false));
  const int64_t groups = n.attr_int("group", 1);
  const int64_t c_per_group = w->shape()[1];
  const int64_t out_channels = out->shape()[1];
  const int64_t oc_per_group = out_channels / groups;
  if (n.has_input(x_zp) && numel(n.input(x_zp)) != 1) {
    return error("x zero point must hold one value (node '", n.name(), "')");
  }
  const bool w_zp_per_channel = n.has_input(w_zp) && numel(n.input(w_zp)) != 1;
  if (w_zp_per_channel && numel(n.input(w_zp)) != out_channels) {
    return error("w zero point has ", numel(n.input(w_zp)), " values, expected 1 or ", out_channels,
                 " (node '", n.name(), "')");
  }
  Shape reduce_shape{c_per_group};
  reduce_shape.insert(reduce_shape.end(), kernel.begin(), kernel.end());
  AccFn update = [&, groups, w_zp_per_channel](const Index& idx, const Index& red,
                                               const std::vector<Expr>& acc) {
    Index o(idx.begin() + 2, idx.end()), k(red.begin() + 1, red.end());
    WindowTap tap = window_tap(g, in_spatial, o, k);
    Expr channel = groups == 1 ? red[0] : (idx[1] / oc_per_group) * c_per_group + red[0];
    Index xi{idx[0], channel};
    xi.insert(xi.end(), tap.pos.begin(), tap.pos.end());
    Index wi{idx[1], red[0]};
    wi.insert(wi.end(), k.begin(), k.end());
    Expr xv = as(kI64, ctx.read(x, xi)) - int_param(ctx, n, x_zp, index_const(0));
    Expr wv = as(kI64, ctx.read(w, wi)) -
              int_param(ctx, n, w_zp, w_zp_per_channel ? idx[1] : index_const(0));
    return std::vector<Expr>{acc[0] + kir::select(tap.inside, xv, constant(kI64, 0)) * wv};
  };
  return reduce_nest(ctx, out, reduce_shape, kI64, {0.0}, update, finish);
}

Expected<Stmt> lower_conv_integer(LowerContext& ctx, const graph::Node& n) {
  return integer_conv(ctx, n, 1, 2, 3, [](const Index&, const std::vector<Expr>& acc) {
    return as(DType::kInt32, acc[0]);
  });
}

// Inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
Expected<Stmt> lower_qlinear_conv(LowerContext& ctx, const graph::Node& n) {
  const DType out = n.output(0)->dtype();
  STITCH_RETURN_IF_ERROR(check_int8_output(n, out));
  for (int i : {1, 6, 7}) {
    if (numel(n.input(i)) != 1) {
      return error("input ", i, " must hold one value (node '", n.name(), "')");
    }
  }
  const int64_t w_scales = numel(n.input(4));
  if (w_scales != 1 && w_scales != n.output(0)->shape()[1]) {
    return error("w_scale has ", w_scales, " values (node '", n.name(), "')");
  }
  const graph::Value* bias = n.has_input(8) ? n.input(8) : nullptr;
  return integer_conv(
      ctx, n, 3, 2, 5,
      [&ctx, &n, out, w_scales, bias](const Index& idx, const std::vector<Expr>& acc) {
        Expr sum = bias ? acc[0] + as(kI64, ctx.read(bias, {idx[1]})) : acc[0];
        auto scale = [&](int i, const Expr& at) {
          return as(kF32, ctx.read_linear(n.input(i), at));
        };
        Expr multiplier = scale(1, index_const(0)) *
                          scale(4, w_scales == 1 ? index_const(0) : idx[1]) /
                          scale(6, index_const(0));
        // Here the reference adds the zero point in double.
        Expr y = as(DType::kFloat64, nearbyint(as(kF32, sum) * multiplier)) +
                 as(DType::kFloat64, int_param(ctx, n, 7, index_const(0)));
        return saturate(y, out);
      });
}

}  // namespace

void register_quantize_templates(TemplateTable& t) {
  t.push_back({"QuantizeLinear", OpTemplate{lower_quantize, nullptr, true, false}});
  t.push_back({"DequantizeLinear", OpTemplate{lower_dequantize, nullptr, true, false}});
  t.push_back({"DynamicQuantizeLinear", OpTemplate{nullptr, lower_dynamic_quantize}});
  t.push_back({"MatMulInteger", OpTemplate{nullptr, lower_matmul_integer}});
  t.push_back({"QLinearMatMul", OpTemplate{nullptr, lower_qlinear_matmul}});
  t.push_back({"ConvInteger", OpTemplate{nullptr, lower_conv_integer}});
  t.push_back({"QLinearConv", OpTemplate{nullptr, lower_qlinear_conv}});
}

}  // namespace stitch::lower
