// hoist_invariant_divisions: binds loop-invariant index divisions once per loop iteration
// (see hoist_divisions.h). Part of kir/.
#include "kir/hoist_divisions.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kir/structural.h"
#include "kir/visitor.h"

namespace stitch::kir {
namespace {

// The variables an expression reads; `pure` turns false at a load or a call, whose value
// could depend on where it is evaluated (a store in between, or a name the emitter maps).
class ReadVariables : public IRVisitor {
 public:
  using IRVisitor::visit;
  std::set<const Variable*> vars;
  bool pure = true;

 protected:
  void visit(const Variable* op) override { vars.insert(op); }
  void visit(const Load* op) override {
    pure = false;
    IRVisitor::visit(op);
  }
  void visit(const Call* op) override {
    pure = false;
    IRVisitor::visit(op);
  }
};

// The variables bound by loops and lets inside a statement.
class BoundVariables : public IRVisitor {
 public:
  using IRVisitor::visit;
  std::set<const Variable*> vars;

 protected:
  void visit(const For* op) override {
    vars.insert(op->var.get());
    IRVisitor::visit(op);
  }
  void visit(const LetStmt* op) override {
    vars.insert(op->var.get());
    IRVisitor::visit(op);
  }
};

bool is_constant_division(const Binary* op) {
  if (op->op != BinaryOp::kDiv && op->op != BinaryOp::kMod) return false;
  if (op->type.is_vector() || !op->type.is_int()) return false;
  const int64_t* divisor = as_const_int(op->b);
  return divisor != nullptr && *divisor > 0;
}

// The divisions a loop body can hoist: outside-invariant, pure, and inside a nested loop (a
// division evaluated once per iteration of the body already runs once). Largest first: a
// hoistable division is taken whole, not split into the divisions inside it.
class CollectHoistable : public IRVisitor {
 public:
  using IRVisitor::visit;
  explicit CollectHoistable(const std::set<const Variable*>& bound_inside)
      : bound_inside_(bound_inside) {}
  std::vector<Expr> found;

 protected:
  void visit(const For* op) override {
    ++depth_;
    IRVisitor::visit(op);
    --depth_;
  }
  void visit(const Binary* op) override {
    if (depth_ > 0 && is_constant_division(op) && hoistable(op)) {
      Expr e(op);
      for (const Expr& f : found) {
        if (structural_equal(f, e)) return;
      }
      found.push_back(e);
      return;
    }
    IRVisitor::visit(op);
  }

 private:
  bool hoistable(const Binary* op) const {
    ReadVariables reads;
    reads.visit_expr(Expr(op));
    if (!reads.pure) return false;
    for (const Variable* v : reads.vars) {
      if (bound_inside_.count(v)) return false;
    }
    return true;
  }

  const std::set<const Variable*>& bound_inside_;
  int depth_ = 0;
};

// Replaces every occurrence of the hoisted expressions with their variables.
class ReplaceHoisted : public IRMutator {
 public:
  using IRMutator::visit;
  explicit ReplaceHoisted(const std::vector<std::pair<Expr, Var>>& hoisted) : hoisted_(hoisted) {}

 protected:
  Expr visit(const Binary* op) override {
    if (is_constant_division(op)) {
      const Expr e(op);
      for (const auto& [expr, var] : hoisted_) {
        if (structural_equal(expr, e)) return var;
      }
    }
    return IRMutator::visit(op);
  }

 private:
  const std::vector<std::pair<Expr, Var>>& hoisted_;
};

// "u_div_49" for floordiv(u, 49); "q" or "r" for a division of a compound expression.
std::string hoisted_name(const Expr& e) {
  const Binary* op = e.as<Binary>();
  const bool div = op->op == BinaryOp::kDiv;
  const Variable* v = op->a.as<Variable>();
  if (v == nullptr) return div ? "q" : "r";
  return v->name + (div ? "_div_" : "_mod_") + std::to_string(*as_const_int(op->b));
}

class HoistDivisions : public IRMutator {
 public:
  using IRMutator::visit;

 protected:
  Stmt visit(const For* op) override {
    Stmt body = op->body;
    // A vectorized loop's body stays one straight block for the compiler's vectorizer.
    if (op->for_kind != ForKind::kVectorized) {
      BoundVariables bound;
      bound.visit_stmt(body);
      CollectHoistable collect(bound.vars);
      collect.visit_stmt(body);
      if (!collect.found.empty()) {
        std::vector<std::pair<Expr, Var>> hoisted;
        for (const Expr& e : collect.found) {
          hoisted.emplace_back(e, make_var(hoisted_name(e), e->type.dtype));
        }
        body = ReplaceHoisted(hoisted).mutate(body);
        for (auto it = hoisted.rbegin(); it != hoisted.rend(); ++it) {
          body = let_stmt(it->second, it->first, body);
        }
      }
    }
    // Then the loops inside, which see the new variables as bound outside them.
    body = mutate(body);
    if (body.same_as(op->body)) return Stmt(op);
    return for_loop(op->var, op->begin, op->extent, op->for_kind, std::move(body));
  }
};

}  // namespace

Stmt hoist_invariant_divisions(const Stmt& stmt) { return HoistDivisions().mutate(stmt); }

Kernel hoist_invariant_divisions(const Kernel& kernel) {
  return HoistDivisions().mutate_kernel(kernel);
}

}  // namespace stitch::kir
