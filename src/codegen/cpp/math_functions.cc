// The kir Call name -> C++ spelling table (see math_functions.h). Part of codegen/cpp/.
#include "codegen/cpp/math_functions.h"

namespace stitch::codegen::cpp {
namespace {

// <cmath> overloads std:: functions for float and double, so one spelling serves both; float16
// and bfloat16 values are computed as float. exp, log, erf, tanh and sigmoid are the prelude's
// (vector_math_prelude.inc): vectorizable approximations on float with AVX2 + FMA, libm
// otherwise, and overloaded on vectors. "round" is ONNX Round: halves to even, which is
// std::nearbyint under the default rounding mode (std::round rounds halves away from zero).
constexpr MathFunction kTable[] = {
    {"abs", "stitch_abs", 1, true},          {"acos", "std::acos", 1, false},
    {"asin", "std::asin", 1, false},         {"atan", "std::atan", 1, false},
    {"ceil", "std::ceil", 1, false},         {"cos", "std::cos", 1, false},
    {"cosh", "std::cosh", 1, false},         {"erf", "stitch_erf", 1, false, true},
    {"exp", "stitch_exp", 1, false, true},   {"exp2", "std::exp2", 1, false},
    {"expm1", "std::expm1", 1, false},       {"fabs", "std::fabs", 1, false},
    {"floor", "std::floor", 1, false},       {"fmod", "std::fmod", 2, false},
    {"log", "stitch_log", 1, false, true},   {"log1p", "std::log1p", 1, false},
    {"log2", "std::log2", 1, false},         {"nearbyint", "std::nearbyint", 1, false},
    {"pow", "std::pow", 2, false},           {"round", "std::nearbyint", 1, false},
    {"rsqrt", "stitch_rsqrt", 1, false},     {"sigmoid", "stitch_sigmoid", 1, false, true},
    {"sin", "std::sin", 1, false},           {"sinh", "std::sinh", 1, false},
    {"sqrt", "std::sqrt", 1, false},         {"tan", "std::tan", 1, false},
    {"tanh", "stitch_tanh", 1, false, true}, {"trunc", "std::trunc", 1, false},
    {"acosh", "std::acosh", 1, false},       {"asinh", "std::asinh", 1, false},
    {"atanh", "std::atanh", 1, false},       {"log10", "std::log10", 1, false},
};

// Integer ops spelled as immediately invoked generic lambdas, so the prelude needs no helper.
// ipow: power by squaring in unsigned arithmetic (wraps like the reference, without the UB of
// promotion to int). Shifts by the bit width or more give 0 (C leaves them undefined).
constexpr MathFunction kIntegerTable[] = {
    {"ipow",
     "[](auto b, auto e) { using T = decltype(b); using U = std::conditional_t<(sizeof(T) < 4), "
     "uint32_t, std::make_unsigned_t<T>>; U r = 1, x = static_cast<U>(b); for (auto k = e; k > 0; "
     "k >>= 1) { if (k & 1) r *= x; x *= x; } return static_cast<T>(r); }",
     2, true},
    {"shift_left",
     "[](auto x, auto s) { using T = decltype(x); return static_cast<T>(s >= sizeof(T) * 8 ? 0 "
     ": static_cast<uint64_t>(x) << s); }",
     2, true},
    {"shift_right",
     "[](auto x, auto s) { using T = decltype(x); return static_cast<T>(s >= sizeof(T) * 8 ? 0 "
     ": static_cast<uint64_t>(x) >> s); }",
     2, true},
};

}  // namespace

const MathFunction* find_math_function(const std::string& name) {
  for (const MathFunction& f : kTable) {
    if (name == f.name) return &f;
  }
  for (const MathFunction& f : kIntegerTable) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace stitch::codegen::cpp
