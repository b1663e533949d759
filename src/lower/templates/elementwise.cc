// Templates of the elementwise ops (unary, binary, variadic, ternary; NumPy broadcasting):
// each is a scalar function of its inputs' elements. Part of lower/templates/; injective, so
// lowering inlines them into consumers or fuses them as anchor epilogues.
#include <cmath>

#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;
// The element function of one node: args[i] is input i's element (undefined when omitted).
using ElemFn = std::function<Expr(const std::vector<Expr>& args)>;
using ElemFactory = std::function<Expected<ElemFn>(const graph::Node&)>;

Expr c(const Expr& like, double v) { return constant(like->type.dtype, v); }
Expr fcall(const char* name, const Expr& x) { return kir::call(name, x->type, {x}); }

InjectiveFn make_elementwise(ElemFactory factory) {
  return [factory](LowerContext& ctx, const graph::Node& n) -> Expected<std::vector<ExprFn>> {
    STITCH_ASSIGN_OR_RETURN(ElemFn f, factory(n));
    ExprFn fn = [&ctx, &n, f](const Index& idx) {
      const Shape& out = n.output(0)->shape();
      std::vector<Expr> args;
      for (const graph::Value* in : n.inputs()) {
        args.push_back(in ? ctx.read(in, broadcast_index(in->shape(), out, idx)) : Expr());
      }
      return f(args);
    };
    return std::vector<ExprFn>{fn};
  };
}

// A factory for ops whose function needs no attributes.
ElemFactory simple(ElemFn f) {
  return [f](const graph::Node&) -> Expected<ElemFn> { return f; };
}

Expr sigmoid(const Expr& x) { return c(x, 1) / (c(x, 1) + fcall("exp", c(x, 0) - x)); }

// ONNX integer Div truncates toward zero; kir division floors.
Expr div_op(const Expr& a, const Expr& b) {
  if (!a->type.is_int()) return a / b;
  Expr q = a / b;
  Expr inexact = kir::ne(a % b, c(a, 0));
  Expr signs_differ = kir::ne(kir::lt(a, c(a, 0)), kir::lt(b, c(b, 0)));
  return kir::select(kir::logical_and(inexact, signs_differ), q + c(q, 1), q);
}

// Mod with fmod=1: C's remainder (sign of the dividend); kir's % takes the divisor's sign.
Expr c_remainder(const Expr& a, const Expr& b) {
  if (a->type.is_float()) return kir::call("fmod", a->type, {a, b});
  Expr r = a % b;
  Expr signs_differ = kir::ne(kir::lt(r, c(r, 0)), kir::lt(a, c(a, 0)));
  return kir::select(kir::logical_and(kir::ne(r, c(r, 0)), signs_differ), r - b, r);
}

// Integer bases with integer exponents: exact power by squaring, wrapping on overflow (the
// reference's NumPy rule). Otherwise in double and back to the base's type (truncating for
// integer bases).
Expr pow_op(const Expr& base, const Expr& exponent) {
  if (base->type.is_int() && exponent->type.is_int()) {
    return kir::call("ipow", base->type, {base, exponent});
  }
  if (base->type.is_float() && exponent->type == base->type) {
    return kir::call("pow", base->type, {base, exponent});
  }
  const kir::Type f64 = scalar_type(DType::kFloat64).with_lanes(base->type.lanes);
  Expr p = kir::call("pow", f64, {kir::cast(f64, base), kir::cast(f64, exponent)});
  return kir::cast(base->type, p);
}

Expr fold(const std::vector<Expr>& args, Expr (*op)(Expr, Expr)) {
  Expr acc = args[0];
  for (size_t i = 1; i < args.size(); ++i) acc = op(acc, args[i]);
  return acc;
}

void add(TemplateTable& t, const char* name, ElemFactory f) {
  t.push_back({name, OpTemplate{make_elementwise(std::move(f)), nullptr, true, false}});
}

void add_unary(TemplateTable& t) {
  add(t, "Identity", simple([](auto& a) { return a[0]; }));
  add(t, "Relu", simple([](auto& a) { return kir::max(a[0], c(a[0], 0)); }));
  add(t, "Neg", simple([](auto& a) { return a[0] * c(a[0], -1); }));
  add(t, "Abs", simple([](auto& a) {
        return kir::select(kir::lt(a[0], c(a[0], 0)), a[0] * c(a[0], -1), a[0]);
      }));
  add(t, "Sign", simple([](auto& a) {
        const Expr& x = a[0];
        return kir::select(kir::gt(x, c(x, 0)), c(x, 1),
                           kir::select(kir::lt(x, c(x, 0)), c(x, -1), c(x, 0)));
      }));
  add(t, "Reciprocal", simple([](auto& a) { return c(a[0], 1) / a[0]; }));
  add(t, "Sigmoid", simple([](auto& a) { return sigmoid(a[0]); }));
  add(t, "Not", simple([](auto& a) { return kir::logical_not(a[0]); }));
  add(t, "Softsign", simple([](auto& a) {
        const Expr& x = a[0];
        return x / (c(x, 1) + kir::select(kir::lt(x, c(x, 0)), x * c(x, -1), x));
      }));
  // log(1 + exp(x)), rewritten so exp cannot overflow: max(x, 0) + log(1 + exp(-|x|)).
  add(t, "Softplus", simple([](auto& a) {
        const Expr& x = a[0];
        Expr abs_x = kir::select(kir::lt(x, c(x, 0)), x * c(x, -1), x);
        return kir::max(x, c(x, 0)) + fcall("log", c(x, 1) + fcall("exp", abs_x * c(x, -1)));
      }));
  add(t, "HardSwish", simple([](auto& a) {
        const Expr& x = a[0];
        return x * kir::max(c(x, 0), kir::min(c(x, 1), x * c(x, 1.0 / 6) + c(x, 0.5)));
      }));
  for (const char* name :
       {"Exp", "Log", "Sqrt", "Tanh", "Erf", "Floor", "Ceil", "Sin", "Cos", "Tan", "Asin", "Acos",
        "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"}) {
    std::string lower(name);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(ch));
    add(t, name, simple([lower](auto& a) { return kir::call(lower, a[0]->type, {a[0]}); }));
  }
  // Round is half-to-even: nearbyint under the default rounding mode.
  add(t, "Round", simple([](auto& a) { return fcall("nearbyint", a[0]); }));
  add(t, "IsNaN", simple([](auto& a) { return kir::ne(a[0], a[0]); }));
}

// Float -> bool predicates and ops defined on every numeric type.
void add_unary_numeric(TemplateTable& t) {
  add(t, "IsInf", [](const graph::Node& n) -> Expected<ElemFn> {
    const bool negative = n.attr_int("detect_negative", 1) != 0;
    const bool positive = n.attr_int("detect_positive", 1) != 0;
    return ElemFn([negative, positive](auto& a) {
      const Expr& x = a[0];
      Expr r = kir::bool_imm(false);
      if (positive) r = kir::logical_or(r, kir::eq(x, c(x, HUGE_VAL)));
      if (negative) r = kir::logical_or(r, kir::eq(x, c(x, -HUGE_VAL)));
      return r;
    });
  });
  // Integers are computed in double and converted back, as the reference does (the result
  // x -/+ bias or 0 is exact for an integral bias).
  add(t, "Shrink", [](const graph::Node& n) -> Expected<ElemFn> {
    const double lambd = n.attr_float("lambd", 0.5f), bias = n.attr_float("bias", 0.0f);
    if (n.input(0)->dtype() == DType::kBool) return unsupported(n, "Shrink of bool");
    return ElemFn([lambd, bias](auto& a) {
      const kir::Type type = a[0]->type;
      Expr x = type.is_float() ? a[0] : kir::cast(scalar_type(DType::kFloat64), a[0]);
      Expr y = kir::select(kir::lt(x, c(x, -lambd)), x + c(x, bias),
                           kir::select(kir::gt(x, c(x, lambd)), x - c(x, bias), c(x, 0)));
      return kir::cast(type, y);
    });
  });
}

void add_unary_attr(TemplateTable& t) {
  add(t, "LeakyRelu", [](const graph::Node& n) -> Expected<ElemFn> {
    double alpha = n.attr_float("alpha", 0.01f);
    return ElemFn([alpha](auto& a) {
      return kir::select(kir::lt(a[0], c(a[0], 0)), a[0] * c(a[0], alpha), a[0]);
    });
  });
  add(t, "Elu", [](const graph::Node& n) -> Expected<ElemFn> {
    double alpha = n.attr_float("alpha", 1.0f);
    return ElemFn([alpha](auto& a) {
      const Expr& x = a[0];
      return kir::select(kir::lt(x, c(x, 0)), (fcall("exp", x) - c(x, 1)) * c(x, alpha), x);
    });
  });
  add(t, "Selu", [](const graph::Node& n) -> Expected<ElemFn> {
    double alpha = n.attr_float("alpha", 1.67326319217681884765625f);
    double gamma = n.attr_float("gamma", 1.05070102214813232421875f);
    return ElemFn([alpha, gamma](auto& a) {
      const Expr& x = a[0];
      Expr neg = (fcall("exp", x) - c(x, 1)) * c(x, alpha);
      return kir::select(kir::gt(x, c(x, 0)), x, neg) * c(x, gamma);
    });
  });
  add(t, "ThresholdedRelu", [](const graph::Node& n) -> Expected<ElemFn> {
    double alpha = n.attr_float("alpha", 1.0f);
    return ElemFn(
        [alpha](auto& a) { return kir::select(kir::gt(a[0], c(a[0], alpha)), a[0], c(a[0], 0)); });
  });
  add(t, "HardSigmoid", [](const graph::Node& n) -> Expected<ElemFn> {
    double alpha = n.attr_float("alpha", 0.2f), beta = n.attr_float("beta", 0.5f);
    return ElemFn([alpha, beta](auto& a) {
      const Expr& x = a[0];
      return kir::max(c(x, 0), kir::min(c(x, 1), x * c(x, alpha) + c(x, beta)));
    });
  });
  add(t, "Gelu", [](const graph::Node& n) -> Expected<ElemFn> {
    bool tanh_form = n.attr_string("approximate", "none") == "tanh";
    return ElemFn([tanh_form](auto& a) {
      const Expr& x = a[0];
      Expr inner = tanh_form
                       ? fcall("tanh", (x + x * x * x * c(x, 0.044715)) * c(x, std::sqrt(2 / M_PI)))
                       : fcall("erf", x * c(x, M_SQRT1_2));
      return x * c(x, 0.5) * (c(x, 1) + inner);
    });
  });
  add(t, "Cast", [](const graph::Node& n) -> Expected<ElemFn> {
    DType to = n.output(0)->dtype();
    return ElemFn([to](auto& a) { return kir::cast(scalar_type(to), a[0]); });
  });
  // CastLike's second input gives only the dtype (its shape need not broadcast): never read.
  InjectiveFn cast_like = [](LowerContext& ctx,
                             const graph::Node& n) -> Expected<std::vector<ExprFn>> {
    const graph::Value* x = n.input(0);
    const DType to = n.output(0)->dtype();
    return std::vector<ExprFn>{
        [&ctx, x, to](const Index& idx) { return kir::cast(scalar_type(to), ctx.read(x, idx)); }};
  };
  t.push_back({"CastLike", OpTemplate{cast_like, nullptr, false, false}});
  add(t, "Celu", [](const graph::Node& n) -> Expected<ElemFn> {
    const double alpha = n.attr_float("alpha", 1.0f);
    return ElemFn([alpha](auto& a) {
      const Expr& x = a[0];
      return kir::max(c(x, 0), x) +
             kir::min(c(x, 0), fcall("expm1", x / c(x, alpha)) * c(x, alpha));
    });
  });
}

void add_binary(TemplateTable& t) {
  add(t, "Add", simple([](auto& a) { return a[0] + a[1]; }));
  add(t, "Sub", simple([](auto& a) { return a[0] - a[1]; }));
  add(t, "Mul", simple([](auto& a) { return a[0] * a[1]; }));
  add(t, "Div", simple([](auto& a) { return div_op(a[0], a[1]); }));
  add(t, "Pow", simple([](auto& a) { return pow_op(a[0], a[1]); }));
  add(t, "PRelu",
      simple([](auto& a) { return kir::select(kir::lt(a[0], c(a[0], 0)), a[0] * a[1], a[0]); }));
  add(t, "Equal", simple([](auto& a) { return kir::eq(a[0], a[1]); }));
  add(t, "Less", simple([](auto& a) { return kir::lt(a[0], a[1]); }));
  add(t, "LessOrEqual", simple([](auto& a) { return kir::le(a[0], a[1]); }));
  add(t, "Greater", simple([](auto& a) { return kir::gt(a[0], a[1]); }));
  add(t, "GreaterOrEqual", simple([](auto& a) { return kir::ge(a[0], a[1]); }));
  add(t, "And", simple([](auto& a) { return kir::logical_and(a[0], a[1]); }));
  add(t, "Or", simple([](auto& a) { return kir::logical_or(a[0], a[1]); }));
  add(t, "Xor", simple([](auto& a) { return kir::ne(a[0], a[1]); }));
  add(t, "Mod", [](const graph::Node& n) -> Expected<ElemFn> {
    bool fmod = n.attr_int("fmod", 0) != 0;
    if (dtype_is_float(n.input(0)->dtype()) && !fmod) {
      return unsupported(n, "Mod of floats needs fmod=1");
    }
    if (n.input(0)->dtype() == DType::kBool) return unsupported(n, "Mod of bool");
    return ElemFn([fmod](auto& a) { return fmod ? c_remainder(a[0], a[1]) : a[0] % a[1]; });
  });
  add(t, "BitShift", [](const graph::Node& n) -> Expected<ElemFn> {
    const std::string direction = n.attr_string("direction", "");
    if (direction != "LEFT" && direction != "RIGHT") return unsupported(n, "BitShift direction");
    if (dtype_is_signed(n.input(0)->dtype())) return unsupported(n, "BitShift of signed integers");
    const char* fn = direction == "LEFT" ? "shift_left" : "shift_right";
    return ElemFn([fn](auto& a) { return kir::call(fn, a[0]->type, {a[0], a[1]}); });
  });
}

void add_variadic(TemplateTable& t) {
  add(t, "Max", simple([](auto& a) { return fold(a, kir::max); }));
  add(t, "Min", simple([](auto& a) { return fold(a, kir::min); }));
  add(t, "Sum", simple([](auto& a) { return fold(a, kir::add); }));
  add(t, "Mean", simple([](auto& a) {
        Expr s = fold(a, kir::add);
        return s / c(s, static_cast<double>(a.size()));
      }));
  add(t, "Where", simple([](auto& a) { return kir::select(a[0], a[1], a[2]); }));
  // Clip's bounds are optional inputs (omitted: no bound).
  add(t, "Clip", simple([](auto& a) {
        Expr x = a[0];
        if (a.size() > 1 && a[1].defined()) x = kir::max(x, a[1]);
        if (a.size() > 2 && a[2].defined()) x = kir::min(x, a[2]);
        return x;
      }));
}

}  // namespace

void register_elementwise_templates(TemplateTable& t) {
  add_unary(t);
  add_unary_attr(t);
  add_unary_numeric(t);
  add_binary(t);
  add_variadic(t);
}

}  // namespace stitch::lower
