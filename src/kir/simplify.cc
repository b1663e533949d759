// Range-aware simplification of integer index arithmetic (rules in simplify.h). Part of kir/.
#include "kir/simplify.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kir/structural.h"
#include "kir/visitor.h"

namespace stitch::kir {
namespace {

// Bounds beyond +-2^62 count as unknown, so interval arithmetic in __int128 never overflows
// and a bound that is known is exact.
constexpr int64_t kLimit = int64_t{1} << 62;

// The closed interval [lo, hi] of an expression's values; a side that is not known is +-inf.
struct Interval {
  int64_t lo = -kLimit;
  int64_t hi = kLimit;
  bool has_lo() const { return lo > -kLimit; }
  bool has_hi() const { return hi < kLimit; }
  bool bounded() const { return has_lo() && has_hi(); }
};

int64_t clamp_bound(__int128 v) {
  if (v <= -kLimit) return -kLimit;
  if (v >= kLimit) return kLimit;
  return static_cast<int64_t>(v);
}

int64_t floor_div(int64_t a, int64_t c) {  // c > 0
  const int64_t q = a / c;
  return (a % c != 0 && a < 0) ? q - 1 : q;
}

int64_t floor_mod(int64_t a, int64_t c) { return a - floor_div(a, c) * c; }

Interval add(Interval a, Interval b) {
  Interval r;
  if (a.has_lo() && b.has_lo()) r.lo = clamp_bound(__int128{a.lo} + b.lo);
  if (a.has_hi() && b.has_hi()) r.hi = clamp_bound(__int128{a.hi} + b.hi);
  return r;
}

Interval negate(Interval a) {
  Interval r;
  if (a.has_hi()) r.lo = -a.hi;
  if (a.has_lo()) r.hi = -a.lo;
  return r;
}

Interval scale(Interval a, int64_t c) {
  if (c == 0) return Interval{0, 0};
  if (c < 0) return negate(scale(a, -c));
  Interval r;
  if (a.has_lo()) r.lo = clamp_bound(__int128{a.lo} * c);
  if (a.has_hi()) r.hi = clamp_bound(__int128{a.hi} * c);
  return r;
}

Interval multiply(Interval a, Interval b) {
  if (a.lo == a.hi) return scale(b, a.lo);
  if (b.lo == b.hi) return scale(a, b.lo);
  if (!a.bounded() || !b.bounded()) return Interval{};
  const __int128 p[] = {__int128{a.lo} * b.lo, __int128{a.lo} * b.hi, __int128{a.hi} * b.lo,
                        __int128{a.hi} * b.hi};
  return Interval{clamp_bound(*std::min_element(p, p + 4)),
                  clamp_bound(*std::max_element(p, p + 4))};
}

bool is_index_int(const Type& t) { return t.lanes == 1 && t.is_int() && dtype_is_signed(t.dtype); }

const int64_t* positive_const(const Expr& e) {
  const int64_t* c = as_const_int(e);
  return c != nullptr && *c > 0 ? c : nullptr;
}

// A signed integer expression as sum(coef * atom) + constant.
struct Term {
  Expr atom;
  int64_t coef = 0;
};
struct Linear {
  std::vector<Term> terms;
  int64_t constant = 0;
};

bool checked_mul(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_mul_overflow(a, b, out) && *out > -kLimit && *out < kLimit;
}

// Adds scale * e to `out`; false on an overflow (the caller then keeps e as written).
bool linearize(const Expr& e, int64_t scale_by, Linear* out) {
  if (const int64_t* c = as_const_int(e)) {
    int64_t v = 0;
    if (!checked_mul(*c, scale_by, &v)) return false;
    return !__builtin_add_overflow(out->constant, v, &out->constant);
  }
  if (const Binary* b = e.as<Binary>()) {
    switch (b->op) {
      case BinaryOp::kAdd:
        return linearize(b->a, scale_by, out) && linearize(b->b, scale_by, out);
      case BinaryOp::kSub:
        return linearize(b->a, scale_by, out) && linearize(b->b, -scale_by, out);
      case BinaryOp::kMul: {
        int64_t s = 0;
        if (const int64_t* c = as_const_int(b->b)) {
          return checked_mul(scale_by, *c, &s) && linearize(b->a, s, out);
        }
        if (const int64_t* c = as_const_int(b->a)) {
          return checked_mul(scale_by, *c, &s) && linearize(b->b, s, out);
        }
        break;
      }
      default:
        break;
    }
  }
  for (Term& t : out->terms) {
    if (t.atom.same_as(e) || structural_equal(t.atom, e)) {
      return !__builtin_add_overflow(t.coef, scale_by, &t.coef);
    }
  }
  out->terms.push_back(Term{e, scale_by});
  return true;
}

// The expression of a linear form: atoms in their first-seen order, the constant last.
Expr build(const Linear& l, DType dtype) {
  Expr sum;
  for (const Term& t : l.terms) {
    if (t.coef == 0) continue;
    const int64_t mag = t.coef < 0 ? -t.coef : t.coef;
    Expr term = mag == 1 ? t.atom : mul(t.atom, int_imm(mag, dtype));
    if (!sum.defined()) {
      sum = t.coef < 0 ? sub(int_imm(0, dtype), term) : term;
    } else {
      sum = t.coef < 0 ? sub(sum, term) : add(sum, term);
    }
  }
  if (!sum.defined()) return int_imm(l.constant, dtype);
  if (l.constant > 0) return add(sum, int_imm(l.constant, dtype));
  if (l.constant < 0) return sub(sum, int_imm(-l.constant, dtype));
  return sum;
}

class Simplifier : public IRMutator {
 public:
  Interval range(const Expr& e) const {
    if (const int64_t* c = as_const_int(e)) return Interval{*c, *c};
    if (e->type.is_bool()) return Interval{0, 1};
    if (!is_index_int(e->type)) return Interval{};
    if (const Variable* v = e.as<Variable>()) {
      auto it = ranges_.find(v);
      return it == ranges_.end() ? Interval{} : it->second;
    }
    if (const Select* s = e.as<Select>()) {
      const Interval t = range(s->true_value), f = range(s->false_value);
      return Interval{std::min(t.lo, f.lo), std::max(t.hi, f.hi)};
    }
    const Binary* b = e.as<Binary>();
    if (b == nullptr) return Interval{};
    const Interval x = range(b->a), y = range(b->b);
    switch (b->op) {
      case BinaryOp::kAdd:
        return add(x, y);
      case BinaryOp::kSub:
        return add(x, negate(y));
      case BinaryOp::kMul:
        return multiply(x, y);
      case BinaryOp::kDiv:
        if (const int64_t* c = positive_const(b->b)) {
          Interval r;
          if (x.has_lo()) r.lo = floor_div(x.lo, *c);
          if (x.has_hi()) r.hi = floor_div(x.hi, *c);
          return r;
        }
        return Interval{};
      case BinaryOp::kMod:
        if (const int64_t* c = positive_const(b->b)) {
          if (x.bounded() && floor_div(x.lo, *c) == floor_div(x.hi, *c)) {
            return Interval{floor_mod(x.lo, *c), floor_mod(x.hi, *c)};
          }
          return Interval{0, *c - 1};
        }
        return Interval{};
      case BinaryOp::kMin:
        return Interval{std::min(x.lo, y.lo), std::min(x.hi, y.hi)};
      case BinaryOp::kMax:
        return Interval{std::max(x.lo, y.lo), std::max(x.hi, y.hi)};
      default:
        return Interval{};
    }
  }

  Interval range(const Linear& l) const {
    Interval r{l.constant, l.constant};
    for (const Term& t : l.terms) r = add(r, scale(range(t.atom), t.coef));
    return r;
  }

 protected:
  using IRMutator::visit;

  Expr visit(const Binary* op) override {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (is_index_int(a->type)) {
      if (Expr s = simplify_int(op->op, a, b); s.defined()) return s;
    }
    Expr out = a.same_as(op->a) && b.same_as(op->b) ? Expr(op) : binary(op->op, a, b);
    if ((op->op == BinaryOp::kAdd || op->op == BinaryOp::kSub) && is_index_int(a->type)) {
      if (Expr s = recombine(out); s.defined()) return s;
    }
    return out;
  }

  Expr visit(const Select* op) override {
    Expr cond = mutate(op->cond);
    if (const int64_t* c = as_const_int(cond)) {
      return mutate(*c != 0 ? op->true_value : op->false_value);
    }
    return IRMutator::visit(op);
  }

  Stmt visit(const For* op) override {
    Expr begin = mutate(op->begin), extent = mutate(op->extent);
    const Interval b = range(begin), n = range(extent);
    Interval r{b.lo, kLimit};
    if (b.has_hi() && n.has_hi()) r.hi = clamp_bound(__int128{b.hi} + n.hi - 1);
    Stmt body = with_range(op->var.get(), r, op->body);
    if (begin.same_as(op->begin) && extent.same_as(op->extent) && body.same_as(op->body)) {
      return Stmt(op);
    }
    return for_loop(op->var, std::move(begin), std::move(extent), op->for_kind, std::move(body));
  }

  Stmt visit(const LetStmt* op) override {
    Expr value = mutate(op->value);
    Stmt body = with_range(op->var.get(), range(value), op->body);
    if (value.same_as(op->value) && body.same_as(op->body)) return Stmt(op);
    return let_stmt(op->var, std::move(value), std::move(body));
  }

  Stmt visit(const IfThenElse* op) override {
    Expr cond = mutate(op->cond);
    if (const int64_t* c = as_const_int(cond)) {
      if (*c != 0) return mutate(op->then_case);
      return op->else_case.defined() ? mutate(op->else_case) : seq({});
    }
    Stmt then_case = mutate(op->then_case), else_case = mutate(op->else_case);
    if (cond.same_as(op->cond) && then_case.same_as(op->then_case) &&
        else_case.same_as(op->else_case)) {
      return Stmt(op);
    }
    return if_then_else(std::move(cond), std::move(then_case), std::move(else_case));
  }

 private:
  Stmt with_range(const Variable* var, Interval r, const Stmt& body) {
    if (!is_index_int(var->type)) return mutate(body);
    // A variable bound again inside its own scope shadows the outer binding for the body.
    auto it = ranges_.find(var);
    const bool shadows = it != ranges_.end();
    const Interval outer = shadows ? it->second : Interval{};
    ranges_[var] = r;
    Stmt out = mutate(body);
    if (shadows) {
      ranges_[var] = outer;
    } else {
      ranges_.erase(var);
    }
    return out;
  }

  // The simplified a `op` b for signed scalar integers, or undefined when no rule applies.
  Expr simplify_int(BinaryOp op, const Expr& a, const Expr& b) {
    switch (op) {
      case BinaryOp::kDiv:
        if (const int64_t* c = positive_const(b)) return floordiv(a, *c);
        return Expr();
      case BinaryOp::kMod:
        if (const int64_t* c = positive_const(b)) return floormod(a, *c);
        return Expr();
      case BinaryOp::kMin:
      case BinaryOp::kMax: {
        const Interval x = range(a), y = range(b);
        const bool a_le_b = x.hi <= y.lo && x.has_hi();
        const bool b_le_a = y.hi <= x.lo && y.has_hi();
        if (op == BinaryOp::kMin) return a_le_b ? a : b_le_a ? b : Expr();
        return a_le_b ? b : b_le_a ? a : Expr();
      }
      case BinaryOp::kLT:
      case BinaryOp::kLE:
      case BinaryOp::kGT:
      case BinaryOp::kGE:
      case BinaryOp::kEQ:
      case BinaryOp::kNE:
        return decide(op, range(a), range(b));
      default:
        return Expr();
    }
  }

  // c * floordiv(x, c) + floormod(x, c) = x (times a common factor k): the pair a row-major
  // index leaves when a flat position is split into (row, column) and flattened again.
  // Undefined when the sum holds no such pair.
  static Expr recombine(const Expr& sum) {
    Linear l;
    if (!linearize(sum, 1, &l)) return Expr();
    bool changed = false;
    for (size_t i = 0; i < l.terms.size(); ++i) {
      const Binary* d = l.terms[i].atom.as<Binary>();
      const int64_t* c = d && d->op == BinaryOp::kDiv ? positive_const(d->b) : nullptr;
      if (c == nullptr || l.terms[i].coef == 0) continue;
      for (size_t k = 0; k < l.terms.size(); ++k) {
        const Binary* m = l.terms[k].atom.as<Binary>();
        if (m == nullptr || m->op != BinaryOp::kMod || l.terms[k].coef == 0) continue;
        const int64_t* cm = positive_const(m->b);
        int64_t whole = 0;
        if (cm == nullptr || *cm != *c || !checked_mul(l.terms[k].coef, *c, &whole) ||
            whole != l.terms[i].coef || !structural_equal(d->a, m->a)) {
          continue;
        }
        l.terms[i] = Term{d->a, l.terms[k].coef};
        l.terms[k].coef = 0;
        changed = true;
        break;
      }
    }
    return changed ? build(l, sum->type.dtype) : Expr();
  }

  static Expr decide(BinaryOp op, Interval x, Interval y) {
    // x < y for every value; x >= y for every value.
    const bool lt = x.has_hi() && y.has_lo() && x.hi < y.lo;
    const bool ge = x.has_lo() && y.has_hi() && x.lo >= y.hi;
    const bool le = x.has_hi() && y.has_lo() && x.hi <= y.lo;
    const bool gt = x.has_lo() && y.has_hi() && x.lo > y.hi;
    const bool same_const = x.lo == x.hi && y.lo == y.hi && x.lo == y.lo && x.bounded();
    switch (op) {
      case BinaryOp::kLT:
        return lt ? bool_imm(true) : ge ? bool_imm(false) : Expr();
      case BinaryOp::kGE:
        return ge ? bool_imm(true) : lt ? bool_imm(false) : Expr();
      case BinaryOp::kLE:
        return le ? bool_imm(true) : gt ? bool_imm(false) : Expr();
      case BinaryOp::kGT:
        return gt ? bool_imm(true) : le ? bool_imm(false) : Expr();
      case BinaryOp::kEQ:
        return same_const ? bool_imm(true) : (lt || gt) ? bool_imm(false) : Expr();
      case BinaryOp::kNE:
        return same_const ? bool_imm(false) : (lt || gt) ? bool_imm(true) : Expr();
      default:
        return Expr();
    }
  }

  // The multiples of c that a linear form's terms and constant contribute whole: `whole`
  // gets (coef / c) for them, `rest` keeps the others and constant mod c.
  static void split_multiples(const Linear& l, int64_t c, Linear* whole, Linear* rest) {
    for (const Term& t : l.terms) {
      if (t.coef % c == 0) {
        whole->terms.push_back(Term{t.atom, t.coef / c});
      } else {
        rest->terms.push_back(t);
      }
    }
    whole->constant = floor_div(l.constant, c);
    rest->constant = floor_mod(l.constant, c);
  }

  // A split of `rest` = g * big + small with small in [0, g), for a g that divides c (the
  // mixed-radix rule of simplify.h); false when no term's gcd with c gives one.
  bool split_radix(const Linear& rest, int64_t c, int64_t* g_out, Linear* big,
                   Linear* small) const {
    std::vector<int64_t> candidates;
    for (const Term& t : rest.terms) {
      const int64_t g = std::gcd(t.coef < 0 ? -t.coef : t.coef, c);
      if (g > 1 && g < c) candidates.push_back(g);
    }
    std::sort(candidates.rbegin(), candidates.rend());
    for (int64_t g : candidates) {
      Linear b, s;
      for (const Term& t : rest.terms) {
        if (t.coef % g == 0) {
          b.terms.push_back(Term{t.atom, t.coef / g});
        } else {
          s.terms.push_back(t);
        }
      }
      s.constant = rest.constant;
      const Interval rs = range(s);
      if (rs.has_lo() && rs.has_hi() && rs.lo >= 0 && rs.hi < g) {
        *g_out = g;
        *big = std::move(b);
        *small = std::move(s);
        return true;
      }
    }
    return false;
  }

  Expr floordiv(const Expr& x, int64_t c) {
    const DType t = x->type.dtype;
    if (c == 1) return x;
    const Interval r = range(x);
    if (r.bounded() && floor_div(r.lo, c) == floor_div(r.hi, c)) {
      return int_imm(floor_div(r.lo, c), t);
    }
    if (const Binary* inner = x.as<Binary>(); inner && inner->op == BinaryOp::kDiv) {
      int64_t cc = 0;
      const int64_t* c2 = positive_const(inner->b);
      if (c2 != nullptr && checked_mul(*c2, c, &cc)) return floordiv(inner->a, cc);
    }
    Linear l;
    if (!linearize(x, 1, &l)) return div(x, int_imm(c, t));
    Linear whole, rest;
    split_multiples(l, c, &whole, &rest);
    const Interval rr = range(rest);
    Expr tail;
    if (rr.bounded() && floor_div(rr.lo, c) == floor_div(rr.hi, c)) {
      whole.constant += floor_div(rr.lo, c);
      return build(whole, t);
    }
    int64_t g = 0;
    Linear big, small;
    if (split_radix(rest, c, &g, &big, &small)) {
      tail = floordiv(build(big, t), c / g);
    } else if (!whole.terms.empty() || whole.constant != 0) {
      tail = div(build(rest, t), int_imm(c, t));
    } else {
      return div(x, int_imm(c, t));
    }
    return add(build(whole, t), tail);
  }

  Expr floormod(const Expr& x, int64_t c) {
    const DType t = x->type.dtype;
    if (c == 1) return int_imm(0, t);
    const Interval r = range(x);
    if (r.bounded() && floor_div(r.lo, c) == floor_div(r.hi, c)) {
      const int64_t k = floor_div(r.lo, c);
      return k == 0 ? x : sub(x, int_imm(k * c, t));
    }
    if (const Binary* inner = x.as<Binary>(); inner && inner->op == BinaryOp::kMod) {
      const int64_t* c2 = positive_const(inner->b);
      if (c2 != nullptr && *c2 % c == 0) return floormod(inner->a, c);
    }
    Linear l;
    if (!linearize(x, 1, &l)) return mod(x, int_imm(c, t));
    Linear whole, rest;
    split_multiples(l, c, &whole, &rest);
    const Interval rr = range(rest);
    if (rr.bounded() && floor_div(rr.lo, c) == floor_div(rr.hi, c)) {
      rest.constant -= floor_div(rr.lo, c) * c;
      return build(rest, t);
    }
    int64_t g = 0;
    Linear big, small;
    if (split_radix(rest, c, &g, &big, &small)) {
      return add(mul(floormod(build(big, t), c / g), int_imm(g, t)), build(small, t));
    }
    if (!whole.terms.empty() || whole.constant != 0) return mod(build(rest, t), int_imm(c, t));
    return mod(x, int_imm(c, t));
  }

  std::unordered_map<const Variable*, Interval> ranges_;
};

}  // namespace

Stmt simplify_stmt(const Stmt& stmt) { return Simplifier().mutate(stmt); }

Kernel simplify_kernel(const Kernel& kernel) { return Simplifier().mutate_kernel(kernel); }

}  // namespace stitch::kir
