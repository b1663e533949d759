// Template of Det (batched determinant of the last two dims). Part of lower/templates/; an
// anchor registered from signal.cc's register function.
//
// As the reference (reference/kernels/nn_matmul.cc): per matrix, LU decomposition with partial
// pivoting in double on a scratch copy; det is the product of the pivots, negated per row swap.
// A zero pivot makes det 0 and stops the elimination (the reference returns early), which the
// kernel models with an "active" flag so that no division by that pivot ever runs.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_linalg_templates(TemplateTable& t);

namespace {

using kir::Expr;
using kir::Stmt;

constexpr DType kAcc = DType::kFloat64;

Expr dconst(double v) { return constant(kAcc, v); }

// for v in [begin, end): body(v)
Stmt loop(LowerContext& ctx, const std::string& name, const Expr& begin, int64_t end,
          const std::function<Stmt(const Expr&)>& body) {
  kir::Var v = ctx.var(name);
  return kir::for_loop(v, begin, index_const(end) - begin, kir::ForKind::kSerial, body(v));
}

// The LU elimination of one n x n matrix in `a`; st = {det, active}.
class LuLowering {
 public:
  LuLowering(LowerContext& ctx, int64_t n, kir::Buffer a, kir::Buffer st, kir::Buffer piv)
      : ctx_(ctx), n_(n), a_(std::move(a)), st_(std::move(st)), piv_(std::move(piv)) {}

  Stmt run() {
    return loop(ctx_, "c", index_const(0), n_, [&](const Expr& c) {
      return kir::if_then_else(kir::ne(st_at(1), dconst(0)),
                               kir::seq({find_pivot(c), eliminate_with_pivot(c)}));
    });
  }

 private:
  Expr at(const Expr& r, const Expr& c) { return kir::load(a_, r * n_ + c); }
  Stmt set(const Expr& r, const Expr& c, const Expr& v) { return kir::store(a_, r * n_ + c, v); }
  Expr st_at(int64_t i) { return kir::load(st_, index_const(i)); }
  Expr fabs(const Expr& x) { return kir::call("fabs", scalar_type(kAcc), {x}); }

  // piv = the first row r >= c of largest |a[r, c]|.
  Stmt find_pivot(const Expr& c) {
    const Expr p = kir::load(piv_, index_const(0));
    return kir::seq(
        {kir::store(piv_, index_const(0), c), loop(ctx_, "r", c + 1, n_, [&](const Expr& r) {
           return kir::store(piv_, index_const(0),
                             kir::select(kir::gt(fabs(at(r, c)), fabs(at(p, c))), r, p));
         })});
  }

  Stmt eliminate_with_pivot(const Expr& c) {
    kir::Var p = ctx_.var("p");
    Stmt zero = kir::seq(
        {kir::store(st_, index_const(0), dconst(0)), kir::store(st_, index_const(1), dconst(0))});
    Stmt go = kir::seq({kir::if_then_else(kir::ne(p, c), swap_rows(c, p)),
                        kir::store(st_, index_const(0), st_at(0) * at(c, c)), eliminate(c)});
    return kir::let_stmt(p, kir::load(piv_, index_const(0)),
                         kir::if_then_else(kir::eq(at(p, c), dconst(0)), zero, go));
  }

  Stmt swap_rows(const Expr& c, const Expr& p) {
    Stmt swap = loop(ctx_, "j", index_const(0), n_, [&](const Expr& j) {
      kir::Var tmp = kir::make_var("tmp", kAcc);
      return kir::let_stmt(tmp, at(c, j), kir::seq({set(c, j, at(p, j)), set(p, j, tmp)}));
    });
    return kir::seq({swap, kir::store(st_, index_const(0), st_at(0) * dconst(-1))});
  }

  // Rows below c: a[r, j] -= (a[r, c] / a[c, c]) a[c, j] for j >= c.
  Stmt eliminate(const Expr& c) {
    return loop(ctx_, "r", c + 1, n_, [&](const Expr& r) {
      kir::Var f = kir::make_var("f", kAcc);
      Stmt row =
          loop(ctx_, "j", c, n_, [&](const Expr& j) { return set(r, j, at(r, j) - f * at(c, j)); });
      return kir::let_stmt(f, at(r, c) / at(c, c), row);
    });
  }

  LowerContext& ctx_;
  int64_t n_;
  kir::Buffer a_, st_, piv_;
};

Expected<Stmt> lower_det(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* x = n.input(0);
  const graph::Value* out = n.output(0);
  const Shape& xs = x->shape();
  if (xs.size() < 2 || xs[xs.size() - 1] != xs[xs.size() - 2]) {
    return unsupported(n, "input not [..., n, n]");
  }
  const int64_t m = xs.back();
  const kir::Type out_t = scalar_type(out->dtype());
  return loop_nest(
      ctx, out->shape(),
      [&](const Index& idx) {
        kir::Buffer a = ctx.scratch("a", kAcc, {m * m});
        kir::Buffer st = ctx.scratch("st", kAcc, {2});
        kir::Buffer piv = ctx.scratch("piv", kir::kIndexType, {1});
        const Expr base = linearize(out->shape(), idx) * (m * m);
        Stmt copy = loop(ctx, "e", index_const(0), m * m, [&](const Expr& e) {
          return kir::store(a, e, kir::cast(scalar_type(kAcc), ctx.read_linear(x, base + e)));
        });
        Stmt body = kir::seq(
            {copy, kir::store(st, index_const(0), dconst(1)),
             kir::store(st, index_const(1), dconst(1)), LuLowering(ctx, m, a, st, piv).run(),
             ctx.write(out, idx, kir::cast(out_t, kir::load(st, index_const(0))))});
        return kir::allocate(a, kir::allocate(st, kir::allocate(piv, body)));
      },
      /*parallel=*/true, /*vectorize=*/false);
}

}  // namespace

void register_linalg_templates(TemplateTable& t) {
  t.push_back({"Det", OpTemplate{nullptr, lower_det}});
}

}  // namespace stitch::lower
