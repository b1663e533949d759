// Loops shared by the elementwise reference kernels: unary maps, NumPy-broadcast binary maps and
// well-defined conversions between element types. Part of reference/kernels/; private to the
// elementwise family (reference/kernels/elementwise*.cc).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "reference/kernel_registry.h"

namespace stitch::reference::elementwise {

// double -> float rounding to odd: exact values stay, inexact ones become the neighbour toward
// zero with the last bit set. A second rounding to float16/bfloat16 (far fewer bits) then gives
// the correctly rounded result that rounding twice to nearest would sometimes miss.
inline float double_to_float_round_odd(double d) {
  float f = static_cast<float>(d);
  if (std::isnan(d) || static_cast<double>(f) == d) return f;
  if (std::fabs(static_cast<double>(f)) > std::fabs(d)) f = std::nextafter(f, 0.0f);
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  bits |= 1u;
  std::memcpy(&f, &bits, sizeof(bits));
  return f;
}

// Converts one value to Out without undefined behaviour: floats to integers truncate toward zero
// and saturate (NaN becomes 0), anything to bool is "!= 0" (NaN is true, as in NumPy).
template <typename Out, typename In>
Out convert_value(In x) {
  using CI = ComputeType<In>;
  using CO = ComputeType<Out>;
  CI v = static_cast<CI>(x);
  if constexpr (std::is_same_v<Out, bool>) {
    return v != CI(0);
  } else if constexpr (std::is_same_v<CI, double> && !std::is_same_v<Out, float> &&
                       std::is_same_v<CO, float>) {
    return static_cast<Out>(double_to_float_round_odd(v));  // double -> float16/bfloat16
  } else if constexpr (std::is_floating_point_v<CI> && std::is_integral_v<CO>) {
    if (std::isnan(v)) return Out(0);
    // lowest() and max() of integers are exact or round up to a power of two in CI.
    if (v <= static_cast<CI>(std::numeric_limits<CO>::lowest())) {
      return std::numeric_limits<CO>::lowest();
    }
    if (v >= static_cast<CI>(std::numeric_limits<CO>::max())) return std::numeric_limits<CO>::max();
    return static_cast<Out>(v);
  } else {
    return static_cast<Out>(static_cast<CO>(v));
  }
}

// The output, allocated here if inference left it undefined.
inline Tensor& ensure_output(KernelContext& ctx, int i, DType dtype, const Shape& shape) {
  Tensor& out = ctx.output(i);
  if (!out.defined() || out.dtype() != dtype || out.shape() != shape) out = Tensor(dtype, shape);
  return out;
}

// The broadcast shape of some inputs; an error if they do not broadcast.
Expected<Shape> broadcast_all(const KernelContext& ctx, int first, int count);

// out[i] = f(x[i]) with f taking and returning compute-type values (float for 16-bit floats).
template <typename In, typename Out, typename F>
void map_unary(const Tensor& x, Tensor& out, F f) {
  const In* px = x.data<In>();
  Out* po = out.data<Out>();
  for (int64_t i = 0; i < out.numel(); ++i) {
    po[i] = static_cast<Out>(f(static_cast<ComputeType<In>>(px[i])));
  }
}

// out = f(a, b) with NumPy broadcasting of a and b to out's shape.
template <typename A, typename B, typename Out, typename F>
void map_binary(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const A* pa = a.data<A>();
  const B* pb = b.data<B>();
  Out* po = out.data<Out>();
  if (a.shape() == out.shape() && b.shape() == out.shape()) {
    for (int64_t i = 0; i < out.numel(); ++i) {
      po[i] = static_cast<Out>(
          f(static_cast<ComputeType<A>>(pa[i]), static_cast<ComputeType<B>>(pb[i])));
    }
    return;
  }
  BroadcastIndexer ia(a.shape(), out.shape());
  BroadcastIndexer ib(b.shape(), out.shape());
  for (int64_t i = 0; i < out.numel(); ++i) {
    po[i] = static_cast<Out>(
        f(static_cast<ComputeType<A>>(pa[ia(i)]), static_cast<ComputeType<B>>(pb[ib(i)])));
  }
}

// +, - and * that wrap around for integers (two's complement, as NumPy) instead of hitting
// signed-overflow UB; plain arithmetic for floats.
template <typename T>
T wrap_add(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a + b;
  } else {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  }
}
template <typename T>
T wrap_sub(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a - b;
  } else {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  }
}
template <typename T>
T wrap_mul(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a * b;
  } else {
    using U = std::make_unsigned_t<T>;
    // Promote small types to unsigned int so uint16 * uint16 cannot overflow a signed int.
    using P = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
    return static_cast<T>(
        static_cast<U>(static_cast<P>(static_cast<U>(a)) * static_cast<P>(static_cast<U>(b))));
  }
}

void register_elementwise_binary_kernels(KernelRegistry& r);
void register_elementwise_unary_kernels(KernelRegistry& r);
void register_elementwise_misc_kernels(KernelRegistry& r);
void register_elementwise_cast_kernels(KernelRegistry& r);

}  // namespace stitch::reference::elementwise
