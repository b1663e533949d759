// Well-defined conversions between element types (the semantics of ONNX Cast): floats to
// integers truncate toward zero and saturate, NaN becomes 0, anything to bool is "!= 0", double
// to float16/bfloat16 rounds once. Part of support/; the reference kernels and the runtime's
// host ops share it.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "support/dtype.h"

namespace stitch {

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

}  // namespace stitch
