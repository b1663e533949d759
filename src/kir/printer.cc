// The kernel-IR printer (format documented in printer.h). Part of kir/.
#include "kir/printer.h"

#include <charconv>
#include <cmath>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "kir/visitor.h"

namespace stitch::kir {
namespace {

constexpr int kAtomPrecedence = 100;  // immediates, names, calls: never parenthesized
constexpr int kUnaryPrecedence = 7;

int precedence_of(const Expr& e) {
  const Binary* b = e.as<Binary>();
  if (b && binary_op_precedence(b->op) > 0) return binary_op_precedence(b->op);
  return e.as<Not>() ? kUnaryPrecedence : kAtomPrecedence;
}

// Shortest text that reads back to the same value, always with a '.' or exponent.
std::string float_text(double v, bool as_float32) {
  char buf[64];
  auto result = as_float32 ? std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v))
                           : std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, result.ptr);
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

class Printer : public IRVisitor {
 public:
  std::string str() const { return os_.str(); }
  void print_kernel(const KernelNode& k);
  void print(const Expr& e, int context = 0, bool right = false);
  void print_stmt(const Stmt& s) { visit_stmt(s); }

 protected:
  using IRVisitor::visit;
#define STITCH_KIR_VISIT(name) void visit(const name* op) override;
  STITCH_KIR_EXPR_NODES(STITCH_KIR_VISIT)
  STITCH_KIR_STMT_NODES(STITCH_KIR_VISIT)
#undef STITCH_KIR_VISIT

 private:
  const std::string& name_of(const Object* o, const std::string& base);
  void indent() { os_ << std::string(2 * indent_, ' '); }
  void block(const Stmt& body) {
    os_ << " {\n";
    ++indent_;
    print_stmt(body);
    --indent_;
    indent();
    os_ << "}\n";
  }
  void buffer_decl(const Buffer& b);
  void args(const std::vector<Expr>& list) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) os_ << ", ";
      print(list[i]);
    }
  }

  std::ostringstream os_;
  int indent_ = 0;
  bool let_in_block_ = false;  // set by Seq for a let that is not its last statement
  std::unordered_map<const Object*, std::string> names_;
  std::unordered_set<std::string> used_;
};

const std::string& Printer::name_of(const Object* o, const std::string& base) {
  auto it = names_.find(o);
  if (it != names_.end()) return it->second;
  std::string name = base;
  for (int n = 1; used_.count(name); ++n) name = base + "_" + std::to_string(n);
  used_.insert(name);
  return names_[o] = name;
}

void Printer::print(const Expr& e, int context, bool right) {
  if (!e.defined()) {
    os_ << "<undefined>";
    return;
  }
  const int own = precedence_of(e);
  const bool parens = own < context || (right && own == context);
  if (parens) os_ << "(";
  visit_expr(e);
  if (parens) os_ << ")";
}

void Printer::visit(const IntImm* op) {
  if (op->type.dtype == kIndexType) {
    os_ << op->value;
  } else if (op->type.is_bool()) {
    os_ << (op->value ? "true" : "false");
  } else {
    os_ << dtype_name(op->type.dtype) << "(" << op->value << ")";
  }
}

void Printer::visit(const FloatImm* op) {
  const DType t = op->type.dtype;
  const bool finite = std::isfinite(op->value);
  if (finite && t == DType::kFloat32) {
    os_ << float_text(op->value, true) << "f";
  } else if (finite && t == DType::kFloat64) {
    os_ << float_text(op->value, false);
  } else {
    os_ << dtype_name(t) << "(" << float_text(op->value, false) << ")";
  }
}

void Printer::visit(const Variable* op) { os_ << name_of(op, op->name); }

void Printer::visit(const Binary* op) {
  const int p = binary_op_precedence(op->op);
  if (p == 0) {  // min, max
    os_ << binary_op_symbol(op->op) << "(";
    args({op->a, op->b});
    os_ << ")";
    return;
  }
  print(op->a, p, false);
  os_ << " " << binary_op_symbol(op->op) << " ";
  print(op->b, p, true);
}

void Printer::visit(const Not* op) {
  os_ << "!";
  print(op->a, kUnaryPrecedence, false);
}

void Printer::visit(const Select* op) {
  os_ << "select(";
  args({op->cond, op->true_value, op->false_value});
  os_ << ")";
}

void Printer::visit(const Cast* op) {
  os_ << type_name(op->type) << "(";
  print(op->value);
  os_ << ")";
}

void Printer::visit(const Load* op) {
  os_ << name_of(op->buffer.get(), op->buffer->name) << "[";
  print(op->index);
  os_ << "]";
}

void Printer::visit(const Call* op) {
  os_ << op->name << "(";
  args(op->args);
  os_ << ")";
}

void Printer::visit(const Ramp* op) {
  os_ << "ramp(";
  args({op->base, op->stride});
  os_ << ", " << op->type.lanes << ")";
}

void Printer::visit(const Broadcast* op) {
  os_ << "broadcast(";
  print(op->value);
  os_ << ", " << op->type.lanes << ")";
}

void Printer::visit(const For* op) {
  indent();
  if (op->for_kind != ForKind::kSerial) os_ << for_kind_name(op->for_kind) << " ";
  os_ << "for " << name_of(op->var.get(), op->var->name);
  if (op->var->type.dtype != kIndexType) os_ << ": " << type_name(op->var->type);
  os_ << " in [";
  print(op->begin);
  os_ << ", ";
  print(add(op->begin, op->extent));
  os_ << ")";
  block(op->body);
}

void Printer::visit(const LetStmt* op) {
  indent();
  os_ << "let " << name_of(op->var.get(), op->var->name) << ": " << type_name(op->var->type)
      << " = ";
  print(op->value);
  if (std::exchange(let_in_block_, false)) {
    block(op->body);
    return;
  }
  os_ << "\n";
  print_stmt(op->body);
}

void Printer::visit(const IfThenElse* op) {
  indent();
  os_ << "if (";
  print(op->cond);
  os_ << ") {\n";
  ++indent_;
  print_stmt(op->then_case);
  --indent_;
  indent();
  os_ << "}";
  if (op->else_case.defined()) {
    os_ << " else";
    block(op->else_case);
  } else {
    os_ << "\n";
  }
}

void Printer::visit(const Store* op) {
  indent();
  os_ << name_of(op->buffer.get(), op->buffer->name) << "[";
  print(op->index);
  os_ << "] = ";
  print(op->value);
  os_ << "\n";
}

void Printer::visit(const Seq* op) {
  if (op->stmts.empty()) {
    indent();
    os_ << "nop\n";
  }
  for (size_t i = 0; i < op->stmts.size(); ++i) {
    // A let with statements after it gets braces: its scope ends before them.
    let_in_block_ = i + 1 < op->stmts.size() && op->stmts[i].as<LetStmt>();
    print_stmt(op->stmts[i]);
  }
}

void Printer::buffer_decl(const Buffer& b) {
  os_ << buffer_kind_name(b->buffer_kind) << " " << name_of(b.get(), b->name) << ": "
      << dtype_name(b->dtype) << "[";
  args(b->shape);
  os_ << "]";
}

void Printer::visit(const Allocate* op) {
  indent();
  os_ << "allocate ";
  buffer_decl(op->buffer);
  block(op->body);
}

void Printer::visit(const Evaluate* op) {
  indent();
  os_ << "evaluate ";
  print(op->value);
  os_ << "\n";
}

void Printer::visit(const MicrokernelCall* op) {
  indent();
  os_ << "microkernel " << op->name << "(";
  for (size_t i = 0; i < op->buffers.size(); ++i) {
    if (i) os_ << ", ";
    os_ << "&" << name_of(op->buffers[i].buffer.get(), op->buffers[i].buffer->name) << "[";
    print(op->buffers[i].offset);
    os_ << "]";
  }
  if (!op->buffers.empty() && !op->params.empty()) os_ << ", ";
  args(op->params);
  os_ << ")\n";
}

void Printer::print_kernel(const KernelNode& k) {
  // Scalars are named first: buffer shapes print them.
  for (const Var& v : k.scalars) name_of(v.get(), v->name);
  os_ << "kernel " << k.name << "(";
  bool first = true;
  for (const Buffer& b : k.buffers) {
    if (!first) os_ << ", ";
    first = false;
    buffer_decl(b);
  }
  for (const Var& v : k.scalars) {
    if (!first) os_ << ", ";
    first = false;
    os_ << name_of(v.get(), v->name) << ": " << type_name(v->type);
  }
  os_ << ")";
  block(k.body);
}

}  // namespace

std::string to_string(const Expr& e) {
  Printer p;
  p.print(e);
  return p.str();
}

std::string to_string(const Stmt& s) {
  Printer p;
  p.print_stmt(s);
  return p.str();
}

std::string to_string(const Kernel& k) {
  if (!k.defined()) return "<undefined kernel>\n";
  Printer p;
  p.print_kernel(*k);
  return p.str();
}

std::ostream& operator<<(std::ostream& os, const Expr& e) { return os << to_string(e); }
std::ostream& operator<<(std::ostream& os, const Stmt& s) { return os << to_string(s); }
std::ostream& operator<<(std::ostream& os, const Kernel& k) { return os << to_string(k); }

}  // namespace stitch::kir
