// Casts between numbers and strings (host_ops.h: cast_string). Part of runtime/host_ops/.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <type_traits>

#include "runtime/host_ops/host_ops.h"
#include "support/convert_value.h"

namespace stitch::runtime::host_ops {
namespace {

// Shortest scientific digits of v that round-trip in T ("1.5e-05").
template <typename T>
std::string shortest_scientific(T v) {
  char buf[64];
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
    return std::string(buf, res.ptr);
  } else {
    // float16/bfloat16: the fewest digits whose float reading rounds back to the same bits.
    float f = static_cast<float>(v);
    for (int precision = 0; precision < 9; ++precision) {
      auto res = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific, precision);
      std::string s(buf, res.ptr);
      if (T(std::strtof(s.c_str(), nullptr)).bits == v.bits) return s;
    }
    return shortest_scientific(f);
  }
}

// Rewrites "d.ddde±XX" (no sign) positionally: "123.45", "0.00123", "100.0".
std::string scientific_to_positional(const std::string& sci) {
  size_t e_pos = sci.find('e');
  std::string digits;
  for (size_t i = 0; i < e_pos; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  int exponent = std::atoi(sci.c_str() + e_pos + 1);
  if (exponent < 0) return "0." + std::string(-exponent - 1, '0') + digits;
  size_t int_len = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= int_len) return digits + std::string(int_len - digits.size(), '0') + ".0";
  return digits.substr(0, int_len) + "." + digits.substr(int_len);
}

template <typename T>
std::string float_to_string(T v) {
  double d = static_cast<double>(static_cast<ComputeType<T>>(v));
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  std::string sign = std::signbit(d) ? "-" : "";
  double a = std::fabs(d);
  if (a == 0) return sign + "0.0";
  std::string sci = shortest_scientific(static_cast<T>(std::signbit(d) ? -d : d));
  if (a >= 1e-4 && a < 1e16) return sign + scientific_to_positional(sci);
  return sign + sci;
}

template <typename T>
std::string number_to_string(T v) {
  if constexpr (std::is_integral_v<T>) {
    return std::to_string(v);
  } else {
    return float_to_string(v);
  }
}

Expected<Tensor> to_strings(const TensorView& x) {
  Tensor out(DType::kString, x.shape);
  STITCH_RETURN_IF_ERROR(visit_numeric(x.dtype, [&](auto tag) -> Status {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      return error("unsupported: Cast from bool to string");
    } else {
      const T* px = x.as<T>();
      for (int64_t i = 0; i < x.numel(); ++i) out.strings()[i] = number_to_string(px[i]);
      return Status::ok();
    }
  }));
  return out;
}

// True when strto* consumed all of the string but trailing spaces.
bool parsed_whole(const char* begin, const char* end) {
  if (end == begin) return false;
  while (*end == ' ') ++end;
  return *end == '\0';
}

// Parses a whole string as Out: "NaN", "INF", "+INF", "-INF" (any case) for floats; for integers
// a decimal integer, or else a float truncated toward zero ("100.5" -> 100, as the spec allows).
template <typename Out>
Status parse_number(const std::string& s, Out& out) {
  const char* begin = s.c_str();
  char* end = nullptr;
  if constexpr (std::is_integral_v<Out>) {
    if constexpr (std::is_signed_v<Out>) {
      out = convert_value<Out>(static_cast<int64_t>(std::strtoll(begin, &end, 10)));
    } else {
      out = convert_value<Out>(static_cast<uint64_t>(std::strtoull(begin, &end, 10)));
    }
    if (parsed_whole(begin, end)) return Status::ok();
  }
  out = convert_value<Out>(std::strtod(begin, &end));
  if (parsed_whole(begin, end)) return Status::ok();
  return error("cannot parse '", s, "' as ", dtype_name(kDTypeOf<Out>));
}

Expected<Tensor> from_strings(const TensorView& x, DType to) {
  Tensor out(to, x.shape);
  STITCH_RETURN_IF_ERROR(visit_numeric(to, [&](auto tag) -> Status {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      return error("unsupported: Cast from string to bool");
    } else {
      T* po = out.data<T>();
      for (int64_t i = 0; i < x.numel(); ++i) {
        STITCH_RETURN_IF_ERROR(parse_number<T>(x.strings[i], po[i]));
      }
      return Status::ok();
    }
  }));
  return out;
}

}  // namespace

Expected<Tensor> cast_string(const TensorView& x, DType to) {
  const bool from_string = x.dtype == DType::kString;
  if (from_string && !x.strings && x.numel() > 0) return error("a string view without strings");
  if (from_string && to == DType::kString) {
    Tensor out(DType::kString, x.shape);
    for (int64_t i = 0; i < x.numel(); ++i) out.strings()[i] = x.strings[i];
    return out;
  }
  if (to == DType::kString) return to_strings(x);
  if (from_string) return from_strings(x, to);
  return error("cast_string: neither ", dtype_name(x.dtype), " nor ", dtype_name(to),
               " is a string type");
}

}  // namespace stitch::runtime::host_ops
