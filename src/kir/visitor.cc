// IRVisitor and IRMutator: the default walks, one per node kind, and substitution.
// Part of kir/.
#include "kir/visitor.h"

#include <utility>

#include "support/status.h"

namespace stitch::kir {

// ---- IRVisitor ----

void IRVisitor::visit_expr(const Expr& e) {
  if (!e.defined()) return;
  switch (e->kind()) {
#define STITCH_KIR_CASE(name)                 \
  case NodeKind::k##name:                     \
    visit(static_cast<const name*>(e.get())); \
    return;
    STITCH_KIR_EXPR_NODES(STITCH_KIR_CASE)
#undef STITCH_KIR_CASE
    default:
      STITCH_CHECK(false, "kir: visit_expr on a statement or buffer");
  }
}

void IRVisitor::visit_stmt(const Stmt& s) {
  if (!s.defined()) return;
  switch (s->kind()) {
#define STITCH_KIR_CASE(name)                 \
  case NodeKind::k##name:                     \
    visit(static_cast<const name*>(s.get())); \
    return;
    STITCH_KIR_STMT_NODES(STITCH_KIR_CASE)
#undef STITCH_KIR_CASE
    default:
      STITCH_CHECK(false, "kir: visit_stmt on an expression or buffer");
  }
}

void IRVisitor::visit(const IntImm*) {}
void IRVisitor::visit(const FloatImm*) {}
void IRVisitor::visit(const Variable*) {}
void IRVisitor::visit(const Binary* op) {
  visit_expr(op->a);
  visit_expr(op->b);
}
void IRVisitor::visit(const Not* op) { visit_expr(op->a); }
void IRVisitor::visit(const Select* op) {
  visit_expr(op->cond);
  visit_expr(op->true_value);
  visit_expr(op->false_value);
}
void IRVisitor::visit(const Cast* op) { visit_expr(op->value); }
void IRVisitor::visit(const Load* op) {
  visit_buffer(op->buffer);
  visit_expr(op->index);
}
void IRVisitor::visit(const Call* op) {
  for (const Expr& arg : op->args) visit_expr(arg);
}
void IRVisitor::visit(const Ramp* op) {
  visit_expr(op->base);
  visit_expr(op->stride);
}
void IRVisitor::visit(const Broadcast* op) { visit_expr(op->value); }

void IRVisitor::visit(const For* op) {
  visit_expr(op->var);
  visit_expr(op->begin);
  visit_expr(op->extent);
  visit_stmt(op->body);
}
void IRVisitor::visit(const LetStmt* op) {
  visit_expr(op->var);
  visit_expr(op->value);
  visit_stmt(op->body);
}
void IRVisitor::visit(const IfThenElse* op) {
  visit_expr(op->cond);
  visit_stmt(op->then_case);
  visit_stmt(op->else_case);
}
void IRVisitor::visit(const Store* op) {
  visit_buffer(op->buffer);
  visit_expr(op->index);
  visit_expr(op->value);
}
void IRVisitor::visit(const Seq* op) {
  for (const Stmt& s : op->stmts) visit_stmt(s);
}
void IRVisitor::visit(const Allocate* op) {
  visit_buffer(op->buffer);
  visit_stmt(op->body);
}
void IRVisitor::visit(const Evaluate* op) { visit_expr(op->value); }
void IRVisitor::visit(const MicrokernelCall* op) {
  for (const BufferOffset& b : op->buffers) {
    visit_buffer(b.buffer);
    visit_expr(b.offset);
  }
  for (const Expr& p : op->params) visit_expr(p);
}

// ---- IRMutator ----

Expr IRMutator::mutate(const Expr& e) {
  if (!e.defined()) return e;
  switch (e->kind()) {
#define STITCH_KIR_CASE(name) \
  case NodeKind::k##name:     \
    return visit(static_cast<const name*>(e.get()));
    STITCH_KIR_EXPR_NODES(STITCH_KIR_CASE)
#undef STITCH_KIR_CASE
    default:
      STITCH_CHECK(false, "kir: mutate(Expr) on a statement or buffer");
  }
  return e;
}

Stmt IRMutator::mutate(const Stmt& s) {
  if (!s.defined()) return s;
  switch (s->kind()) {
#define STITCH_KIR_CASE(name) \
  case NodeKind::k##name:     \
    return visit(static_cast<const name*>(s.get()));
    STITCH_KIR_STMT_NODES(STITCH_KIR_CASE)
#undef STITCH_KIR_CASE
    default:
      STITCH_CHECK(false, "kir: mutate(Stmt) on an expression or buffer");
  }
  return s;
}

Kernel IRMutator::mutate_kernel(const Kernel& k) {
  Stmt body = mutate(k->body);
  if (body.same_as(k->body)) return k;
  return make_kernel(k->name, k->buffers, k->scalars, std::move(body));
}

namespace {

// True when every new child is the old one: the node can be returned as is.
template <typename T>
bool same(const T& a, const T& b) {
  return a.same_as(b);
}
template <typename T>
bool same(const std::vector<T>& a, const std::vector<T>& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].same_as(b[i])) return false;
  }
  return true;
}

}  // namespace

Expr IRMutator::visit(const IntImm* op) { return Expr(op); }
Expr IRMutator::visit(const FloatImm* op) { return Expr(op); }
Expr IRMutator::visit(const Variable* op) { return Expr(op); }

Expr IRMutator::visit(const Binary* op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  if (same(a, op->a) && same(b, op->b)) return Expr(op);
  return binary(op->op, std::move(a), std::move(b));
}

Expr IRMutator::visit(const Not* op) {
  Expr a = mutate(op->a);
  return same(a, op->a) ? Expr(op) : logical_not(std::move(a));
}

Expr IRMutator::visit(const Select* op) {
  Expr c = mutate(op->cond), t = mutate(op->true_value), f = mutate(op->false_value);
  if (same(c, op->cond) && same(t, op->true_value) && same(f, op->false_value)) return Expr(op);
  return select(std::move(c), std::move(t), std::move(f));
}

Expr IRMutator::visit(const Cast* op) {
  Expr v = mutate(op->value);
  return same(v, op->value) ? Expr(op) : cast(op->type, std::move(v));
}

Expr IRMutator::visit(const Load* op) {
  Buffer buffer = mutate_buffer(op->buffer);
  Expr index = mutate(op->index);
  if (same(buffer, op->buffer) && same(index, op->index)) return Expr(op);
  return load(std::move(buffer), std::move(index));
}

Expr IRMutator::visit(const Call* op) {
  std::vector<Expr> args;
  for (const Expr& arg : op->args) args.push_back(mutate(arg));
  return same(args, op->args) ? Expr(op) : call(op->name, op->type, std::move(args));
}

Expr IRMutator::visit(const Ramp* op) {
  Expr base = mutate(op->base), stride = mutate(op->stride);
  if (same(base, op->base) && same(stride, op->stride)) return Expr(op);
  return ramp(std::move(base), std::move(stride), op->type.lanes);
}

Expr IRMutator::visit(const Broadcast* op) {
  Expr v = mutate(op->value);
  return same(v, op->value) ? Expr(op) : broadcast(std::move(v), op->type.lanes);
}

Stmt IRMutator::visit(const For* op) {
  Expr begin = mutate(op->begin), extent = mutate(op->extent);
  Stmt body = mutate(op->body);
  if (same(begin, op->begin) && same(extent, op->extent) && same(body, op->body)) {
    return Stmt(op);
  }
  return for_loop(op->var, std::move(begin), std::move(extent), op->for_kind, std::move(body));
}

Stmt IRMutator::visit(const LetStmt* op) {
  Expr value = mutate(op->value);
  Stmt body = mutate(op->body);
  if (same(value, op->value) && same(body, op->body)) return Stmt(op);
  return let_stmt(op->var, std::move(value), std::move(body));
}

Stmt IRMutator::visit(const IfThenElse* op) {
  Expr cond = mutate(op->cond);
  Stmt then_case = mutate(op->then_case), else_case = mutate(op->else_case);
  if (same(cond, op->cond) && same(then_case, op->then_case) && same(else_case, op->else_case)) {
    return Stmt(op);
  }
  return if_then_else(std::move(cond), std::move(then_case), std::move(else_case));
}

Stmt IRMutator::visit(const Store* op) {
  Buffer buffer = mutate_buffer(op->buffer);
  Expr index = mutate(op->index), value = mutate(op->value);
  if (same(buffer, op->buffer) && same(index, op->index) && same(value, op->value)) {
    return Stmt(op);
  }
  return store(std::move(buffer), std::move(index), std::move(value));
}

Stmt IRMutator::visit(const Seq* op) {
  std::vector<Stmt> stmts;
  for (const Stmt& s : op->stmts) stmts.push_back(mutate(s));
  return same(stmts, op->stmts) ? Stmt(op) : seq(std::move(stmts));
}

Stmt IRMutator::visit(const Allocate* op) {
  Buffer buffer = mutate_buffer(op->buffer);
  Stmt body = mutate(op->body);
  if (same(buffer, op->buffer) && same(body, op->body)) return Stmt(op);
  return allocate(std::move(buffer), std::move(body));
}

Stmt IRMutator::visit(const Evaluate* op) {
  Expr v = mutate(op->value);
  return same(v, op->value) ? Stmt(op) : evaluate(std::move(v));
}

Stmt IRMutator::visit(const MicrokernelCall* op) {
  std::vector<BufferOffset> buffers;
  bool unchanged = true;
  for (const BufferOffset& b : op->buffers) {
    buffers.push_back({mutate_buffer(b.buffer), mutate(b.offset)});
    unchanged =
        unchanged && same(buffers.back().buffer, b.buffer) && same(buffers.back().offset, b.offset);
  }
  std::vector<Expr> params;
  for (const Expr& p : op->params) params.push_back(mutate(p));
  if (unchanged && same(params, op->params)) return Stmt(op);
  return microkernel_call(op->name, std::move(buffers), std::move(params));
}

// ---- Substitution ----

namespace {

class Substituter : public IRMutator {
 public:
  explicit Substituter(const std::vector<std::pair<Var, Expr>>& replacements)
      : replacements_(replacements) {}

 protected:
  using IRMutator::visit;
  Expr visit(const Variable* op) override {
    for (const auto& [var, value] : replacements_) {
      if (var.get() == op) return value;
    }
    return Expr(op);
  }

 private:
  const std::vector<std::pair<Var, Expr>>& replacements_;
};

}  // namespace

Expr substitute(const Expr& e, const std::vector<std::pair<Var, Expr>>& replacements) {
  return Substituter(replacements).mutate(e);
}

Stmt substitute(const Stmt& s, const std::vector<std::pair<Var, Expr>>& replacements) {
  return Substituter(replacements).mutate(s);
}

}  // namespace stitch::kir
