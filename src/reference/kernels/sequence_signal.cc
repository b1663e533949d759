// Reference kernels of the signal ops: DFT, STFT, Hann / Hamming / Blackman windows and
// MelWeightMatrix. Part of reference/kernels/ (sequence family).
//
// The transforms are the O(n^2) definition evaluated in double, the twiddle angle reduced
// modulo n first so large indices keep their precision.
#include <cmath>
#include <complex>
#include <string>

#include "reference/kernels/reduce_util.h"

namespace stitch::reference {

void register_sequence_signal_kernels(KernelRegistry& r);

namespace {

constexpr double kPi = 3.14159265358979323846;
using Complex = std::complex<double>;

Status write_doubles(const std::vector<double>& values, Tensor& out) {
  return visit_numeric(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < out.numel(); ++i) {
      out.data<T>()[i] = static_cast<T>(static_cast<ComputeType<T>>(values[i]));
    }
    return Status::ok();
  });
}

// The first `bins` coefficients of the length-n DFT of `x` (zero-padded or cut to n).
std::vector<Complex> dft(const std::vector<Complex>& x, int64_t n, int64_t bins, bool inverse) {
  std::vector<Complex> out(static_cast<size_t>(bins));
  double sign = inverse ? 1.0 : -1.0;
  int64_t used = std::min<int64_t>(n, static_cast<int64_t>(x.size()));
  for (int64_t k = 0; k < bins; ++k) {
    Complex s = 0;
    for (int64_t j = 0; j < used; ++j) {
      double angle = sign * 2 * kPi * static_cast<double>((j * k) % n) / static_cast<double>(n);
      s += x[j] * Complex(std::cos(angle), std::sin(angle));
    }
    out[k] = inverse ? s / static_cast<double>(n) : s;
  }
  return out;
}

Status dft_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t rank = x.rank();
  if (rank < 3 || (x.shape().back() != 1 && x.shape().back() != 2)) {
    return error("input must be [batch, signal dims..., 1 or 2], got ", x.type_string());
  }
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node().attr_int("axis", 1), rank));
  if (axis == 0 || axis == rank - 1) return error("axis ", axis, " is not a signal dim");
  bool inverse = ctx.node().attr_int("inverse", 0) != 0;
  bool onesided = ctx.node().attr_int("onesided", 0) != 0;
  int64_t comps = x.shape().back();
  if (onesided && (inverse || comps == 2)) {
    return error("unsupported: onesided DFT of complex input or inverse onesided DFT");
  }
  Shape signal_shape(x.shape().begin(), x.shape().end() - 1);
  AxisView in = axis_view(signal_shape, axis);
  int64_t n = ctx.has_input(1) ? static_cast<int64_t>(optional_scalar(ctx, 1, 0)) : in.n;
  if (n <= 0) return error("dft_length must be > 0, got ", n);
  int64_t bins = onesided ? n / 2 + 1 : n;
  Shape out_shape = x.shape();
  out_shape[axis] = bins;
  out_shape.back() = 2;
  Tensor* out = prepare_output(ctx, 0, x.dtype(), out_shape);
  if (!out) return Status::ok();
  std::vector<double> result(static_cast<size_t>(out->numel()));
  std::vector<Complex> line(static_cast<size_t>(in.n));
  for (int64_t o = 0; o < in.outer; ++o) {
    for (int64_t i = 0; i < in.inner; ++i) {
      for (int64_t j = 0; j < in.n; ++j) {
        int64_t at = in.at(o, j, i) * comps;
        line[j] = Complex(x.as_double(at), comps == 2 ? x.as_double(at + 1) : 0.0);
      }
      std::vector<Complex> y = dft(line, n, bins, inverse);
      for (int64_t k = 0; k < bins; ++k) {
        int64_t at = ((o * bins + k) * in.inner + i) * 2;
        result[at] = y[k].real();
        result[at + 1] = y[k].imag();
      }
    }
  }
  return write_doubles(result, *out);
}

Status stft_kernel(KernelContext& ctx) {
  const Tensor& signal = ctx.input(0);
  if (signal.rank() != 3 || (signal.dim(2) != 1 && signal.dim(2) != 2)) {
    return error("signal must be [batch, length, 1 or 2], got ", signal.type_string());
  }
  int64_t step = static_cast<int64_t>(optional_scalar(ctx, 1, 0));
  const Tensor* window = ctx.has_input(2) ? &ctx.input(2) : nullptr;
  int64_t length = ctx.has_input(3) ? static_cast<int64_t>(optional_scalar(ctx, 3, 0))
                                    : (window ? window->numel() : 0);
  if (window && window->numel() != length) return error("window length != frame_length");
  if (step <= 0 || length <= 0 || length > signal.dim(1)) {
    return error("bad frame_step ", step, " / frame_length ", length);
  }
  bool onesided = ctx.node().attr_int("onesided", 1) != 0;
  int64_t comps = signal.dim(2);
  if (onesided && comps == 2) return error("unsupported: onesided STFT of a complex signal");
  int64_t frames = (signal.dim(1) - length) / step + 1;
  int64_t bins = onesided ? length / 2 + 1 : length;
  Tensor* out = prepare_output(ctx, 0, signal.dtype(), {signal.dim(0), frames, bins, 2});
  if (!out) return Status::ok();
  std::vector<double> result(static_cast<size_t>(out->numel()));
  std::vector<Complex> frame(static_cast<size_t>(length));
  for (int64_t b = 0; b < signal.dim(0); ++b) {
    for (int64_t f = 0; f < frames; ++f) {
      for (int64_t j = 0; j < length; ++j) {
        int64_t at = (b * signal.dim(1) + f * step + j) * comps;
        double w = window ? window->as_double(j) : 1.0;
        frame[j] = w * Complex(signal.as_double(at), comps == 2 ? signal.as_double(at + 1) : 0.0);
      }
      std::vector<Complex> y = dft(frame, length, bins, false);
      for (int64_t k = 0; k < bins; ++k) {
        int64_t at = ((b * frames + f) * bins + k) * 2;
        result[at] = y[k].real();
        result[at + 1] = y[k].imag();
      }
    }
  }
  return write_doubles(result, *out);
}

// Generalized cosine window a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N), N = size when
// periodic, size - 1 when symmetric.
Status window_kernel(KernelContext& ctx, double a0, double a1, double a2) {
  if (ctx.input(0).numel() != 1) return error("size must be a scalar");
  int64_t size = ctx.input(0).as_int64(0);
  if (size < 0) return error("size must be >= 0, got ", size);
  int64_t code = ctx.node().attr_int("output_datatype", 1);
  if (!dtype_is_valid(static_cast<int>(code))) return error("bad output_datatype ", code);
  bool periodic = ctx.node().attr_int("periodic", 1) != 0;
  double denom = static_cast<double>(periodic ? size : size - 1);
  std::vector<double> w(static_cast<size_t>(size));
  for (int64_t i = 0; i < size; ++i) {
    double t = denom > 0 ? static_cast<double>(i) / denom : 0.0;
    w[i] = a0 - a1 * std::cos(2 * kPi * t) + a2 * std::cos(4 * kPi * t);
  }
  Tensor* out = prepare_output(ctx, 0, static_cast<DType>(code), {size});
  return out ? write_doubles(w, *out) : Status::ok();
}

double hz_to_mel(double hz) { return 2595 * std::log10(1 + hz / 700); }
double mel_to_hz(double mel) { return 700 * (std::pow(10, mel / 2595) - 1); }

// Triangular filters between num_mel_bins + 2 points spaced evenly on the mel scale, mapped
// to spectrogram bins, exactly as the ONNX reference builds them (including its mel step of
// range / (num_mel_bins + 2)).
Status mel_kernel(KernelContext& ctx) {
  int64_t num_mel = ctx.input(0).as_int64(0);
  int64_t dft_length = ctx.input(1).as_int64(0);
  int64_t rate = ctx.input(2).as_int64(0);
  double lower = ctx.input(3).as_double(0);
  double upper = ctx.input(4).as_double(0);
  if (num_mel <= 0 || dft_length <= 0 || rate <= 0) return error("bad MelWeightMatrix sizes");
  int64_t code = ctx.node().attr_int("output_datatype", 1);
  if (!dtype_is_valid(static_cast<int>(code))) return error("bad output_datatype ", code);
  int64_t spec_bins = dft_length / 2 + 1;
  double low_mel = hz_to_mel(lower);
  double mel_step = (hz_to_mel(upper) - low_mel) / static_cast<double>(num_mel + 2);
  std::vector<int64_t> points(static_cast<size_t>(num_mel + 2));
  for (int64_t i = 0; i < num_mel + 2; ++i) {
    double hz = mel_to_hz(static_cast<double>(i) * mel_step + low_mel);
    points[i] = static_cast<int64_t>(std::floor(static_cast<double>(dft_length + 1) * hz / rate));
  }
  std::vector<double> w(static_cast<size_t>(spec_bins * num_mel), 0.0);
  auto set = [&](int64_t bin, int64_t mel, double v) -> Status {
    if (bin < 0 || bin >= spec_bins)
      return error("mel filter point ", bin, " outside the spectrum");
    w[bin * num_mel + mel] = v;
    return Status::ok();
  };
  for (int64_t i = 0; i < num_mel; ++i) {
    int64_t lo = points[i], center = points[i + 1], hi = points[i + 2];
    if (center == lo) {
      STITCH_RETURN_IF_ERROR(set(center, i, 1.0));
    } else {
      for (int64_t j = lo; j <= center; ++j) {
        STITCH_RETURN_IF_ERROR(set(j, i, static_cast<double>(j - lo) / (center - lo)));
      }
    }
    for (int64_t j = center; j < hi; ++j) {
      STITCH_RETURN_IF_ERROR(set(j, i, static_cast<double>(hi - j) / (hi - center)));
    }
  }
  Tensor* out = prepare_output(ctx, 0, static_cast<DType>(code), {spec_bins, num_mel});
  return out ? write_doubles(w, *out) : Status::ok();
}

}  // namespace

void register_sequence_signal_kernels(KernelRegistry& r) {
  r.add("", "DFT", dft_kernel);
  r.add("", "STFT", stft_kernel);
  r.add("", "HannWindow", [](KernelContext& ctx) { return window_kernel(ctx, 0.5, 0.5, 0.0); });
  r.add("", "HammingWindow",
        [](KernelContext& ctx) { return window_kernel(ctx, 25.0 / 46.0, 21.0 / 46.0, 0.0); });
  r.add("", "BlackmanWindow",
        [](KernelContext& ctx) { return window_kernel(ctx, 0.42, 0.5, 0.08); });
  r.add("", "MelWeightMatrix", mel_kernel);
}

}  // namespace stitch::reference
