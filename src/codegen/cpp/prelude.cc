// The fixed text at the top of every generated translation unit (see prelude.h).
// Part of codegen/cpp/; emit_cpp.cc pastes it before the kernels.
#include "codegen/cpp/prelude.h"

namespace stitch::codegen::cpp {

// The ABI struct is pasted rather than included: the generated source then needs no stitch
// header on the compiler's include path, and its text alone keys the compile cache. It must stay
// identical to include/stitch/kernel_abi.h (a unit test compares the two).
const char* const kPreludeHead = R"(#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

// Vector helpers are internal and inlined, so GCC's note that 64-byte vector arguments changed
// the platform ABI does not apply to them.
#pragma GCC diagnostic ignored "-Wpsabi"

// The kernel ABI, pasted from include/stitch/kernel_abi.h.
extern "C" {
typedef struct stitch_parallel_api {
  void* pool;
  void (*parallel_for)(void* pool, int64_t n, void (*fn)(void* closure, int64_t begin, int64_t end),
                       void* closure);
} stitch_parallel_api;
}
)";

// Notes on the helpers:
// - Vector values are GCC/Clang vector extensions; a vector of bool is a mask of int32 lanes
//   (0 or -1), whatever was compared, so that every bool vector has one C++ type.
// - float16/bfloat16 values are computed as float and rounded to 16 bits only where they are
//   stored or cast (the reference interpreter's rule); the conversions are the ones of
//   src/support/half.h (round to nearest even), so results match it bit for bit.
// - Per-lane helpers (gather, scatter, lanewise) are plain loops over the lanes; the compiler
//   turns those it can into vector instructions.
// - exp, log, erf, tanh and sigmoid are our own vectorizable approximations on float with AVX2
//   and FMA, libm elsewhere (vector_math_prelude.inc, pasted after the lane helpers it uses).
const char* const kPreludeHelpers =
    R"(// Parallel loop bodies are lambdas; parallel_for takes a function pointer and a closure.
template <class F>
void stitch_trampoline(void* closure, int64_t begin, int64_t end) {
  (*static_cast<F*>(closure))(begin, end);
}

// Integer division and modulo round toward negative infinity (kir semantics); C++ truncates.
template <class T>
inline T stitch_floordiv(T a, T b) {
  const T q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? static_cast<T>(q - 1) : q;
}
template <class T>
inline T stitch_floormod(T a, T b) {
  const T r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
}
inline float stitch_floormod(float a, float b) {
  const float r = std::fmod(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
inline double stitch_floormod(double a, double b) {
  const double r = std::fmod(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

// Index arithmetic mixes int64_t variables with int literals (i % 8): the mixed overloads
// compute in the common type rather than fail to deduce one T.
template <class A, class B>
inline std::common_type_t<A, B> stitch_floordiv(A a, B b) {
  using T = std::common_type_t<A, B>;
  return stitch_floordiv(static_cast<T>(a), static_cast<T>(b));
}
template <class A, class B>
inline std::common_type_t<A, B> stitch_floormod(A a, B b) {
  using T = std::common_type_t<A, B>;
  return stitch_floormod(static_cast<T>(a), static_cast<T>(b));
}

// Also for vectors (lane-wise through the vector ?:).
template <class T>
inline T stitch_min(T a, T b) {
  return a < b ? a : b;
}
template <class T>
inline T stitch_max(T a, T b) {
  return a < b ? b : a;
}
template <class A, class B>
inline std::common_type_t<A, B> stitch_min(A a, B b) {
  using T = std::common_type_t<A, B>;
  return stitch_min(static_cast<T>(a), static_cast<T>(b));
}
template <class A, class B>
inline std::common_type_t<A, B> stitch_max(A a, B b) {
  using T = std::common_type_t<A, B>;
  return stitch_max(static_cast<T>(a), static_cast<T>(b));
}
template <class T>
inline T stitch_abs(T x) {
  return x < 0 ? static_cast<T>(-x) : x;
}
template <class T>
inline T stitch_rsqrt(T x) {
  return T(1) / std::sqrt(x);
}

// 16-bit floats in memory.
struct stitch_f16 {
  uint16_t bits;
};
struct stitch_bf16 {
  uint16_t bits;
};
inline float stitch_bits_to_float(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
inline uint32_t stitch_float_to_bits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}
inline float stitch_widen(stitch_f16 h) {
  const uint32_t sign = (static_cast<uint32_t>(h.bits) & 0x8000u) << 16;
  const uint32_t exp = (h.bits >> 10) & 0x1fu;
  uint32_t mant = h.bits & 0x3ffu;
  if (exp == 31) return stitch_bits_to_float(sign | 0x7f800000u | (mant << 13));
  if (exp != 0) return stitch_bits_to_float(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  if (mant == 0) return stitch_bits_to_float(sign);
  int e = -1;
  do {
    ++e;
    mant <<= 1;
  } while ((mant & 0x400u) == 0);
  return stitch_bits_to_float(sign | (static_cast<uint32_t>(127 - 15 - e) << 23) |
                              ((mant & 0x3ffu) << 13));
}
inline float stitch_widen(stitch_bf16 b) {
  return stitch_bits_to_float(static_cast<uint32_t>(b.bits) << 16);
}
inline stitch_f16 stitch_to_f16(float f) {
  const uint32_t x = stitch_float_to_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t exp = (x >> 23) & 0xffu;
  uint32_t mant = x & 0x7fffffu;
  if (exp == 0xff) return {static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u))};
  const int32_t e = static_cast<int32_t>(exp) - 127 + 15;
  if (e >= 31) return {static_cast<uint16_t>(sign | 0x7c00u)};
  if (e <= 0) {
    if (e < -10) return {static_cast<uint16_t>(sign)};
    mant |= 0x800000u;
    const uint32_t shift = static_cast<uint32_t>(14 - e);
    uint32_t half_mant = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (half_mant & 1u))) ++half_mant;
    return {static_cast<uint16_t>(sign | half_mant)};
  }
  uint32_t half = sign | (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) ++half;
  return {static_cast<uint16_t>(half)};
}
inline stitch_bf16 stitch_to_bf16(float f) {
  const uint32_t x = stitch_float_to_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return {static_cast<uint16_t>((x >> 16) | 0x40u)};
  return {static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16)};
}
// A float rounded to the nearest 16-bit float, still held in a float (a cast to float16).
inline float stitch_round_f16(float f) { return stitch_widen(stitch_to_f16(f)); }
inline float stitch_round_bf16(float f) { return stitch_widen(stitch_to_bf16(f)); }
// A double to float rounded to odd (inexact values keep the neighbour toward zero, last bit
// set): rounding that float again to 16 bits then rounds the double correctly, which rounding
// to nearest twice would sometimes miss.
inline float stitch_float_round_odd(double d) {
  float f = static_cast<float>(d);
  if (d != d || static_cast<double>(f) == d) return f;
  if (std::fabs(static_cast<double>(f)) > std::fabs(d)) f = std::nextafter(f, 0.0f);
  return stitch_bits_to_float(stitch_float_to_bits(f) | 1u);
}
inline float stitch_round_f16(double d) { return stitch_round_f16(stitch_float_round_odd(d)); }
inline float stitch_round_bf16(double d) { return stitch_round_bf16(stitch_float_round_odd(d)); }

// A float or double to an integer type the reference's way: truncated toward zero, saturated
// at the type's limits, NaN to 0 (a plain cast is undefined out of range).
template <class T, class F>
inline T stitch_float_to_int(F x) {
  if (x != x) return T(0);
  // lowest() and max() are exact in F or round up to a power of two, so the compares are
  // exact and every x strictly inside converts without overflow.
  constexpr T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
  if (x <= static_cast<F>(lo)) return lo;
  if (x >= static_cast<F>(hi)) return hi;
  return static_cast<T>(x);
}

// One lane of memory (type S) to one lane of a value (type E), and back.
template <class E, class S>
inline E stitch_lane_in(S s) {
  if constexpr (std::is_same_v<S, stitch_f16> || std::is_same_v<S, stitch_bf16>) {
    return stitch_widen(s);
  } else if constexpr (std::is_same_v<S, bool> && !std::is_same_v<E, bool>) {
    return s ? E(-1) : E(0);  // a bool vector lane is a mask
  } else {
    return s;
  }
}
template <class S, class E>
inline S stitch_lane_out(E e) {
  if constexpr (std::is_same_v<S, stitch_f16>) {
    return stitch_to_f16(e);
  } else if constexpr (std::is_same_v<S, stitch_bf16>) {
    return stitch_to_bf16(e);
  } else if constexpr (std::is_same_v<S, bool>) {
    return e != 0;
  } else {
    return e;
  }
}

template <class V>
using stitch_elem_t = std::remove_cv_t<std::remove_reference_t<decltype(std::declval<V&>()[0])>>;
template <class V>
constexpr int stitch_lanes = static_cast<int>(sizeof(V) / sizeof(stitch_elem_t<V>));

template <class V>
inline V stitch_splat(stitch_elem_t<V> x) {
  V v{};
  for (int l = 0; l < stitch_lanes<V>; ++l) v[l] = x;
  return v;
}
template <class V>
inline V stitch_ramp(stitch_elem_t<V> base, stitch_elem_t<V> stride) {
  V v{};
  for (int l = 0; l < stitch_lanes<V>; ++l) v[l] = base + stride * l;
  return v;
}
// Contiguous vector load and store at p[0 .. lanes).
template <class V, class S>
inline V stitch_vload(const S* p) {
  V v{};
  if constexpr (std::is_same_v<stitch_elem_t<V>, S>) {
    __builtin_memcpy(&v, p, sizeof(V));
  } else {
    for (int l = 0; l < stitch_lanes<V>; ++l) v[l] = stitch_lane_in<stitch_elem_t<V>>(p[l]);
  }
  return v;
}
template <class S, class V>
inline void stitch_vstore(S* p, V v) {
  if constexpr (std::is_same_v<stitch_elem_t<V>, S>) {
    __builtin_memcpy(p, &v, sizeof(V));
  } else {
    for (int l = 0; l < stitch_lanes<V>; ++l) p[l] = stitch_lane_out<S>(v[l]);
  }
}
// Loads and stores at an arbitrary vector of indices.
template <class V, class S, class I>
inline V stitch_gather(const S* p, I index) {
  V v{};
  for (int l = 0; l < stitch_lanes<V>; ++l) v[l] = stitch_lane_in<stitch_elem_t<V>>(p[index[l]]);
  return v;
}
template <class S, class I, class V>
inline void stitch_scatter(S* p, I index, V v) {
  for (int l = 0; l < stitch_lanes<V>; ++l) p[index[l]] = stitch_lane_out<S>(v[l]);
}
// f applied lane by lane; scalar arguments are passed to every lane.
template <class T>
inline auto stitch_lane(T v, int l) {
  if constexpr (std::is_arithmetic_v<T>) {
    return v;
  } else {
    return v[l];
  }
}
template <class V, class F, class... A>
inline V stitch_lanewise(F f, A... args) {
  V v{};
  for (int l = 0; l < stitch_lanes<V>; ++l) v[l] = f(stitch_lane(args, l)...);
  return v;
}

)"
#include "codegen/cpp/vector_math_prelude.inc"
    R"(
// Heap scratch for an Allocate too large or too dynamic for the stack, 64-byte aligned and
// freed at scope end. Kernels have no error channel, so running out of memory aborts.
template <class T>
class stitch_scratch {
 public:
  explicit stitch_scratch(int64_t count) {
    const size_t n = count > 0 ? static_cast<size_t>(count) : 1;
    p_ = static_cast<T*>(std::aligned_alloc(64, (n * sizeof(T) + 63) & ~size_t{63}));
    if (p_ == nullptr) std::abort();
  }
  ~stitch_scratch() { std::free(p_); }
  stitch_scratch(const stitch_scratch&) = delete;
  stitch_scratch& operator=(const stitch_scratch&) = delete;
  T* get() const { return p_; }

 private:
  T* p_;
};
)";

}  // namespace stitch::codegen::cpp
