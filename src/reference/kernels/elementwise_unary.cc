// Reference kernels of the unary elementwise ops: math functions and activations.
// Part of reference/kernels/ (elementwise family). Floating-point ops compute in double and
// round once to the output type, so float16/bfloat16/float32 results are as exact as they can be.
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "reference/kernels/elementwise_util.h"

namespace stitch::reference::elementwise {
namespace {

using graph::Node;

// Registers a floating-point op. `make` builds, from the node's attributes, a double -> double
// function.
template <typename Make>
void add_float_unary(KernelRegistry& r, const char* op, Make make) {
  r.add("", op, [make](KernelContext& ctx) -> Status {
    auto f = make(ctx.node());
    const Tensor& x = ctx.input(0);
    Tensor& out = ensure_output(ctx, 0, x.dtype(), x.shape());
    return visit_float(x.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      map_unary<T, T>(x, out, [&f](auto v) { return convert_value<T>(f(static_cast<double>(v))); });
      return Status::ok();
    });
  });
}

// A function of x alone, for ops without attributes.
template <typename F>
auto plain(F f) {
  return [f](const Node&) { return f; };
}

double sigmoid(double x) {
  // Two forms so that exp never overflows.
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}

double softplus(double x) {
  // log(1 + exp(x)) without overflow for large x.
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

double round_half_even(double x) {
  double r = std::round(x);  // half away from zero
  if (std::fabs(x - std::trunc(x)) == 0.5) r = 2.0 * std::round(x / 2.0);
  return r;
}

void register_math(KernelRegistry& r) {
  add_float_unary(r, "Exp", plain([](double x) { return std::exp(x); }));
  add_float_unary(r, "Log", plain([](double x) { return std::log(x); }));
  add_float_unary(r, "Sqrt", plain([](double x) { return std::sqrt(x); }));
  add_float_unary(r, "Reciprocal", plain([](double x) { return 1.0 / x; }));
  add_float_unary(r, "Floor", plain([](double x) { return std::floor(x); }));
  add_float_unary(r, "Ceil", plain([](double x) { return std::ceil(x); }));
  add_float_unary(r, "Round", plain(round_half_even));
  add_float_unary(r, "Sin", plain([](double x) { return std::sin(x); }));
  add_float_unary(r, "Cos", plain([](double x) { return std::cos(x); }));
  add_float_unary(r, "Tan", plain([](double x) { return std::tan(x); }));
  add_float_unary(r, "Asin", plain([](double x) { return std::asin(x); }));
  add_float_unary(r, "Acos", plain([](double x) { return std::acos(x); }));
  add_float_unary(r, "Atan", plain([](double x) { return std::atan(x); }));
  add_float_unary(r, "Sinh", plain([](double x) { return std::sinh(x); }));
  add_float_unary(r, "Cosh", plain([](double x) { return std::cosh(x); }));
  add_float_unary(r, "Asinh", plain([](double x) { return std::asinh(x); }));
  add_float_unary(r, "Acosh", plain([](double x) { return std::acosh(x); }));
  add_float_unary(r, "Atanh", plain([](double x) { return std::atanh(x); }));
  add_float_unary(r, "Erf", plain([](double x) { return std::erf(x); }));
  add_float_unary(r, "Tanh", plain([](double x) { return std::tanh(x); }));
}

void register_activations(KernelRegistry& r) {
  add_float_unary(r, "Sigmoid", plain(sigmoid));
  add_float_unary(r, "Softplus", plain(softplus));
  add_float_unary(r, "Softsign", plain([](double x) { return x / (1.0 + std::fabs(x)); }));
  add_float_unary(r, "Mish", plain([](double x) { return x * std::tanh(softplus(x)); }));
  add_float_unary(r, "HardSwish",
                  plain([](double x) { return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5)); }));
  add_float_unary(r, "LeakyRelu", [](const Node& n) {
    double alpha = n.attr_float("alpha", 0.01f);
    return [alpha](double x) { return x < 0 ? alpha * x : x; };
  });
  add_float_unary(r, "Elu", [](const Node& n) {
    double alpha = n.attr_float("alpha", 1.0f);
    return [alpha](double x) { return x < 0 ? alpha * std::expm1(x) : x; };
  });
  add_float_unary(r, "Selu", [](const Node& n) {
    double alpha = n.attr_float("alpha", 1.67326319217681884765625f);
    double gamma = n.attr_float("gamma", 1.05070102214813232421875f);
    return [alpha, gamma](double x) { return gamma * (x > 0 ? x : alpha * std::expm1(x)); };
  });
  add_float_unary(r, "Celu", [](const Node& n) {
    double alpha = n.attr_float("alpha", 1.0f);
    return [alpha](double x) {
      return std::max(0.0, x) + std::min(0.0, alpha * std::expm1(x / alpha));
    };
  });
  add_float_unary(r, "HardSigmoid", [](const Node& n) {
    double alpha = n.attr_float("alpha", 0.2f);
    double beta = n.attr_float("beta", 0.5f);
    return [alpha, beta](double x) { return std::max(0.0, std::min(1.0, alpha * x + beta)); };
  });
  add_float_unary(r, "ThresholdedRelu", [](const Node& n) {
    double alpha = n.attr_float("alpha", 1.0f);
    return [alpha](double x) { return x > alpha ? x : 0.0; };
  });
  add_float_unary(r, "Gelu", [](const Node& n) {
    bool tanh_form = n.attr_string("approximate", "none") == "tanh";
    return [tanh_form](double x) {
      if (tanh_form) {
        const double k = std::sqrt(2.0 / M_PI);
        return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
      }
      return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    };
  });
}

// Registers an op over every numeric type (bool excluded) with f on compute-type values.
template <typename F>
void add_numeric_unary(KernelRegistry& r, const char* op, bool signed_only, F f) {
  r.add("", op, [signed_only, f](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    Tensor& out = ensure_output(ctx, 0, x.dtype(), x.shape());
    return visit_numeric(x.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, bool>) {
        return error("unsupported: element type bool");
      } else {
        if (signed_only && !dtype_is_signed(kDTypeOf<T>)) {
          return error("unsupported: element type ", dtype_name(kDTypeOf<T>));
        }
        map_unary<T, T>(x, out, f);
        return Status::ok();
      }
    });
  });
}

template <typename C>
C negate(C x) {
  if constexpr (std::is_floating_point_v<C>) {
    return -x;  // -0.0 for 0.0, as NumPy
  } else {
    return wrap_sub(C(0), x);  // -INT_MIN wraps, as NumPy
  }
}

// Shrink: numeric types; integers are computed in double and converted back exactly (the
// result is x - bias or 0, both representable when bias is integral).
Status shrink_kernel(KernelContext& ctx) {
  double lambd = ctx.node().attr_float("lambd", 0.5f);
  double bias = ctx.node().attr_float("bias", 0.0f);
  const Tensor& x = ctx.input(0);
  Tensor& out = ensure_output(ctx, 0, x.dtype(), x.shape());
  return visit_numeric(x.dtype(), [&](auto tag) -> Status {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      return error("unsupported: element type bool");
    } else {
      map_unary<T, T>(x, out, [lambd, bias](auto v) {
        double d = static_cast<double>(v);
        double y = d < -lambd ? d + bias : (d > lambd ? d - bias : 0.0);
        return convert_value<T>(y);
      });
      return Status::ok();
    }
  });
}

void register_numeric(KernelRegistry& r) {
  add_numeric_unary(r, "Abs", false, [](auto x) {
    using C = decltype(x);
    if constexpr (std::is_floating_point_v<C>) {
      return std::fabs(x);  // clears the sign of -0.0 and NaN too, as NumPy
    } else if constexpr (std::is_signed_v<C>) {
      return x < C(0) ? negate(x) : x;
    } else {
      return x;
    }
  });
  add_numeric_unary(r, "Neg", true, [](auto x) { return negate(x); });
  add_numeric_unary(r, "Sign", false, [](auto x) {
    using C = decltype(x);
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(x)) return x;
    }
    return x > C(0) ? C(1) : (x < C(0) ? C(-1) : C(0));
  });
  add_numeric_unary(r, "Relu", true, [](auto x) {
    using C = decltype(x);
    return x < C(0) ? C(0) : x;  // NaN stays NaN
  });
  r.add("", "Shrink", shrink_kernel);
}

// Registers a float -> bool predicate (IsNaN, IsInf).
template <typename Make>
void add_float_predicate(KernelRegistry& r, const char* op, Make make) {
  r.add("", op, [make](KernelContext& ctx) -> Status {
    auto f = make(ctx.node());
    const Tensor& x = ctx.input(0);
    Tensor& out = ensure_output(ctx, 0, DType::kBool, x.shape());
    return visit_float(x.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      map_unary<T, bool>(x, out, [&f](auto v) { return f(static_cast<double>(v)); });
      return Status::ok();
    });
  });
}

void register_predicates_and_logic(KernelRegistry& r) {
  add_float_predicate(r, "IsNaN", plain([](double x) { return std::isnan(x); }));
  add_float_predicate(r, "IsInf", [](const Node& n) {
    bool negative = n.attr_int("detect_negative", 1) != 0;
    bool positive = n.attr_int("detect_positive", 1) != 0;
    return [negative, positive](double x) {
      return std::isinf(x) && ((x > 0 && positive) || (x < 0 && negative));
    };
  });
  r.add("", "Not", [](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DType::kBool)
      return error("unsupported: element type ", dtype_name(x.dtype()));
    Tensor& out = ensure_output(ctx, 0, DType::kBool, x.shape());
    map_unary<bool, bool>(x, out, [](bool v) { return !v; });
    return Status::ok();
  });
  r.add("", "BitwiseNot", [](KernelContext& ctx) -> Status {
    const Tensor& x = ctx.input(0);
    Tensor& out = ensure_output(ctx, 0, x.dtype(), x.shape());
    return visit_integer(x.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      map_unary<T, T>(x, out, [](T v) { return static_cast<T>(~v); });
      return Status::ok();
    });
  });
}

}  // namespace

void register_elementwise_unary_kernels(KernelRegistry& r) {
  register_math(r);
  register_activations(r);
  register_numeric(r);
  register_predicates_and_logic(r);
}

}  // namespace stitch::reference::elementwise
