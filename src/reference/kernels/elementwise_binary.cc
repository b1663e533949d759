// Reference kernels of the broadcasting binary ops: arithmetic, Pow, Mod, bit operations,
// comparisons and logic. Part of reference/kernels/ (elementwise family).
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "reference/kernels/elementwise_util.h"

namespace stitch::reference::elementwise {
namespace {

template <typename T>
inline constexpr bool kIsBool = std::is_same_v<T, bool>;
template <typename T>
inline constexpr bool kIsInteger = std::is_integral_v<T> && !kIsBool<T>;

// Input 1 must have input 0's element type (inference checks it; a kernel never trusts it).
Status check_same_dtype(const KernelContext& ctx) {
  if (ctx.input(0).dtype() == ctx.input(1).dtype()) return Status::ok();
  return error("inputs have different element types ", dtype_name(ctx.input(0).dtype()), " and ",
               dtype_name(ctx.input(1).dtype()));
}

// Integer Div and Mod: a zero divisor is an error (C leaves it undefined, NumPy warns).
Status check_no_zero_divisor(const Tensor& b) {
  if (!dtype_is_integer(b.dtype())) return Status::ok();
  for (int64_t i = 0; i < b.numel(); ++i) {
    if (b.as_int64(i) == 0) return error("integer division by zero");
  }
  return Status::ok();
}

// Registers a kernel computing out = f(a, b) in a and b's type, for the types `accepts` admits.
template <typename Accepts, typename F>
void add_binary(KernelRegistry& r, const char* op, Accepts accepts, F f, bool divides = false) {
  r.add("", op, [accepts, f, divides](KernelContext& ctx) -> Status {
    STITCH_RETURN_IF_ERROR(check_same_dtype(ctx));
    if (divides) STITCH_RETURN_IF_ERROR(check_no_zero_divisor(ctx.input(1)));
    STITCH_ASSIGN_OR_RETURN(Shape shape, broadcast_all(ctx, 0, 2));
    const Tensor& a = ctx.input(0);
    Tensor& out = ensure_output(ctx, 0, a.dtype(), shape);
    return visit_numeric(a.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      if constexpr (!decltype(accepts(tag))::value) {
        return error("unsupported: element type ", dtype_name(kDTypeOf<T>));
      } else {
        map_binary<T, T, T>(a, ctx.input(1), out, f);
        return Status::ok();
      }
    });
  });
}

// Type filters for add_binary, as compile-time booleans.
constexpr auto kNotBool = [](auto tag) { return std::bool_constant<!kIsBool<decltype(tag)>>{}; };
constexpr auto kIntegers = [](auto tag) { return std::bool_constant<kIsInteger<decltype(tag)>>{}; };

// Equal on strings (opset 19 allows them).
Status equal_strings(KernelContext& ctx, const Shape& shape) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& out = ensure_output(ctx, 0, DType::kBool, shape);
  BroadcastIndexer ia(a.shape(), shape);
  BroadcastIndexer ib(b.shape(), shape);
  bool* po = out.data<bool>();
  for (int64_t i = 0; i < out.numel(); ++i) po[i] = a.strings()[ia(i)] == b.strings()[ib(i)];
  return Status::ok();
}

// Which element types a comparison or logic op takes.
enum class CompareTypes { kNumeric, kBoolOnly, kWithStrings };

// Registers a comparison or logic op: out (bool) = f(a, b).
template <typename F>
void add_compare(KernelRegistry& r, const char* op, CompareTypes types, F f) {
  r.add("", op, [types, f](KernelContext& ctx) -> Status {
    STITCH_RETURN_IF_ERROR(check_same_dtype(ctx));
    STITCH_ASSIGN_OR_RETURN(Shape shape, broadcast_all(ctx, 0, 2));
    const Tensor& a = ctx.input(0);
    if (types == CompareTypes::kBoolOnly && a.dtype() != DType::kBool) {
      return error("unsupported: element type ", dtype_name(a.dtype()));
    }
    if (types == CompareTypes::kWithStrings && a.dtype() == DType::kString) {
      return equal_strings(ctx, shape);
    }
    Tensor& out = ensure_output(ctx, 0, DType::kBool, shape);
    return visit_numeric(a.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      map_binary<T, T, bool>(a, ctx.input(1), out, f);
      return Status::ok();
    });
  });
}

// Division truncating toward zero for integers; the one overflowing case wraps like NumPy.
template <typename C>
C divide(C a, C b) {
  if constexpr (std::is_integral_v<C> && std::is_signed_v<C>) {
    if (b == C(-1)) return wrap_sub(C(0), a);
  }
  return a / b;
}

// Mod with fmod=1: C's remainder (sign of the dividend).
template <typename C>
C mod_c(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::fmod(a, b);
  } else {
    if constexpr (std::is_signed_v<C>) {
      if (b == C(-1)) return C(0);
    }
    return static_cast<C>(a % b);
  }
}

// Mod with fmod=0: Python's remainder (sign of the divisor).
template <typename C>
C mod_python(C a, C b) {
  C r = mod_c(a, b);
  if constexpr (std::is_signed_v<C>) {
    if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<C>(r + b);
  }
  return r;
}

Status mod_kernel(KernelContext& ctx) {
  STITCH_RETURN_IF_ERROR(check_same_dtype(ctx));
  STITCH_RETURN_IF_ERROR(check_no_zero_divisor(ctx.input(1)));
  STITCH_ASSIGN_OR_RETURN(Shape shape, broadcast_all(ctx, 0, 2));
  const Tensor& a = ctx.input(0);
  bool fmod = ctx.node().attr_int("fmod", 0) != 0;
  if (!fmod && dtype_is_float(a.dtype())) {
    return error("Mod on floating-point inputs requires fmod=1");
  }
  Tensor& out = ensure_output(ctx, 0, a.dtype(), shape);
  return visit_numeric(a.dtype(), [&](auto tag) -> Status {
    using T = decltype(tag);
    if constexpr (kIsBool<T>) {
      return error("unsupported: element type bool");
    } else {
      if (fmod) {
        map_binary<T, T, T>(a, ctx.input(1), out, [](auto x, auto y) { return mod_c(x, y); });
      } else {
        map_binary<T, T, T>(a, ctx.input(1), out, [](auto x, auto y) { return mod_python(x, y); });
      }
      return Status::ok();
    }
  });
}

// Integer power by squaring, wrapping on overflow (NumPy's integer power).
template <typename T, typename E>
T int_pow(T base, E exponent) {
  T result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = wrap_mul(result, base);
    base = wrap_mul(base, base);
    exponent = static_cast<E>(exponent >> 1);
  }
  return result;
}

template <typename T, typename E>
Status pow_typed(const Tensor& a, const Tensor& b, Tensor& out) {
  if constexpr (kIsBool<T> || kIsBool<E>) {
    return error("unsupported: Pow on bool");
  } else if constexpr (std::is_integral_v<T> && std::is_integral_v<E>) {
    if constexpr (std::is_signed_v<E>) {
      for (int64_t i = 0; i < b.numel(); ++i) {
        if (b.data<E>()[i] < 0) {
          return error("unsupported: integer raised to a negative integer power");
        }
      }
    }
    map_binary<T, E, T>(a, b, out, [](T x, E y) { return int_pow(x, y); });
    return Status::ok();
  } else {
    // In double, then back to the base's type (truncating for integer bases, as NumPy's astype).
    map_binary<T, E, T>(a, b, out, [](auto x, auto y) {
      return convert_value<T>(std::pow(static_cast<double>(x), static_cast<double>(y)));
    });
    return Status::ok();
  }
}

Status pow_kernel(KernelContext& ctx) {
  STITCH_ASSIGN_OR_RETURN(Shape shape, broadcast_all(ctx, 0, 2));
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& out = ensure_output(ctx, 0, a.dtype(), shape);
  return visit_numeric(a.dtype(), [&](auto base_tag) -> Status {
    return visit_numeric(b.dtype(), [&](auto exp_tag) -> Status {
      return pow_typed<decltype(base_tag), decltype(exp_tag)>(a, b, out);
    });
  });
}

// Shifts of unsigned integers; shifting by the bit width or more gives 0 (C leaves it undefined).
Status bitshift_kernel(KernelContext& ctx) {
  std::string direction = ctx.node().attr_string("direction", "");
  if (direction != "LEFT" && direction != "RIGHT") {
    return error("attribute direction must be 'LEFT' or 'RIGHT', got '", direction, "'");
  }
  bool left = direction == "LEFT";
  STITCH_RETURN_IF_ERROR(check_same_dtype(ctx));
  STITCH_ASSIGN_OR_RETURN(Shape shape, broadcast_all(ctx, 0, 2));
  const Tensor& a = ctx.input(0);
  Tensor& out = ensure_output(ctx, 0, a.dtype(), shape);
  return visit_integer(a.dtype(), [&](auto tag) -> Status {
    using T = decltype(tag);
    if constexpr (std::is_signed_v<T>) {
      return error("unsupported: BitShift on signed type ", dtype_name(kDTypeOf<T>));
    } else {
      map_binary<T, T, T>(a, ctx.input(1), out, [left](T x, T s) -> T {
        if (s >= sizeof(T) * 8) return T(0);
        uint64_t wide = x;
        return static_cast<T>(left ? wide << s : wide >> s);
      });
      return Status::ok();
    }
  });
}

void register_arithmetic(KernelRegistry& r) {
  add_binary(r, "Add", kNotBool, [](auto a, auto b) { return wrap_add(a, b); });
  add_binary(r, "Sub", kNotBool, [](auto a, auto b) { return wrap_sub(a, b); });
  add_binary(r, "Mul", kNotBool, [](auto a, auto b) { return wrap_mul(a, b); });
  add_binary(
      r, "Div", kNotBool, [](auto a, auto b) { return divide(a, b); }, true);
  r.add("", "Mod", mod_kernel);
  r.add("", "Pow", pow_kernel);
}

void register_bitwise(KernelRegistry& r) {
  add_binary(r, "BitwiseAnd", kIntegers, [](auto a, auto b) { return a & b; });
  add_binary(r, "BitwiseOr", kIntegers, [](auto a, auto b) { return a | b; });
  add_binary(r, "BitwiseXor", kIntegers, [](auto a, auto b) { return a ^ b; });
  r.add("", "BitShift", bitshift_kernel);
}

void register_comparisons(KernelRegistry& r) {
  add_compare(r, "Less", CompareTypes::kNumeric, [](auto a, auto b) { return a < b; });
  add_compare(r, "LessOrEqual", CompareTypes::kNumeric, [](auto a, auto b) { return a <= b; });
  add_compare(r, "Greater", CompareTypes::kNumeric, [](auto a, auto b) { return a > b; });
  add_compare(r, "GreaterOrEqual", CompareTypes::kNumeric, [](auto a, auto b) { return a >= b; });
  add_compare(r, "And", CompareTypes::kBoolOnly, [](auto a, auto b) { return a && b; });
  add_compare(r, "Or", CompareTypes::kBoolOnly, [](auto a, auto b) { return a || b; });
  add_compare(r, "Xor", CompareTypes::kBoolOnly, [](auto a, auto b) { return a != b; });
  add_compare(r, "Equal", CompareTypes::kWithStrings, [](auto a, auto b) { return a == b; });
}

}  // namespace

void register_elementwise_binary_kernels(KernelRegistry& r) {
  register_arithmetic(r);
  register_bitwise(r);
  register_comparisons(r);
}

}  // namespace stitch::reference::elementwise
