// Templates of the optimizer update ops of the ai.onnx.preview.training domain (Adagrad,
// Momentum, Adam). Part of lower/templates/; injective: each updated tensor is elementwise in
// the optimized tensors, with the scalars R (learning rate) and T (step count) shared.
//
// Inputs are R, T, then kGroups lists of n tensors (X, G, then the optimizer's state); outputs
// are kGroups - 1 lists (the new X, then the new state). Each output element is the reference's
// formula (reference/kernels/reduce_misc.cc) evaluated in double.
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

constexpr DType kAcc = DType::kFloat64;

Expr f64(const Expr& e) { return kir::cast(scalar_type(kAcc), e); }
Expr dconst(double v) { return constant(kAcc, v); }
Expr sqrt_of(const Expr& x) { return kir::call("sqrt", scalar_type(kAcc), {x}); }

// One element's update: r, t (int64) and the inputs of each group in double -> the outputs.
using StepFn =
    std::function<std::vector<Expr>(const Expr& r, const Expr& t, const std::vector<Expr>& in)>;

Expr scalar_input(LowerContext& ctx, const graph::Value* v) {
  return ctx.read(v, zero_index(v->shape().size()));
}

Expected<std::vector<ExprFn>> optimizer(LowerContext& ctx, const graph::Node& n, int groups,
                                        StepFn step) {
  const int count = n.num_inputs() - 2;
  if (count <= 0 || count % groups != 0) return unsupported(n, "bad number of inputs");
  const int tensors = count / groups;
  if (static_cast<int>(n.outputs().size()) != (groups - 1) * tensors) {
    return unsupported(n, "bad number of outputs");
  }
  for (int i = 0; i < n.num_inputs(); ++i) {
    if (!n.has_input(i)) return unsupported(n, "missing input");
    if (i >= 2 && !dtype_is_float(n.input(i)->dtype())) {
      return unsupported(n, "optimized tensors must be floating-point");
    }
    if (i >= 2 && n.input(i)->shape() != n.input(2 + (i - 2) % tensors)->shape()) {
      return unsupported(n, "tensor and its gradient / state differ in shape");
    }
  }
  std::vector<ExprFn> fns;
  for (int o = 0; o < (groups - 1) * tensors; ++o) {
    const int g = o / tensors, k = o % tensors;
    const graph::Value* out = n.output(o);
    fns.push_back([&ctx, &n, step, groups, tensors, g, k, out](const Index& idx) {
      const Expr r = f64(scalar_input(ctx, n.input(0)));
      const Expr t = kir::cast(scalar_type(DType::kInt64), scalar_input(ctx, n.input(1)));
      std::vector<Expr> in;
      for (int gi = 0; gi < groups; ++gi)
        in.push_back(f64(ctx.read(n.input(2 + gi * tensors + k), idx)));
      return kir::cast(scalar_type(out ? out->dtype() : n.input(2 + k)->dtype()),
                       step(r, t, in)[g]);
    });
  }
  return fns;
}

Expected<std::vector<ExprFn>> lower_adagrad(LowerContext& ctx, const graph::Node& n) {
  const double decay = n.attr_float("decay_factor", 0.0f);
  const double eps = n.attr_float("epsilon", 1e-6f);
  const double norm = n.attr_float("norm_coefficient", 0.0f);
  return optimizer(ctx, n, 3, [=](const Expr& r, const Expr& t, const std::vector<Expr>& in) {
    const Expr lr = r / (dconst(1) + f64(t) * dconst(decay));
    const Expr g = dconst(norm) * in[0] + in[1];
    const Expr h = in[2] + g * g;
    return std::vector<Expr>{in[0] - lr * g / (sqrt_of(h) + dconst(eps)), h};
  });
}

Expected<std::vector<ExprFn>> lower_momentum(LowerContext& ctx, const graph::Node& n) {
  const double alpha = n.attr_float("alpha", 0.0f);
  const double beta = n.attr_float("beta", 0.0f);
  const double norm = n.attr_float("norm_coefficient", 0.0f);
  const std::string mode = n.attr_string("mode", "standard");
  if (mode != "standard" && mode != "nesterov") {
    return unsupported(n, str_cat("Momentum mode '", mode, "'"));
  }
  const bool nesterov = mode == "nesterov";
  return optimizer(ctx, n, 3, [=](const Expr& r, const Expr& t, const std::vector<Expr>& in) {
    const Expr g = dconst(norm) * in[0] + in[1];
    // The first step (t == 0) takes the whole gradient.
    const Expr b = kir::select(kir::gt(t, kir::int_imm(0)), dconst(beta), dconst(1));
    const Expr v = dconst(alpha) * in[2] + b * g;
    const Expr x = nesterov ? in[0] - r * (g + dconst(alpha) * v) : in[0] - r * v;
    return std::vector<Expr>{x, v};
  });
}

Expected<std::vector<ExprFn>> lower_adam(LowerContext& ctx, const graph::Node& n) {
  const double alpha = n.attr_float("alpha", 0.9f);
  const double beta = n.attr_float("beta", 0.999f);
  const double eps = n.attr_float("epsilon", 1e-6f);
  const double norm = n.attr_float("norm_coefficient", 0.0f);
  const double norm_post = n.attr_float("norm_coefficient_post", 0.0f);
  return optimizer(ctx, n, 4, [=](const Expr& r, const Expr& t, const std::vector<Expr>& in) {
    const kir::Type d = scalar_type(kAcc);
    const Expr g = dconst(norm) * in[0] + in[1];
    const Expr v = dconst(alpha) * in[2] + dconst(1 - alpha) * g;
    const Expr h = dconst(beta) * in[3] + dconst(1 - beta) * g * g;
    const Expr td = f64(t);
    const Expr bias_fix = sqrt_of(dconst(1) - kir::call("pow", d, {dconst(beta), td})) /
                          (dconst(1) - kir::call("pow", d, {dconst(alpha), td}));
    const Expr lr = kir::select(kir::gt(t, kir::int_imm(0)), r * bias_fix, r);
    const Expr x = in[0] - lr * v / (sqrt_of(h) + dconst(eps));
    return std::vector<Expr>{dconst(1 - norm_post) * x, v, h};
  });
}

}  // namespace

void register_training_templates(TemplateTable& t) {
  t.push_back({"Adagrad", OpTemplate{lower_adagrad, nullptr}});
  t.push_back({"Momentum", OpTemplate{lower_momentum, nullptr}});
  t.push_back({"Adam", OpTemplate{lower_adam, nullptr}});
}

}  // namespace stitch::lower
