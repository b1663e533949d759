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
#include "support/convert_value.h"

namespace stitch::reference::elementwise {

using ::stitch::convert_value;

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
