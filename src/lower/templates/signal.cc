// Templates of the signal-processing ops: DFT and STFT (anchors: per output bin, a sum over the
// signal), the Hann / Hamming / Blackman windows (injective: a formula of the index) and
// MelWeightMatrix (an anchor: a table of filter points, then each weight from its three points).
// Part of lower/templates/; the semantics are the reference's
// (reference/kernels/sequence_signal.cc).
//
// The transforms are the O(n^2) definition accumulated in double, the twiddle angle reduced
// modulo n first (as the reference) so large indices keep their precision. Values that fix
// shapes (dft_length, frame_length) must be constants by lowering time.
#include <cmath>

#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_linalg_templates(TemplateTable& t);  // linalg.cc

namespace {

using kir::Expr;
using kir::Stmt;

constexpr double kPi = 3.14159265358979323846;
constexpr DType kAcc = DType::kFloat64;

Expr f64(const Expr& e) { return kir::cast(scalar_type(kAcc), e); }
Expr dconst(double v) { return constant(kAcc, v); }

Stmt loop(LowerContext& ctx, const std::string& name, int64_t extent,
          const std::function<Stmt(const Expr&)>& body) {
  kir::Var v = ctx.var(name);
  return kir::for_loop(v, index_const(0), index_const(extent), kir::ForKind::kSerial, body(v));
}

bool present(const graph::Node& n, int i) {
  return n.has_input(i) && shape_numel(n.input(i)->shape()) > 0;
}

// For every index of `out` but its last (real, imaginary) dim: re + i im = sum over j < used of
// sample(outer, j) * exp(sign 2 pi i ((j k) mod n) / n), k = outer[bin_dim]; `sample` yields the
// (real, imaginary) parts in double. Inverse transforms divide by n.
using SampleFn = std::function<std::pair<Expr, Expr>(const Index& outer, const Expr& j)>;
Stmt dft_nest(LowerContext& ctx, const graph::Value* out, int64_t bin_dim, int64_t n, int64_t used,
              bool inverse, const SampleFn& sample) {
  const Shape& shape = out->shape();
  const int64_t last = static_cast<int64_t>(shape.size()) - 1;
  const kir::Type t = scalar_type(kAcc);
  return row_nest(ctx, shape, last, last + 1, [&](const Index& outer) {
    kir::Buffer acc = ctx.scratch("acc", kAcc, {2});
    const Expr re = kir::load(acc, index_const(0)), im = kir::load(acc, index_const(1));
    const Expr k = outer[bin_dim];
    kir::Var angle = kir::make_var("angle", kAcc);
    Stmt sum = loop(ctx, "j", used, [&](const Expr& j) {
      const Expr turn = f64((j * k) % n) / dconst(static_cast<double>(n));
      auto [xr, xi] = sample(outer, j);
      const Expr c = kir::call("cos", t, {angle}), s = kir::call("sin", t, {angle});
      return kir::let_stmt(angle, dconst((inverse ? 2 : -2) * kPi) * turn,
                           kir::seq({kir::store(acc, index_const(0), re + (xr * c - xi * s)),
                                     kir::store(acc, index_const(1), im + (xr * s + xi * c))}));
    });
    const kir::Type out_t = scalar_type(out->dtype());
    auto result = [&](const Expr& v) {
      return kir::cast(out_t, inverse ? v / dconst(static_cast<double>(n)) : v);
    };
    Stmt body = kir::seq({kir::store(acc, index_const(0), dconst(0)),
                          kir::store(acc, index_const(1), dconst(0)), sum,
                          ctx.write(out, with_row(outer, last, {index_const(0)}), result(re)),
                          ctx.write(out, with_row(outer, last, {index_const(1)}), result(im))});
    return kir::allocate(acc, body);
  });
}

Expected<Stmt> lower_dft(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const Shape& xs = x->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rank < 3 || (xs.back() != 1 && xs.back() != 2)) {
    return unsupported(n, "input not [batch, signal dims..., 1 or 2]");
  }
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(n.attr_int("axis", 1), rank));
  if (axis == 0 || axis == rank - 1) return unsupported(n, "axis is not a signal dim");
  const bool inverse = n.attr_int("inverse", 0) != 0;
  const bool onesided = n.attr_int("onesided", 0) != 0;
  const int64_t comps = xs.back();
  if (onesided && (inverse || comps == 2)) {
    return unsupported(n, "onesided DFT of complex input or inverse onesided DFT");
  }
  int64_t length = xs[axis];
  if (present(n, 1)) {
    STITCH_ASSIGN_OR_RETURN(const Tensor* t, constant_input(n, 1, "dft_length"));
    length = t->as_int64(0);
  }
  if (length <= 0) return unsupported(n, "dft_length <= 0");
  const int64_t bins = onesided ? length / 2 + 1 : length;
  if (out->shape().size() != xs.size() || out->shape()[axis] != bins) {
    return unsupported(n, "output shape does not match dft_length");
  }
  SampleFn sample = [&](const Index& outer, const Expr& j) {
    Index at = with_row(outer, axis, {j});
    Expr re = f64(ctx.read(x, with_row(at, rank - 1, {index_const(0)})));
    Expr im = comps == 2 ? f64(ctx.read(x, with_row(at, rank - 1, {index_const(1)}))) : dconst(0);
    return std::make_pair(re, im);
  };
  return dft_nest(ctx, out, axis, length, std::min(length, xs[axis]), inverse, sample);
}

// STFT: frame f of batch b is signal[b, f * step + j] * window[j], j < frame_length.
Expected<Stmt> lower_stft(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* signal = n.input(0);
  const graph::Value* out = n.output(0);
  const Shape& ss = signal->shape();
  if (ss.size() != 3 || (ss[2] != 1 && ss[2] != 2)) {
    return unsupported(n, "signal not [batch, length, 1 or 2]");
  }
  const graph::Value* window = present(n, 2) ? n.input(2) : nullptr;
  int64_t length = window ? shape_numel(window->shape()) : 0;
  if (present(n, 3)) {
    STITCH_ASSIGN_OR_RETURN(const Tensor* t, constant_input(n, 3, "frame_length"));
    if (window && t->as_int64(0) != length) return unsupported(n, "window length != frame_length");
    length = t->as_int64(0);
  }
  const bool onesided = n.attr_int("onesided", 1) != 0;
  const int64_t comps = ss[2];
  if (onesided && comps == 2) return unsupported(n, "onesided STFT of a complex signal");
  if (length <= 0 || length > ss[1]) return unsupported(n, "frame_length outside the signal");
  const int64_t bins = onesided ? length / 2 + 1 : length;
  if (out->shape().size() != 4 || out->shape()[2] != bins) {
    return unsupported(n, "output shape does not match frame_length");
  }
  const graph::Value* step = n.input(1);
  SampleFn sample = [&](const Index& outer, const Expr& j) {
    // The step is read at run time; out's static frame count says it was consistent, and the
    // clamp keeps a wrong one inside the signal.
    const Expr step_value =
        kir::cast(scalar_type(kir::kIndexType), ctx.read(step, zero_index(step->shape().size())));
    const Expr pos = clamp_index(outer[1] * step_value + j, ss[1]);
    auto at = [&](int64_t c) { return f64(ctx.read(signal, {outer[0], pos, index_const(c)})); };
    Expr w = window ? f64(ctx.read(window, delinearize(window->shape(), j))) : dconst(1);
    return std::make_pair(w * at(0), comps == 2 ? w * at(1) : dconst(0));
  };
  return dft_nest(ctx, out, 2, length, length, false, sample);
}

// Generalized cosine window a0 - a1 cos(2 pi t) + a2 cos(4 pi t), t = i / N, N = size when
// periodic, size - 1 when symmetric (the size is the output's static extent).
InjectiveFn cosine_window(double a0, double a1, double a2) {
  return [a0, a1, a2](LowerContext& ctx, const graph::Node& n) -> Expected<std::vector<ExprFn>> {
    (void)ctx;
    const graph::Value* out = n.output(0);
    if (out->shape().size() != 1) return unsupported(n, "window output not 1-D");
    const int64_t size = out->shape()[0];
    const bool periodic = n.attr_int("periodic", 1) != 0;
    const double denom = static_cast<double>(periodic ? size : size - 1);
    const DType dt = out->dtype();
    return std::vector<ExprFn>{[=](const Index& idx) {
      const kir::Type t = scalar_type(kAcc);
      const Expr x = denom > 0 ? f64(idx[0]) / dconst(denom) : dconst(0);
      Expr w = dconst(a0) - dconst(a1) * kir::call("cos", t, {dconst(2 * kPi) * x});
      if (a2 != 0) w = w + dconst(a2) * kir::call("cos", t, {dconst(4 * kPi) * x});
      return kir::cast(scalar_type(dt), w);
    }};
  };
}

double hz_to_mel(double hz) { return 2595 * std::log10(1 + hz / 700); }
double mel_to_hz(double mel) { return 700 * (std::pow(10, mel / 2595) - 1); }

// The filter points (spectrogram bins of num_mel + 2 mel-spaced frequencies), exactly as the
// reference computes them, checked to lie inside the spectrum where a filter sets a weight.
Expected<std::vector<int64_t>> mel_points(const graph::Node& n, int64_t num_mel, int64_t dft_length,
                                          int64_t rate, double lower, double upper) {
  const int64_t spec_bins = dft_length / 2 + 1;
  const double low_mel = hz_to_mel(lower);
  const double mel_step = (hz_to_mel(upper) - low_mel) / static_cast<double>(num_mel + 2);
  std::vector<int64_t> points(static_cast<size_t>(num_mel + 2));
  for (int64_t i = 0; i < num_mel + 2; ++i) {
    const double hz = mel_to_hz(static_cast<double>(i) * mel_step + low_mel);
    points[i] = static_cast<int64_t>(std::floor(static_cast<double>(dft_length + 1) * hz / rate));
  }
  auto inside = [&](int64_t first, int64_t last) { return first >= 0 && last < spec_bins; };
  for (int64_t i = 0; i < num_mel; ++i) {
    const int64_t lo = points[i], center = points[i + 1], hi = points[i + 2];
    const bool ok = (center == lo ? inside(center, center) : center < lo || inside(lo, center)) &&
                    (hi <= center || inside(center, hi - 1));
    if (!ok) return error("mel filter ", i, " outside the spectrum (node '", n.name(), "')");
  }
  return points;
}

// w[bin, i] with lo, c, hi = points[i, i + 1, i + 2]: the falling edge (hi - bin) / (hi - c) on
// [c, hi), else the rising edge (bin - lo) / (c - lo) on [lo, c] (a single 1 at c when c == lo),
// else 0 — the reference's filters, the falling edge written last.
Expr mel_weight(const kir::Buffer& pts, const Expr& bin, const Expr& i) {
  const Expr lo = kir::load(pts, i), c = kir::load(pts, i + 1), hi = kir::load(pts, i + 2);
  const Expr falling = f64(hi - bin) / f64(hi - c);
  const Expr rising = f64(bin - lo) / f64(c - lo);
  const Expr zero = dconst(0);
  const Expr point = kir::select(kir::eq(bin, c), dconst(1), zero);
  const Expr up = kir::select(kir::logical_and(kir::le(lo, bin), kir::le(bin, c)), rising, zero);
  return kir::select(kir::logical_and(kir::le(c, bin), kir::lt(bin, hi)), falling,
                     kir::select(kir::eq(c, lo), point, up));
}

// The filter points computed by the kernel from run-time inputs: the reference's formula step for
// step, in double (sizes come from out's static shape). Exact up to FMA contraction of
// i * mel_step + low_mel, which can move a point only if it lies within an ulp of a bin edge.
Stmt mel_points_at_run_time(LowerContext& ctx, const graph::Node& n, const kir::Buffer& pts,
                            int64_t num_mel) {
  const kir::Type t = scalar_type(kAcc);
  const kir::Type index_t = scalar_type(kir::kIndexType);
  auto scalar = [&](int i) { return ctx.read(n.input(i), zero_index(n.input(i)->shape().size())); };
  auto hz_to_mel = [&](const Expr& hz) {
    return dconst(2595) * kir::call("log10", t, {dconst(1) + hz / dconst(700)});
  };
  const Expr dft_length = kir::cast(index_t, scalar(1));
  const Expr rate = f64(kir::cast(index_t, scalar(2)));
  kir::Var low = kir::make_var("low_mel", kAcc), step = kir::make_var("mel_step", kAcc);
  Stmt fill = loop(ctx, "i", num_mel + 2, [&](const Expr& i) {
    const Expr mel = f64(i) * step + low;
    const Expr hz =
        dconst(700) * (kir::call("pow", t, {dconst(10), mel / dconst(2595)}) - dconst(1));
    const Expr bin = kir::call("floor", t, {f64(dft_length + 1) * hz / rate});
    return kir::store(pts, i, kir::cast(index_t, bin));
  });
  const Expr step_value =
      (hz_to_mel(f64(scalar(4))) - low) / dconst(static_cast<double>(num_mel + 2));
  return kir::let_stmt(low, hz_to_mel(f64(scalar(3))), kir::let_stmt(step, step_value, fill));
}

// The filter points as stores of constants when every input is a constant (then checked against
// the spectrum as the reference does), else computed by the kernel.
Expected<Stmt> mel_points_stmt(LowerContext& ctx, const graph::Node& n, const kir::Buffer& pts,
                               int64_t num_mel, int64_t spec_bins) {
  std::vector<const Tensor*> in;
  for (int i = 0; i < 5; ++i) {
    if (!n.input(i)->is_constant()) return mel_points_at_run_time(ctx, n, pts, num_mel);
    in.push_back(n.input(i)->constant());
  }
  const int64_t dft_length = in[1]->as_int64(0), rate = in[2]->as_int64(0);
  if (in[0]->as_int64(0) != num_mel || dft_length / 2 + 1 != spec_bins || rate <= 0) {
    return unsupported(n, "MelWeightMatrix inputs do not match the output shape");
  }
  STITCH_ASSIGN_OR_RETURN(
      std::vector<int64_t> points,
      mel_points(n, num_mel, dft_length, rate, in[3]->as_double(0), in[4]->as_double(0)));
  std::vector<Stmt> stores;
  for (size_t i = 0; i < points.size(); ++i) {
    stores.push_back(kir::store(pts, index_const(static_cast<int64_t>(i)), index_const(points[i])));
  }
  return kir::seq(std::move(stores));
}

Expected<Stmt> lower_mel(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* out = n.output(0);
  for (int i = 0; i < 5; ++i) {
    if (!n.has_input(i) || shape_numel(n.input(i)->shape()) != 1) {
      return unsupported(n, "MelWeightMatrix input not a scalar");
    }
  }
  if (out->shape().size() != 2) return unsupported(n, "MelWeightMatrix output not 2-D");
  const int64_t spec_bins = out->shape()[0], num_mel = out->shape()[1];
  kir::Buffer pts = ctx.scratch("points", kir::kIndexType, {num_mel + 2});
  STITCH_ASSIGN_OR_RETURN(Stmt points, mel_points_stmt(ctx, n, pts, num_mel, spec_bins));
  const kir::Type out_t = scalar_type(out->dtype());
  Stmt weights = loop_nest(
      ctx, out->shape(),
      [&](const Index& idx) {
        return ctx.write(out, idx, kir::cast(out_t, mel_weight(pts, idx[0], idx[1])));
      },
      /*parallel=*/false, /*vectorize=*/false);
  return kir::allocate(pts, kir::seq({points, weights}));
}

}  // namespace

void register_signal_templates(TemplateTable& t) {
  t.push_back({"DFT", OpTemplate{nullptr, lower_dft}});
  t.push_back({"STFT", OpTemplate{nullptr, lower_stft}});
  t.push_back({"HannWindow", OpTemplate{cosine_window(0.5, 0.5, 0.0), nullptr}});
  t.push_back({"HammingWindow", OpTemplate{cosine_window(25.0 / 46.0, 21.0 / 46.0, 0.0), nullptr}});
  t.push_back({"BlackmanWindow", OpTemplate{cosine_window(0.42, 0.5, 0.08), nullptr}});
  t.push_back({"MelWeightMatrix", OpTemplate{nullptr, lower_mel}});
  register_linalg_templates(t);
}

}  // namespace stitch::lower
