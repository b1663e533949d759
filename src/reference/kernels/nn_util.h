// Helpers of the nn reference kernels: dtype-erased copies into accumulation buffers and back,
// and the quantization rounding rule. Part of reference/kernels/ (private to the nn family).
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "graph/ops/nn_util.h"
#include "reference/kernel_registry.h"

namespace stitch::reference {

// The parts of register_nn_kernels, one per file reference/kernels/nn_<part>.cc.
void register_nn_conv_kernels(KernelRegistry& r);
void register_nn_matmul_kernels(KernelRegistry& r);
void register_nn_pool_kernels(KernelRegistry& r);
void register_nn_norm_kernels(KernelRegistry& r);
void register_nn_quant_kernels(KernelRegistry& r);

using graph::nn::WindowGeometry;

namespace nn {

// The accumulator of a dot product over T: double for every float type (long float sums
// that cancel lose several digits in float, and this is the oracle), 64-bit integers for the
// integer types (wrapping back to T like the integer ops of ONNX Runtime do).
template <typename T>
using AccOf =
    std::conditional_t<std::is_floating_point_v<ComputeType<T>>, double,
                       std::conditional_t<std::is_signed_v<ComputeType<T>>, int64_t, uint64_t>>;

// All elements of a numeric tensor, converted to A.
template <typename A>
std::vector<A> to_vector(const Tensor& t) {
  std::vector<A> out(static_cast<size_t>(t.numel()));
  Status s = visit_numeric(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<A>(static_cast<ComputeType<T>>(p[i]));
    return Status::ok();
  });
  STITCH_CHECK(s.is_ok(), s.message());
  return out;
}

// Writes values (converted) into an allocated numeric tensor of the same element count.
template <typename A>
void from_vector(const std::vector<A>& values, Tensor& out) {
  STITCH_CHECK(static_cast<int64_t>(values.size()) == out.numel(), "size mismatch");
  Status s = visit_numeric(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    for (size_t i = 0; i < values.size(); ++i) {
      p[i] = static_cast<T>(static_cast<ComputeType<T>>(values[i]));
    }
    return Status::ok();
  });
  STITCH_CHECK(s.is_ok(), s.message());
}

// Round half to even, then clamp into [lo, hi] (the QuantizeLinear rule).
inline int64_t round_saturate(double v, int64_t lo, int64_t hi) {
  if (std::isnan(v)) return 0;
  double r = std::nearbyint(v);  // the default rounding mode is to-nearest-even
  if (r < static_cast<double>(lo)) return lo;
  if (r > static_cast<double>(hi)) return hi;
  return static_cast<int64_t>(r);
}

// The representable range of an integer dtype (int8, uint8, int32...).
inline void int_range(DType t, int64_t& lo, int64_t& hi) {
  switch (t) {
    case DType::kInt8:
      lo = -128;
      hi = 127;
      break;
    case DType::kUInt8:
      lo = 0;
      hi = 255;
      break;
    case DType::kInt16:
      lo = -32768;
      hi = 32767;
      break;
    case DType::kUInt16:
      lo = 0;
      hi = 65535;
      break;
    case DType::kInt32:
      lo = INT32_MIN;
      hi = INT32_MAX;
      break;
    default:
      lo = INT64_MIN;
      hi = INT64_MAX;
      break;
  }
}

// Per-tensor or per-channel quantization parameter: value for channel c.
inline double param_at(const std::vector<double>& p, int64_t c) {
  return p.size() == 1 ? p[0] : p[static_cast<size_t>(c)];
}

}  // namespace nn
}  // namespace stitch::reference
