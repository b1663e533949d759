// Structural equality (modulo renaming of bound variables and buffers) and a stable hash.
// Part of kir/.
//
// Invariant linking the two halves: every fact the comparer checks is fed to the hasher in
// the same form (bound things by binding position, free ones by name and type, immediates by
// bit pattern), so structural_equal(a, b) implies structural_hash(a) == structural_hash(b).
#include "kir/structural.h"

#include <cstring>
#include <string>
#include <unordered_map>

namespace stitch::kir {
namespace {

// ---- Equality ----

class Equal {
 public:
  bool expr(const Expr& a, const Expr& b);
  bool stmt(const Stmt& a, const Stmt& b);
  bool kernel(const KernelNode& a, const KernelNode& b);

 private:
  // Bound things map both ways, so that a bound thing never matches a free one.
  bool use(const Object* a, const Object* b) {
    auto it = l2r_.find(a);
    if (it != l2r_.end()) return it->second == b;
    return r2l_.count(b) == 0 && a == b;
  }
  void bind(const Object* a, const Object* b) {
    l2r_[a] = b;
    r2l_[b] = a;
  }
  bool bind_var(const Var& a, const Var& b) {
    if (a->type != b->type) return false;
    bind(a.get(), b.get());
    return true;
  }
  bool bind_buffer(const Buffer& a, const Buffer& b);
  bool exprs(const std::vector<Expr>& a, const std::vector<Expr>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!expr(a[i], b[i])) return false;
    }
    return true;
  }
  bool expr_fields(const ExprNode* a, const ExprNode* b);
  bool stmt_fields(const StmtNode* a, const StmtNode* b);

  std::unordered_map<const Object*, const Object*> l2r_, r2l_;
};

bool Equal::bind_buffer(const Buffer& a, const Buffer& b) {
  if (a->dtype != b->dtype || a->buffer_kind != b->buffer_kind || !exprs(a->shape, b->shape)) {
    return false;
  }
  bind(a.get(), b.get());
  return true;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

bool Equal::expr(const Expr& a, const Expr& b) {
  if (!a.defined() || !b.defined()) return a.defined() == b.defined();
  if (a.same_as(b) && l2r_.empty()) return true;  // no renaming in effect: identity suffices
  if (a->kind() != b->kind() || a->type != b->type) return false;
  return expr_fields(a.get(), b.get());
}

bool Equal::expr_fields(const ExprNode* a, const ExprNode* b) {
  switch (a->kind()) {
    case NodeKind::kIntImm:
      return static_cast<const IntImm*>(a)->value == static_cast<const IntImm*>(b)->value;
    case NodeKind::kFloatImm:
      return same_bits(static_cast<const FloatImm*>(a)->value,
                       static_cast<const FloatImm*>(b)->value);
    case NodeKind::kVariable:
      return use(a, b);
    case NodeKind::kBinary: {
      auto *x = static_cast<const Binary*>(a), *y = static_cast<const Binary*>(b);
      return x->op == y->op && expr(x->a, y->a) && expr(x->b, y->b);
    }
    case NodeKind::kNot:
      return expr(static_cast<const Not*>(a)->a, static_cast<const Not*>(b)->a);
    case NodeKind::kSelect: {
      auto *x = static_cast<const Select*>(a), *y = static_cast<const Select*>(b);
      return expr(x->cond, y->cond) && expr(x->true_value, y->true_value) &&
             expr(x->false_value, y->false_value);
    }
    case NodeKind::kCast:
      return expr(static_cast<const Cast*>(a)->value, static_cast<const Cast*>(b)->value);
    case NodeKind::kLoad: {
      auto *x = static_cast<const Load*>(a), *y = static_cast<const Load*>(b);
      return use(x->buffer.get(), y->buffer.get()) && expr(x->index, y->index);
    }
    case NodeKind::kCall: {
      auto *x = static_cast<const Call*>(a), *y = static_cast<const Call*>(b);
      return x->name == y->name && exprs(x->args, y->args);
    }
    case NodeKind::kRamp: {
      auto *x = static_cast<const Ramp*>(a), *y = static_cast<const Ramp*>(b);
      return expr(x->base, y->base) && expr(x->stride, y->stride);
    }
    case NodeKind::kBroadcast:
      return expr(static_cast<const Broadcast*>(a)->value, static_cast<const Broadcast*>(b)->value);
    default:
      return false;
  }
}

bool Equal::stmt(const Stmt& a, const Stmt& b) {
  if (!a.defined() || !b.defined()) return a.defined() == b.defined();
  if (a.same_as(b) && l2r_.empty()) return true;
  if (a->kind() != b->kind()) return false;
  return stmt_fields(a.get(), b.get());
}

bool Equal::stmt_fields(const StmtNode* a, const StmtNode* b) {
  switch (a->kind()) {
    case NodeKind::kFor: {
      auto *x = static_cast<const For*>(a), *y = static_cast<const For*>(b);
      return x->for_kind == y->for_kind && expr(x->begin, y->begin) && expr(x->extent, y->extent) &&
             bind_var(x->var, y->var) && stmt(x->body, y->body);
    }
    case NodeKind::kLetStmt: {
      auto *x = static_cast<const LetStmt*>(a), *y = static_cast<const LetStmt*>(b);
      return expr(x->value, y->value) && bind_var(x->var, y->var) && stmt(x->body, y->body);
    }
    case NodeKind::kIfThenElse: {
      auto *x = static_cast<const IfThenElse*>(a), *y = static_cast<const IfThenElse*>(b);
      return expr(x->cond, y->cond) && stmt(x->then_case, y->then_case) &&
             stmt(x->else_case, y->else_case);
    }
    case NodeKind::kStore: {
      auto *x = static_cast<const Store*>(a), *y = static_cast<const Store*>(b);
      return use(x->buffer.get(), y->buffer.get()) && expr(x->index, y->index) &&
             expr(x->value, y->value);
    }
    case NodeKind::kSeq: {
      auto *x = static_cast<const Seq*>(a), *y = static_cast<const Seq*>(b);
      if (x->stmts.size() != y->stmts.size()) return false;
      for (size_t i = 0; i < x->stmts.size(); ++i) {
        if (!stmt(x->stmts[i], y->stmts[i])) return false;
      }
      return true;
    }
    case NodeKind::kAllocate: {
      auto *x = static_cast<const Allocate*>(a), *y = static_cast<const Allocate*>(b);
      return bind_buffer(x->buffer, y->buffer) && stmt(x->body, y->body);
    }
    case NodeKind::kEvaluate:
      return expr(static_cast<const Evaluate*>(a)->value, static_cast<const Evaluate*>(b)->value);
    case NodeKind::kMicrokernelCall: {
      auto *x = static_cast<const MicrokernelCall*>(a), *y = static_cast<const MicrokernelCall*>(b);
      if (x->name != y->name || x->buffers.size() != y->buffers.size()) return false;
      for (size_t i = 0; i < x->buffers.size(); ++i) {
        if (!use(x->buffers[i].buffer.get(), y->buffers[i].buffer.get()) ||
            !expr(x->buffers[i].offset, y->buffers[i].offset)) {
          return false;
        }
      }
      return exprs(x->params, y->params);
    }
    default:
      return false;
  }
}

bool Equal::kernel(const KernelNode& a, const KernelNode& b) {
  if (a.name != b.name || a.scalars.size() != b.scalars.size() ||
      a.buffers.size() != b.buffers.size()) {
    return false;
  }
  // Scalars first: buffer shapes may name them.
  for (size_t i = 0; i < a.scalars.size(); ++i) {
    if (!bind_var(a.scalars[i], b.scalars[i])) return false;
  }
  for (size_t i = 0; i < a.buffers.size(); ++i) {
    if (!bind_buffer(a.buffers[i], b.buffers[i])) return false;
  }
  return stmt(a.body, b.body);
}

// ---- Hashing ----

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Hasher {
 public:
  void expr(const Expr& e);
  void stmt(const Stmt& s);
  void kernel(const KernelNode& k);
  uint64_t value() const { return h_; }

 private:
  void add(uint64_t v) { h_ = mix(h_ ^ (v + 0x9e3779b97f4a7c15ULL + (h_ << 6) + (h_ >> 2))); }
  void add(const std::string& s) {
    uint64_t fnv = 0xcbf29ce484222325ULL;  // FNV-1a: std::hash differs between libraries
    for (unsigned char c : s) fnv = (fnv ^ c) * 0x100000001b3ULL;
    add(fnv);
    add(s.size());
  }
  void add_type(Type t) {
    add(static_cast<uint64_t>(t.dtype));
    add(static_cast<uint64_t>(t.lanes));
  }
  // A use: bound things by position, free ones by what identifies them to a reader.
  void use(const Object* o, const std::string& name, uint64_t type_code) {
    auto it = bound_.find(o);
    if (it != bound_.end()) {
      add(1);
      add(it->second);
    } else {
      add(2);
      add(name);
      add(type_code);
    }
  }
  void bind(const Object* o) { bound_[o] = next_binding_++; }
  void bind_buffer(const Buffer& b) {
    add(static_cast<uint64_t>(b->dtype));
    add(static_cast<uint64_t>(b->buffer_kind));
    add(b->shape.size());
    for (const Expr& e : b->shape) expr(e);
    bind(b.get());
  }
  void buffer_use(const Buffer& b) { use(b.get(), b->name, static_cast<uint64_t>(b->dtype)); }
  void expr_fields(const ExprNode* e);
  void stmt_fields(const StmtNode* s);

  uint64_t h_ = 0;
  uint64_t next_binding_ = 0;
  std::unordered_map<const Object*, uint64_t> bound_;
};

void Hasher::expr(const Expr& e) {
  if (!e.defined()) {
    add(0xdead);
    return;
  }
  add(static_cast<uint64_t>(e->kind()));
  add_type(e->type);
  expr_fields(e.get());
}

void Hasher::expr_fields(const ExprNode* e) {
  switch (e->kind()) {
    case NodeKind::kIntImm:
      add(static_cast<uint64_t>(static_cast<const IntImm*>(e)->value));
      break;
    case NodeKind::kFloatImm: {
      uint64_t bits;
      std::memcpy(&bits, &static_cast<const FloatImm*>(e)->value, sizeof(bits));
      add(bits);
      break;
    }
    case NodeKind::kVariable: {
      auto* v = static_cast<const Variable*>(e);
      use(v, v->name, static_cast<uint64_t>(v->type.dtype));
      break;
    }
    case NodeKind::kBinary: {
      auto* x = static_cast<const Binary*>(e);
      add(static_cast<uint64_t>(x->op));
      expr(x->a);
      expr(x->b);
      break;
    }
    case NodeKind::kNot:
      expr(static_cast<const Not*>(e)->a);
      break;
    case NodeKind::kSelect: {
      auto* x = static_cast<const Select*>(e);
      expr(x->cond);
      expr(x->true_value);
      expr(x->false_value);
      break;
    }
    case NodeKind::kCast:
      expr(static_cast<const Cast*>(e)->value);
      break;
    case NodeKind::kLoad: {
      auto* x = static_cast<const Load*>(e);
      buffer_use(x->buffer);
      expr(x->index);
      break;
    }
    case NodeKind::kCall: {
      auto* x = static_cast<const Call*>(e);
      add(x->name);
      add(x->args.size());
      for (const Expr& arg : x->args) expr(arg);
      break;
    }
    case NodeKind::kRamp: {
      auto* x = static_cast<const Ramp*>(e);
      expr(x->base);
      expr(x->stride);
      break;
    }
    case NodeKind::kBroadcast:
      expr(static_cast<const Broadcast*>(e)->value);
      break;
    default:
      break;
  }
}

void Hasher::stmt(const Stmt& s) {
  if (!s.defined()) {
    add(0xdead);
    return;
  }
  add(static_cast<uint64_t>(s->kind()));
  stmt_fields(s.get());
}

void Hasher::stmt_fields(const StmtNode* s) {
  switch (s->kind()) {
    case NodeKind::kFor: {
      auto* x = static_cast<const For*>(s);
      add(static_cast<uint64_t>(x->for_kind));
      expr(x->begin);
      expr(x->extent);
      add_type(x->var->type);
      bind(x->var.get());
      stmt(x->body);
      break;
    }
    case NodeKind::kLetStmt: {
      auto* x = static_cast<const LetStmt*>(s);
      expr(x->value);
      add_type(x->var->type);
      bind(x->var.get());
      stmt(x->body);
      break;
    }
    case NodeKind::kIfThenElse: {
      auto* x = static_cast<const IfThenElse*>(s);
      expr(x->cond);
      stmt(x->then_case);
      stmt(x->else_case);
      break;
    }
    case NodeKind::kStore: {
      auto* x = static_cast<const Store*>(s);
      buffer_use(x->buffer);
      expr(x->index);
      expr(x->value);
      break;
    }
    case NodeKind::kSeq: {
      auto* x = static_cast<const Seq*>(s);
      add(x->stmts.size());
      for (const Stmt& child : x->stmts) stmt(child);
      break;
    }
    case NodeKind::kAllocate: {
      auto* x = static_cast<const Allocate*>(s);
      bind_buffer(x->buffer);
      stmt(x->body);
      break;
    }
    case NodeKind::kEvaluate:
      expr(static_cast<const Evaluate*>(s)->value);
      break;
    case NodeKind::kMicrokernelCall: {
      auto* x = static_cast<const MicrokernelCall*>(s);
      add(x->name);
      add(x->buffers.size());
      for (const BufferOffset& b : x->buffers) {
        buffer_use(b.buffer);
        expr(b.offset);
      }
      add(x->params.size());
      for (const Expr& p : x->params) expr(p);
      break;
    }
    default:
      break;
  }
}

void Hasher::kernel(const KernelNode& k) {
  add(k.name);
  add(k.scalars.size());
  for (const Var& v : k.scalars) {
    add_type(v->type);
    bind(v.get());
  }
  add(k.buffers.size());
  for (const Buffer& b : k.buffers) bind_buffer(b);
  stmt(k.body);
}

}  // namespace

bool structural_equal(const Expr& a, const Expr& b) { return Equal().expr(a, b); }
bool structural_equal(const Stmt& a, const Stmt& b) { return Equal().stmt(a, b); }
bool structural_equal(const Kernel& a, const Kernel& b) {
  if (!a.defined() || !b.defined()) return a.defined() == b.defined();
  return Equal().kernel(*a, *b);
}

uint64_t structural_hash(const Expr& e) {
  Hasher h;
  h.expr(e);
  return h.value();
}

uint64_t structural_hash(const Stmt& s) {
  Hasher h;
  h.stmt(s);
  return h.value();
}

uint64_t structural_hash(const Kernel& k) {
  Hasher h;
  if (k.defined()) h.kernel(*k);
  return h.value();
}

}  // namespace stitch::kir
