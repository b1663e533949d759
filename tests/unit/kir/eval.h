// A tiny test-only evaluator of integer kernel IR: runs scalar integer expressions and
// statements on a map of variables and integer buffers. Part of tests/unit/kir/; it checks
// what lowering emits (task-mapping loops, folded constants) by running it.
#pragma once

#include <map>
#include <vector>

#include "kir/kir.h"
#include "support/status.h"

namespace stitch::kir::testing {

class Evaluator {
 public:
  std::map<const Variable*, int64_t> env;
  std::map<const BufferNode*, std::vector<int64_t>> memory;
  // The arguments of every `evaluate record(...)` statement run, in order.
  std::vector<std::vector<int64_t>> records;

  int64_t eval(const Expr& e) {
    STITCH_CHECK(!e->type.is_vector(), "test evaluator: vectors are not supported");
    if (const int64_t* c = as_const_int(e)) return *c;
    if (const Variable* v = e.as<Variable>()) {
      STITCH_CHECK(env.count(v), "test evaluator: unbound variable ", v->name);
      return env.at(v);
    }
    if (const Binary* b = e.as<Binary>()) return eval_binary(b->op, eval(b->a), eval(b->b));
    if (const Not* n = e.as<Not>()) return eval(n->a) == 0;
    if (const Select* s = e.as<Select>()) {
      return eval(s->cond) ? eval(s->true_value) : eval(s->false_value);
    }
    if (const Cast* c = e.as<Cast>()) return eval(c->value);
    if (const Load* l = e.as<Load>()) return memory.at(l->buffer.get()).at(eval(l->index));
    STITCH_CHECK(false, "test evaluator: unsupported expression");
    return 0;
  }

  void exec(const Stmt& s) {
    if (const For* f = s.as<For>()) {
      const int64_t begin = eval(f->begin), end = begin + eval(f->extent);
      for (int64_t i = begin; i < end; ++i) {
        env[f->var.get()] = i;
        exec(f->body);
      }
    } else if (const LetStmt* l = s.as<LetStmt>()) {
      env[l->var.get()] = eval(l->value);
      exec(l->body);
    } else if (const IfThenElse* i = s.as<IfThenElse>()) {
      if (eval(i->cond)) {
        exec(i->then_case);
      } else if (i->else_case.defined()) {
        exec(i->else_case);
      }
    } else if (const Store* st = s.as<Store>()) {
      memory.at(st->buffer.get()).at(eval(st->index)) = eval(st->value);
    } else if (const Seq* q = s.as<Seq>()) {
      for (const Stmt& child : q->stmts) exec(child);
    } else if (const Evaluate* ev = s.as<Evaluate>()) {
      const Call* c = ev->value.as<Call>();
      STITCH_CHECK(c && c->name == "record", "test evaluator: evaluate of other than record()");
      std::vector<int64_t> args;
      for (const Expr& a : c->args) args.push_back(eval(a));
      records.push_back(args);
    } else {
      STITCH_CHECK(false, "test evaluator: unsupported statement");
    }
  }

 private:
  static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
  }
  static int64_t eval_binary(BinaryOp op, int64_t a, int64_t b) {
    switch (op) {
      case BinaryOp::kAdd:
        return a + b;
      case BinaryOp::kSub:
        return a - b;
      case BinaryOp::kMul:
        return a * b;
      case BinaryOp::kDiv:
        return floor_div(a, b);
      case BinaryOp::kMod:
        return a - floor_div(a, b) * b;
      case BinaryOp::kMin:
        return a < b ? a : b;
      case BinaryOp::kMax:
        return a < b ? b : a;
      case BinaryOp::kEQ:
        return a == b;
      case BinaryOp::kNE:
        return a != b;
      case BinaryOp::kLT:
        return a < b;
      case BinaryOp::kLE:
        return a <= b;
      case BinaryOp::kGT:
        return a > b;
      case BinaryOp::kGE:
        return a >= b;
      case BinaryOp::kAnd:
        return a && b;
      case BinaryOp::kOr:
        return a || b;
    }
    return 0;
  }
};

// A statement that records its integer arguments when the evaluator runs it.
inline Stmt record(const std::vector<Expr>& values) {
  return evaluate(call("record", Type{kIndexType, 1}, values));
}

}  // namespace stitch::kir::testing
