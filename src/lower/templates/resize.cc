// Templates of Resize (every mode, coordinate transform and nearest rounding; scales, sizes and
// roi constant) and GridSample. Part of lower/templates/; both injective: an output element is
// a weighted sum of a few input elements at computed indices, so they inline into consumers.
//
// ---- Resize: exact tap tables as periodic expressions ----
// Interpolation is separable. At compile time every output coordinate x of every axis gets the
// reference's taps (reference/kernels/tensor_resize.cc, computed in double by the same code):
// an unclamped first input index and one weight per tap. Nearest rounding is discontinuous, so
// recomputing coordinates in the kernel could pick a different element where the reference
// sits on a tie; instead the tables are matched exactly by a periodic form
//   first(x) = F[x mod q] + d * (x div q),   weight_k(x) = W_k[x mod q]
// with q at most kMaxPeriod (a rational scale p/q has period q; small outputs are their own
// period) and F, W_k select chains over x mod q. Axes whose pattern has no such period are
// reported unsupported rather than approximated.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "graph/ops/resize_util.h"
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;
using Fns = std::vector<ExprFn>;

constexpr int64_t kMaxPeriod = 32;

using graph::resize::resize_params;
using graph::resize::ResizeParams;
using graph::resize::source_coordinate;

// The taps of one output coordinate, indices not yet clamped; `outside`: tf_crop_and_resize
// point outside the input (the element is the extrapolation value).
struct Taps {
  bool outside = false;
  int64_t first = 0;
  std::vector<double> weight;
};

Taps axis_taps(const ResizeParams& p, double src, int64_t in) {
  Taps t;
  if (p.ctm == "tf_crop_and_resize" && (src < 0 || src > in - 1)) {
    t.outside = true;
    return t;
  }
  const double base = std::ceil(src) - 1;
  const double r = src - base;
  t.first = static_cast<int64_t>(base);
  if (p.mode == "cubic") t.first -= 1;
  t.weight = graph::resize::tap_weights(p, r);
  double sum = 0;
  for (size_t k = 0; k < t.weight.size(); ++k) {
    const int64_t i = t.first + static_cast<int64_t>(k);
    if (p.exclude_outside && (i < 0 || i >= in)) t.weight[k] = 0;
    sum += t.weight[k];
  }
  if (p.exclude_outside && sum != 0) {
    for (double& w : t.weight) w /= sum;
  }
  if (p.mode == "nearest") {  // the reference reads the heavier of the two (the first on ties)
    if (t.weight[0] < t.weight[1]) ++t.first;
    t.weight = {1.0};
  }
  return t;
}

// One axis's taps in periodic form (see the note at the top); outside_lo/hi: output
// coordinates outside [lo, hi) take the extrapolation value.
struct AxisForm {
  int64_t period = 1, step = 0;
  std::vector<int64_t> first;                // per residue
  std::vector<std::vector<double>> weights;  // per tap, per residue
  int64_t outside_lo = 0, outside_hi = 0;
  bool has_outside = false;
};

// The periodic form of `taps` with period q, or nullopt. Outside coordinates are wildcards.
std::optional<AxisForm> fit_period(const std::vector<Taps>& taps, int64_t q, size_t n_taps) {
  AxisForm f;
  f.period = q;
  f.first.assign(q, 0);
  f.weights.assign(n_taps, std::vector<double>(q, 0.0));
  std::vector<int64_t> rep(q, -1);
  bool step_known = false;
  for (int64_t x = 0; x < static_cast<int64_t>(taps.size()); ++x) {
    if (taps[x].outside) continue;
    const int64_t rho = x % q;
    if (rep[rho] < 0) {
      rep[rho] = x;
      continue;
    }
    const int64_t blocks = (x - rep[rho]) / q, delta = taps[x].first - taps[rep[rho]].first;
    if (!step_known && delta % blocks == 0) {
      f.step = delta / blocks;
      step_known = true;
    }
    if (delta != f.step * blocks || taps[x].weight != taps[rep[rho]].weight) return std::nullopt;
  }
  for (int64_t rho = 0; rho < q; ++rho) {
    if (rep[rho] < 0) continue;
    const Taps& t = taps[rep[rho]];
    f.first[rho] = t.first - f.step * (rep[rho] / q);
    for (size_t k = 0; k < n_taps; ++k) f.weights[k][rho] = t.weight[k];
  }
  return f;
}

Expected<AxisForm> axis_form(const graph::Node& n, const std::vector<Taps>& taps) {
  const int64_t m = static_cast<int64_t>(taps.size());
  size_t n_taps = 1;
  int64_t lo = m, hi = 0;
  for (int64_t x = 0; x < m; ++x) {
    if (taps[x].outside) continue;
    n_taps = taps[x].weight.size();
    lo = std::min(lo, x);
    hi = x + 1;
  }
  for (int64_t x = lo; x < hi; ++x) {
    if (taps[x].outside) return unsupported(n, "Resize roi with points outside between inside");
  }
  for (int64_t q = 1; q <= std::min(m, kMaxPeriod); ++q) {
    std::optional<AxisForm> f = fit_period(taps, q, n_taps);
    if (!f) continue;
    f->has_outside = lo > 0 || hi < m;
    f->outside_lo = lo;
    f->outside_hi = hi;
    return *f;
  }
  if (m == 0) return AxisForm{1, 0, {0}, {std::vector<double>(n_taps, 0.0)}};
  return unsupported(n, str_cat("Resize coordinate pattern with a period over ", kMaxPeriod,
                                " (an irregular scale)"));
}

// Per resized axis, the scale factor and roi; axes not listed keep scale 1 (plan_axes of the
// reference, reading the inputs as constants).
struct AxisPlan {
  std::vector<double> scale, roi_start, roi_end;
};

Expected<const Tensor*> optional_constant(const graph::Node& n, int i, const char* what) {
  if (!n.has_input(i)) return nullptr;
  STITCH_ASSIGN_OR_RETURN(const Tensor* t, constant_input(n, i, what));
  return t->numel() > 0 ? t : nullptr;
}

Expected<AxisPlan> plan_axes(const graph::Node& n, const ResizeParams& p) {
  const Shape& in = n.input(0)->shape();
  const Shape& out = n.output(0)->shape();
  const int64_t rank = static_cast<int64_t>(in.size());
  AxisPlan plan{std::vector<double>(rank, 1.0), std::vector<double>(rank, 0.0),
                std::vector<double>(rank, 1.0)};
  std::vector<int64_t> axes = n.attr_ints("axes");
  if (axes.empty()) {
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  }
  for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  const bool old = n.opset() < 11 && n.inputs().size() == 2;
  STITCH_ASSIGN_OR_RETURN(const Tensor* scales, optional_constant(n, old ? 1 : 2, "Resize scales"));
  const int64_t count = static_cast<int64_t>(axes.size());
  for (int64_t i = 0; i < count; ++i) {
    const int64_t a = axes[i];
    plan.scale[a] =
        scales ? scales->as_double(i) : static_cast<double>(out[a]) / static_cast<double>(in[a]);
  }
  const std::string policy = n.attr_string("keep_aspect_ratio_policy", "stretch");
  if (!scales && policy != "stretch" && n.has_input(3)) {
    STITCH_ASSIGN_OR_RETURN(const Tensor* sizes, constant_input(n, 3, "Resize sizes"));
    const bool larger = policy == "not_smaller";
    double common = larger ? 0.0 : std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < count; ++i) {
      double s = sizes->as_double(i) / static_cast<double>(in[axes[i]]);
      common = larger ? std::max(common, s) : std::min(common, s);
    }
    for (int64_t a : axes) plan.scale[a] = common;
  }
  if (!old && p.ctm == "tf_crop_and_resize") {
    STITCH_ASSIGN_OR_RETURN(const Tensor* roi, optional_constant(n, 1, "Resize roi"));
    if (roi && roi->numel() != 2 * count) return unsupported(n, "roi of the wrong size");
    for (int64_t i = 0; roi && i < count; ++i) {
      plan.roi_start[axes[i]] = roi->as_double(i);
      plan.roi_end[axes[i]] = roi->as_double(i + count);
    }
  }
  return plan;
}

// A select chain over x mod q of per-residue values.
Expr periodic(const Expr& residue, const std::vector<Expr>& values) {
  Expr e = values.back();
  for (size_t r = values.size() - 1; r-- > 0;) {
    if (values[r].same_as(e)) continue;
    e = kir::select(kir::eq(residue, index_const(static_cast<int64_t>(r))), values[r], e);
  }
  return e;
}

// The range of an integer dtype, as doubles.
std::pair<double, double> integer_range(DType dt) {
  switch (dt) {
    case DType::kInt8:
      return {-128.0, 127.0};
    case DType::kUInt8:
      return {0.0, 255.0};
    case DType::kInt16:
      return {-32768.0, 32767.0};
    case DType::kUInt16:
      return {0.0, 65535.0};
    case DType::kInt32:
      return {-2147483648.0, 2147483647.0};
    case DType::kUInt32:
      return {0.0, 4294967295.0};
    case DType::kUInt64:
      return {0.0, static_cast<double>(std::numeric_limits<uint64_t>::max())};
    default:
      return {static_cast<double>(std::numeric_limits<int64_t>::lowest()),
              static_cast<double>(std::numeric_limits<int64_t>::max())};
  }
}

// A double converted to dt as the reference does: integers round and saturate.
double from_double(DType dt, double v) {
  if (dtype_is_float(dt) || dt == DType::kBool) return v;
  const auto [lo, hi] = integer_range(dt);
  return std::clamp(std::nearbyint(v), lo, hi);
}

struct Term {
  Index idx;
  Expr weight;  // undefined: 1
};

Expected<Fns> lower_resize(LowerContext& ctx, const graph::Node& n) {
  if (n.attr_int("antialias", 0) != 0) return unsupported(n, "Resize with antialias");
  const graph::Value* x = n.input(0);
  const Shape& in = x->shape();
  const Shape& out = n.output(0)->shape();
  const ResizeParams p = resize_params(n);
  if (p.mode != "nearest" && x->dtype() == DType::kBool) {
    return unsupported(n, "linear/cubic Resize of bool");
  }
  STITCH_ASSIGN_OR_RETURN(AxisPlan plan, plan_axes(n, p));
  std::vector<AxisForm> forms;
  for (size_t a = 0; a < in.size(); ++a) {
    if (in[a] == 0 && out[a] > 0) return unsupported(n, "Resize of an empty axis");
    std::vector<Taps> taps;
    for (int64_t o = 0; o < out[a]; ++o) {
      double src = source_coordinate(p, static_cast<double>(o), plan.scale[a], in[a], out[a],
                                     plan.roi_start[a], plan.roi_end[a]);
      taps.push_back(axis_taps(p, src, in[a]));
    }
    STITCH_ASSIGN_OR_RETURN(AxisForm f, axis_form(n, taps));
    forms.push_back(std::move(f));
  }
  const DType dt = x->dtype();
  // Weighted sums run in the element type for floats, in double for integers (then rounded and
  // saturated, as the reference converts).
  const DType acc_dt = dtype_is_float(dt) ? dt : DType::kFloat64;
  return Fns{[&ctx, x, forms, in, dt, acc_dt, p](const Index& idx) {
    std::vector<Term> terms{{Index{}, Expr()}};
    Expr outside = kir::bool_imm(false);
    for (size_t a = 0; a < forms.size(); ++a) {
      const AxisForm& f = forms[a];
      Expr residue = f.period == 1 ? index_const(0) : idx[a] % f.period;
      Expr block = f.period == 1 ? idx[a] : idx[a] / f.period;
      std::vector<Expr> firsts;
      for (int64_t v : f.first) firsts.push_back(index_const(v));
      Expr first = periodic(residue, firsts) + block * f.step;
      std::vector<Term> next;
      for (size_t k = 0; k < f.weights.size(); ++k) {
        const std::vector<double>& w = f.weights[k];
        if (std::all_of(w.begin(), w.end(), [](double v) { return v == 0; })) continue;
        const bool one = std::all_of(w.begin(), w.end(), [](double v) { return v == 1; });
        std::vector<Expr> values;
        for (double v : w) values.push_back(constant(acc_dt, v));
        Expr wk = one ? Expr() : periodic(residue, values);
        Expr i = clamp_index(first + static_cast<int64_t>(k), in[a]);
        for (const Term& t : terms) {
          Term u = t;
          u.idx.push_back(i);
          u.weight = !wk.defined() ? t.weight : t.weight.defined() ? t.weight * wk : wk;
          next.push_back(std::move(u));
        }
      }
      terms = std::move(next);
      if (f.has_outside) {
        outside =
            kir::logical_or(outside, kir::logical_or(kir::lt(idx[a], index_const(f.outside_lo)),
                                                     kir::ge(idx[a], index_const(f.outside_hi))));
      }
    }
    Expr value;
    const bool gather = terms.size() == 1 && !terms[0].weight.defined();
    if (terms.empty()) {  // every point outside the roi: the extrapolation value below
      value = constant(dt, 0);
    } else if (gather) {
      value = ctx.read(x, terms[0].idx);
    } else {
      for (const Term& t : terms) {
        Expr v = kir::cast(scalar_type(acc_dt), ctx.read(x, t.idx));
        if (t.weight.defined()) v = v * t.weight;
        value = value.defined() ? value + v : v;
      }
      if (!dtype_is_float(dt)) {
        const auto [lo, hi] = integer_range(dt);
        value = kir::call("nearbyint", value->type, {value});
        value = kir::max(kir::min(value, constant(acc_dt, hi)), constant(acc_dt, lo));
      }
      value = kir::cast(scalar_type(dt), value);
    }
    const int64_t* never = kir::as_const_int(outside);
    if (never && *never == 0) return value;
    return kir::select(outside, constant(dt, from_double(dt, p.extrapolation)), value);
  }};
}

// ---- GridSample (PyTorch's grid_sample, as the reference): coordinates are data, computed in
// double in the kernel with the reference's operations in its order ----

struct GridParams {
  int mode = 1;  // 0 nearest, 1 linear, 2 cubic
  std::string padding;
  bool align = false;
};

Expr f64(double v) { return constant(DType::kFloat64, v); }
Expr fcall(const char* name, const Expr& x) { return kir::call(name, x->type, {x}); }

// Mirrors v into [twice_low / 2, twice_high / 2] (PyTorch's reflect_coordinates).
Expr reflect(const Expr& v, double twice_low, double twice_high) {
  if (twice_low == twice_high) return f64(0);
  const double low = twice_low / 2, span = (twice_high - twice_low) / 2;
  Expr d = fcall("fabs", v - f64(low));
  Expr extra = kir::call("fmod", d->type, {d, f64(span)});
  Expr flips = fcall("floor", d / f64(span));
  Expr even = kir::eq(kir::call("fmod", d->type, {flips, f64(2)}), f64(0));
  return kir::select(even, extra + f64(low), f64(span) - extra + f64(low));
}

Expr pad_coordinate(const GridParams& p, const Expr& v, int64_t size) {
  auto clamp = [&](const Expr& e) {
    return kir::min(kir::max(e, f64(0)), f64(static_cast<double>(size - 1)));
  };
  if (p.padding == "border") return clamp(v);
  if (p.padding == "reflection") {
    const double n = static_cast<double>(size);
    return clamp(p.align ? reflect(v, 0, 2.0 * (n - 1)) : reflect(v, -1, 2.0 * n - 1));
  }
  return v;
}

struct GridTap {
  Expr index;   // int64, unclamped
  Expr weight;  // double
};

std::vector<GridTap> grid_taps(const GridParams& p, const Expr& g, int64_t size) {
  const double n = static_cast<double>(size);
  Expr v = p.align ? (g + f64(1)) / f64(2) * f64(n - 1) : ((g + f64(1)) * f64(n) - f64(1)) / f64(2);
  auto to_index = [](const Expr& e) { return kir::cast(scalar_type(kir::kIndexType), e); };
  std::vector<GridTap> taps;
  if (p.mode == 2) {  // bicubic pads each tap, not the point
    Expr base = fcall("floor", v);
    Expr r = v - base, s = f64(1) - r;
    const double a = -0.75;
    std::vector<Expr> w = {
        ((f64(a) * (r + f64(1)) - f64(5 * a)) * (r + f64(1)) + f64(8 * a)) * (r + f64(1)) -
            f64(4 * a),
        ((f64(a + 2) * r - f64(a + 3)) * r * r) + f64(1),
        ((f64(a + 2) * s - f64(a + 3)) * s * s) + f64(1),
        ((f64(a) * (s + f64(1)) - f64(5 * a)) * (s + f64(1)) + f64(8 * a)) * (s + f64(1)) -
            f64(4 * a)};
    for (int k = 0; k < 4; ++k) {
      taps.push_back({to_index(pad_coordinate(p, base + f64(k - 1), size)), w[k]});
    }
  } else if (p.mode == 1) {
    v = pad_coordinate(p, v, size);
    Expr base = fcall("floor", v);
    Expr i = to_index(base);
    taps.push_back({i, f64(1) - (v - base)});
    taps.push_back({i + 1, v - base});
  } else {
    taps.push_back({to_index(fcall("nearbyint", pad_coordinate(p, v, size))), Expr()});
  }
  return taps;
}

Expected<Fns> lower_grid_sample(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* grid = n.input(1);
  if (!dtype_is_float(x->dtype())) return unsupported(n, "GridSample of non-float data");
  GridParams p;
  const std::string mode = n.attr_string("mode", "bilinear");
  p.mode = mode == "nearest" ? 0 : (mode == "bicubic" || mode == "cubic") ? 2 : 1;
  p.padding = n.attr_string("padding_mode", "zeros");
  p.align = n.attr_int("align_corners", 0) != 0;
  return Fns{[&ctx, x, grid, p](const Index& idx) {
    const Shape& in = x->shape();
    const size_t r = in.size() - 2;
    const kir::Type f64_type = scalar_type(DType::kFloat64);
    std::vector<std::pair<Index, Expr>> terms{{Index{idx[0], idx[1]}, Expr()}};
    for (size_t a = 0; a < r; ++a) {  // grid lists the innermost axis first (x, y, ...)
      Index gi{idx[0]};
      gi.insert(gi.end(), idx.begin() + 2, idx.end());
      gi.push_back(index_const(static_cast<int64_t>(r - 1 - a)));
      Expr g = kir::cast(f64_type, ctx.read(grid, gi));
      std::vector<std::pair<Index, Expr>> next;
      for (const GridTap& tap : grid_taps(p, g, in[a + 2])) {
        Expr inside = kir::logical_and(kir::ge(tap.index, index_const(0)),
                                       kir::lt(tap.index, index_const(in[a + 2])));
        Expr w = kir::select(inside, tap.weight.defined() ? tap.weight : f64(1), f64(0));
        for (const auto& [ti, tw] : terms) {
          Index u = ti;
          u.push_back(clamp_index(tap.index, in[a + 2]));
          next.push_back({u, tw.defined() ? tw * w : w});
        }
      }
      terms = std::move(next);
    }
    Expr sum;
    for (const auto& [ti, tw] : terms) {
      Expr v = kir::cast(f64_type, ctx.read(x, ti)) * tw;
      sum = sum.defined() ? sum + v : v;
    }
    return kir::cast(scalar_type(x->dtype()), sum);
  }};
}

}  // namespace

void register_resize_templates(TemplateTable& t) {
  t.push_back({"Resize", OpTemplate{lower_resize, nullptr, false, false}});
  t.push_back({"GridSample", OpTemplate{lower_grid_sample, nullptr, false, false}});
}

}  // namespace stitch::lower
