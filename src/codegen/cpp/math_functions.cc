// The kir Call name -> C++ spelling table (see math_functions.h). Part of codegen/cpp/.
#include "codegen/cpp/math_functions.h"

namespace stitch::codegen::cpp {
namespace {

// <cmath> overloads std:: functions for float and double, so one spelling serves both; float16
// and bfloat16 values are computed as float. "round" is ONNX Round: halves to even, which is
// std::nearbyint under the default rounding mode (std::round rounds halves away from zero).
constexpr MathFunction kTable[] = {
    {"abs", "stitch_abs", 1, true},      {"acos", "std::acos", 1, false},
    {"asin", "std::asin", 1, false},     {"atan", "std::atan", 1, false},
    {"ceil", "std::ceil", 1, false},     {"cos", "std::cos", 1, false},
    {"cosh", "std::cosh", 1, false},     {"erf", "std::erf", 1, false},
    {"exp", "std::exp", 1, false},       {"exp2", "std::exp2", 1, false},
    {"expm1", "std::expm1", 1, false},   {"fabs", "std::fabs", 1, false},
    {"floor", "std::floor", 1, false},   {"fmod", "std::fmod", 2, false},
    {"log", "std::log", 1, false},       {"log1p", "std::log1p", 1, false},
    {"log2", "std::log2", 1, false},     {"nearbyint", "std::nearbyint", 1, false},
    {"pow", "std::pow", 2, false},       {"round", "std::nearbyint", 1, false},
    {"rsqrt", "stitch_rsqrt", 1, false}, {"sigmoid", "stitch_sigmoid", 1, false},
    {"sin", "std::sin", 1, false},       {"sinh", "std::sinh", 1, false},
    {"sqrt", "std::sqrt", 1, false},     {"tan", "std::tan", 1, false},
    {"tanh", "std::tanh", 1, false},     {"trunc", "std::trunc", 1, false},
};

}  // namespace

const MathFunction* find_math_function(const std::string& name) {
  for (const MathFunction& f : kTable) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace stitch::codegen::cpp
