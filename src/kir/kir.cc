// Constructors of the kernel IR: type checks and light integer simplification.
// Part of kir/; every node lower/ builds goes through these functions.
#include "kir/kir.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "support/status.h"

namespace stitch::kir {

std::string type_name(Type t) {
  std::string name = dtype_name(t.dtype);
  if (t.lanes != 1) name += "x" + std::to_string(t.lanes);
  return name;
}

const char* binary_op_symbol(BinaryOp op) {
  switch (op) {
#define STITCH_KIR_CASE(name, symbol, precedence, is_bool) \
  case BinaryOp::k##name:                                  \
    return symbol;
    STITCH_KIR_BINARY_OPS(STITCH_KIR_CASE)
#undef STITCH_KIR_CASE
  }
  return "?";
}

int binary_op_precedence(BinaryOp op) {
  switch (op) {
#define STITCH_KIR_CASE(name, symbol, precedence, is_bool) \
  case BinaryOp::k##name:                                  \
    return precedence;
    STITCH_KIR_BINARY_OPS(STITCH_KIR_CASE)
#undef STITCH_KIR_CASE
  }
  return 0;
}

static bool binary_op_is_bool(BinaryOp op) {
  switch (op) {
#define STITCH_KIR_CASE(name, symbol, precedence, is_bool) \
  case BinaryOp::k##name:                                  \
    return is_bool;
    STITCH_KIR_BINARY_OPS(STITCH_KIR_CASE)
#undef STITCH_KIR_CASE
  }
  return false;
}

const char* for_kind_name(ForKind k) {
  switch (k) {
    case ForKind::kSerial:
      return "serial";
    case ForKind::kParallel:
      return "parallel";
    case ForKind::kVectorized:
      return "vectorized";
    case ForKind::kUnrolled:
      return "unrolled";
  }
  return "?";
}

const char* buffer_kind_name(BufferKind k) {
  switch (k) {
    case BufferKind::kInput:
      return "input";
    case BufferKind::kOutput:
      return "output";
    case BufferKind::kIntermediate:
      return "intermediate";
    case BufferKind::kConstant:
      return "constant";
    case BufferKind::kScratch:
      return "scratch";
  }
  return "?";
}

namespace {

// Truncates v to the width of an integer dtype, as the generated C++ would.
int64_t wrap_to(DType t, int64_t v) {
  switch (t) {
    case DType::kBool:
      return v != 0;
    case DType::kInt8:
      return static_cast<int8_t>(v);
    case DType::kUInt8:
      return static_cast<uint8_t>(v);
    case DType::kInt16:
      return static_cast<int16_t>(v);
    case DType::kUInt16:
      return static_cast<uint16_t>(v);
    case DType::kInt32:
      return static_cast<int32_t>(v);
    case DType::kUInt32:
      return static_cast<uint32_t>(v);
    default:
      return v;
  }
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

void check_scalar_int(const Expr& e, const char* what) {
  STITCH_CHECK(e.defined(), "kir: ", what, " is undefined");
  STITCH_CHECK(e->type.is_int() && !e->type.is_vector(), "kir: ", what,
               " must be a scalar integer, not ", type_name(e->type));
}

// Folds op on two constants of signed or bool type t; undefined when it must stay (x / 0).
Expr fold_constants(BinaryOp op, DType t, int64_t a, int64_t b) {
  // Unsigned arithmetic wraps without undefined behaviour; wrap_to then narrows.
  const uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  auto imm = [t](uint64_t v) { return int_imm(wrap_to(t, static_cast<int64_t>(v)), t); };
  const bool overflowing_div = b == -1 && a == std::numeric_limits<int64_t>::min();
  switch (op) {
    case BinaryOp::kAdd:
      return imm(ua + ub);
    case BinaryOp::kSub:
      return imm(ua - ub);
    case BinaryOp::kMul:
      return imm(ua * ub);
    case BinaryOp::kDiv:
      return b == 0 || overflowing_div ? Expr() : imm(static_cast<uint64_t>(floor_div(a, b)));
    case BinaryOp::kMod:
      if (b == 0) return Expr();
      return overflowing_div ? imm(0) : imm(static_cast<uint64_t>(floor_mod(a, b)));
    case BinaryOp::kMin:
      return imm(static_cast<uint64_t>(a < b ? a : b));
    case BinaryOp::kMax:
      return imm(static_cast<uint64_t>(a < b ? b : a));
    case BinaryOp::kEQ:
      return bool_imm(a == b);
    case BinaryOp::kNE:
      return bool_imm(a != b);
    case BinaryOp::kLT:
      return bool_imm(a < b);
    case BinaryOp::kLE:
      return bool_imm(a <= b);
    case BinaryOp::kGT:
      return bool_imm(a > b);
    case BinaryOp::kGE:
      return bool_imm(a >= b);
    case BinaryOp::kAnd:
      return bool_imm(a && b);
    case BinaryOp::kOr:
      return bool_imm(a || b);
  }
  return Expr();
}

// Identities with one constant operand: x+0, 0+x, x-0, x*1, 1*x, x*0, x/1, x%1, and the
// boolean ones (true && x, false || x, ...). Undefined when none applies.
Expr simplify_identity(BinaryOp op, const Expr& a, const Expr& b) {
  const int64_t* ca = as_const_int(a);
  const int64_t* cb = as_const_int(b);
  const auto is = [](const int64_t* c, int64_t v) { return c != nullptr && *c == v; };
  switch (op) {
    case BinaryOp::kAdd:
      return is(cb, 0) ? a : is(ca, 0) ? b : Expr();
    case BinaryOp::kSub:
      return is(cb, 0) ? a : Expr();
    case BinaryOp::kMul:
      if (is(cb, 1) || is(ca, 0)) return a;
      return is(ca, 1) || is(cb, 0) ? b : Expr();
    case BinaryOp::kDiv:
      return is(cb, 1) ? a : Expr();
    case BinaryOp::kMod:
      return is(cb, 1) ? int_imm(0, a->type.dtype) : Expr();
    case BinaryOp::kAnd:
      if (is(ca, 1) || is(cb, 0)) return b;
      return is(cb, 1) || is(ca, 0) ? a : Expr();
    case BinaryOp::kOr:
      if (is(ca, 0) || is(cb, 1)) return b;
      return is(cb, 0) || is(ca, 1) ? a : Expr();
    default:
      return Expr();
  }
}

Expr simplify_binary(BinaryOp op, const Expr& a, const Expr& b) {
  const DType t = a->type.dtype;
  if (!a->type.is_int() && !a->type.is_bool()) return Expr();  // floats stay as written
  const int64_t* ca = as_const_int(a);
  const int64_t* cb = as_const_int(b);
  // Unsigned constants are not folded: int64_t arithmetic would compare and divide them wrong.
  if (ca && cb && (dtype_is_signed(t) || t == DType::kBool)) {
    if (Expr folded = fold_constants(op, t, *ca, *cb); folded.defined()) return folded;
  }
  return simplify_identity(op, a, b);
}

template <typename T>
Ref<T> owned(T* node) {
  return Ref<T>(node);
}

// The constant v with type t (broadcast for vectors).
Expr const_like(Type t, int64_t v) {
  Expr scalar = t.is_float() ? float_imm(static_cast<double>(v), t.dtype) : int_imm(v, t.dtype);
  return broadcast(scalar, t.lanes);
}

}  // namespace

const int64_t* as_const_int(const Expr& e) {
  const IntImm* imm = e.as<IntImm>();
  return imm ? &imm->value : nullptr;
}

// ---- Expressions ----

Expr int_imm(int64_t value, DType dtype) {
  STITCH_CHECK(dtype_is_integer(dtype) || dtype == DType::kBool, "kir: int_imm of ",
               dtype_name(dtype));
  auto* n = new IntImm();
  n->type = Type{dtype, 1};
  n->value = wrap_to(dtype, value);
  return owned(n);
}

Expr bool_imm(bool value) { return int_imm(value ? 1 : 0, DType::kBool); }

Expr float_imm(double value, DType dtype) {
  STITCH_CHECK(dtype_is_float(dtype), "kir: float_imm of ", dtype_name(dtype));
  auto* n = new FloatImm();
  n->type = Type{dtype, 1};
  // Hold what the emitted float32 literal will hold, so equal constants compare equal.
  n->value = dtype == DType::kFloat32 ? static_cast<double>(static_cast<float>(value)) : value;
  return owned(n);
}

Expr make_const(Type t, double value) {
  Expr scalar =
      t.is_float() ? float_imm(value, t.dtype) : int_imm(static_cast<int64_t>(value), t.dtype);
  return broadcast(scalar, t.lanes);
}

Var make_var(std::string name, DType dtype) {
  STITCH_CHECK(!name.empty(), "kir: a variable needs a name");
  auto* n = new Variable();
  n->type = Type{dtype, 1};
  n->name = std::move(name);
  return owned(n);
}

Expr binary(BinaryOp op, Expr a, Expr b) {
  STITCH_CHECK(a.defined() && b.defined(), "kir: operand of ", binary_op_symbol(op),
               " is undefined");
  STITCH_CHECK(a->type == b->type, "kir: operands of ", binary_op_symbol(op), " have types ",
               type_name(a->type), " and ", type_name(b->type));
  const bool logical = op == BinaryOp::kAnd || op == BinaryOp::kOr;
  STITCH_CHECK(!logical || a->type.is_bool(), "kir: ", binary_op_symbol(op), " of ",
               type_name(a->type));
  STITCH_CHECK(logical || a->type.dtype != DType::kBool || binary_op_is_bool(op),
               "kir: ", binary_op_symbol(op), " of bool");
  if (Expr s = simplify_binary(op, a, b); s.defined()) return s;
  auto* n = new Binary();
  n->type = binary_op_is_bool(op) ? Type{DType::kBool, a->type.lanes} : a->type;
  n->op = op;
  n->a = std::move(a);
  n->b = std::move(b);
  return owned(n);
}

Expr add(Expr a, Expr b) { return binary(BinaryOp::kAdd, std::move(a), std::move(b)); }
Expr sub(Expr a, Expr b) { return binary(BinaryOp::kSub, std::move(a), std::move(b)); }
Expr mul(Expr a, Expr b) { return binary(BinaryOp::kMul, std::move(a), std::move(b)); }
Expr div(Expr a, Expr b) { return binary(BinaryOp::kDiv, std::move(a), std::move(b)); }
Expr mod(Expr a, Expr b) { return binary(BinaryOp::kMod, std::move(a), std::move(b)); }
Expr min(Expr a, Expr b) { return binary(BinaryOp::kMin, std::move(a), std::move(b)); }
Expr max(Expr a, Expr b) { return binary(BinaryOp::kMax, std::move(a), std::move(b)); }
Expr eq(Expr a, Expr b) { return binary(BinaryOp::kEQ, std::move(a), std::move(b)); }
Expr ne(Expr a, Expr b) { return binary(BinaryOp::kNE, std::move(a), std::move(b)); }
Expr lt(Expr a, Expr b) { return binary(BinaryOp::kLT, std::move(a), std::move(b)); }
Expr le(Expr a, Expr b) { return binary(BinaryOp::kLE, std::move(a), std::move(b)); }
Expr gt(Expr a, Expr b) { return binary(BinaryOp::kGT, std::move(a), std::move(b)); }
Expr ge(Expr a, Expr b) { return binary(BinaryOp::kGE, std::move(a), std::move(b)); }
Expr logical_and(Expr a, Expr b) { return binary(BinaryOp::kAnd, std::move(a), std::move(b)); }
Expr logical_or(Expr a, Expr b) { return binary(BinaryOp::kOr, std::move(a), std::move(b)); }

Expr logical_not(Expr a) {
  STITCH_CHECK(a.defined() && a->type.is_bool(), "kir: ! needs a bool operand");
  if (const int64_t* c = as_const_int(a)) return bool_imm(*c == 0);
  if (const Not* inner = a.as<Not>()) return inner->a;
  auto* n = new Not();
  n->type = a->type;
  n->a = std::move(a);
  return owned(n);
}

Expr select(Expr cond, Expr true_value, Expr false_value) {
  STITCH_CHECK(cond.defined() && true_value.defined() && false_value.defined(),
               "kir: select with an undefined operand");
  STITCH_CHECK(true_value->type == false_value->type, "kir: select of ",
               type_name(true_value->type), " and ", type_name(false_value->type));
  STITCH_CHECK(
      cond->type.is_bool() && (cond->type.lanes == 1 || cond->type.lanes == true_value->type.lanes),
      "kir: select condition of type ", type_name(cond->type));
  if (const int64_t* c = as_const_int(cond)) return *c ? true_value : false_value;
  auto* n = new Select();
  n->type = true_value->type;
  n->cond = std::move(cond);
  n->true_value = std::move(true_value);
  n->false_value = std::move(false_value);
  return owned(n);
}

Expr cast(Type t, Expr value) {
  STITCH_CHECK(value.defined(), "kir: cast of an undefined expression");
  STITCH_CHECK(t.lanes == value->type.lanes, "kir: cast from ", type_name(value->type), " to ",
               type_name(t), " changes lanes");
  if (value->type == t) return value;
  const int64_t* c = as_const_int(value);
  if (c && (t.is_int() || t.is_bool()) && dtype_is_signed(value->type.dtype)) {
    return int_imm(*c, t.dtype);
  }
  auto* n = new Cast();
  n->type = t;
  n->value = std::move(value);
  return owned(n);
}

Expr load(Buffer buffer, Expr index) {
  STITCH_CHECK(buffer.defined() && index.defined(), "kir: load with an undefined operand");
  STITCH_CHECK(index->type.is_int(), "kir: load from ", buffer->name, " with index of type ",
               type_name(index->type));
  auto* n = new Load();
  n->type = Type{buffer->dtype, index->type.lanes};
  n->buffer = std::move(buffer);
  n->index = std::move(index);
  return owned(n);
}

Expr vector_load(Buffer buffer, Expr base, int lanes) {
  Expr stride = int_imm(1, base->type.dtype);
  return load(std::move(buffer), ramp(std::move(base), std::move(stride), lanes));
}

Expr call(std::string name, Type t, std::vector<Expr> args) {
  STITCH_CHECK(!name.empty(), "kir: call without a name");
  for (const Expr& arg : args) STITCH_CHECK(arg.defined(), "kir: undefined argument of ", name);
  auto* n = new Call();
  n->type = t;
  n->name = std::move(name);
  n->args = std::move(args);
  return owned(n);
}

Expr ramp(Expr base, Expr stride, int lanes) {
  check_scalar_int(base, "ramp base");
  check_scalar_int(stride, "ramp stride");
  STITCH_CHECK(base->type == stride->type, "kir: ramp base and stride differ in type");
  STITCH_CHECK(lanes >= 1, "kir: ramp of ", lanes, " lanes");
  if (lanes == 1) return base;
  auto* n = new Ramp();
  n->type = base->type.with_lanes(lanes);
  n->base = std::move(base);
  n->stride = std::move(stride);
  return owned(n);
}

Expr broadcast(Expr value, int lanes) {
  STITCH_CHECK(value.defined() && !value->type.is_vector(), "kir: broadcast of a non-scalar");
  STITCH_CHECK(lanes >= 1, "kir: broadcast to ", lanes, " lanes");
  if (lanes == 1) return value;
  auto* n = new Broadcast();
  n->type = value->type.with_lanes(lanes);
  n->value = std::move(value);
  return owned(n);
}

Expr operator+(const Expr& a, const Expr& b) { return add(a, b); }
Expr operator-(const Expr& a, const Expr& b) { return sub(a, b); }
Expr operator*(const Expr& a, const Expr& b) { return mul(a, b); }
Expr operator/(const Expr& a, const Expr& b) { return div(a, b); }
Expr operator%(const Expr& a, const Expr& b) { return mod(a, b); }
Expr operator+(const Expr& a, int64_t b) { return add(a, const_like(a->type, b)); }
Expr operator-(const Expr& a, int64_t b) { return sub(a, const_like(a->type, b)); }
Expr operator*(const Expr& a, int64_t b) { return mul(a, const_like(a->type, b)); }
Expr operator/(const Expr& a, int64_t b) { return div(a, const_like(a->type, b)); }
Expr operator%(const Expr& a, int64_t b) { return mod(a, const_like(a->type, b)); }
Expr operator+(int64_t a, const Expr& b) { return add(const_like(b->type, a), b); }
Expr operator*(int64_t a, const Expr& b) { return mul(const_like(b->type, a), b); }

// ---- Statements ----

Stmt for_loop(Var var, Expr begin, Expr extent, ForKind kind, Stmt body) {
  check_scalar_int(var, "loop variable");
  check_scalar_int(begin, "loop begin");
  check_scalar_int(extent, "loop extent");
  STITCH_CHECK(begin->type == var->type && extent->type == var->type, "kir: loop over ", var->name,
               " mixes integer types");
  STITCH_CHECK(body.defined(), "kir: loop over ", var->name, " without a body");
  auto* n = new For();
  n->var = std::move(var);
  n->begin = std::move(begin);
  n->extent = std::move(extent);
  n->for_kind = kind;
  n->body = std::move(body);
  return owned(n);
}

Stmt let_stmt(Var var, Expr value, Stmt body) {
  STITCH_CHECK(var.defined() && value.defined() && body.defined(), "kir: incomplete let");
  STITCH_CHECK(var->type == value->type, "kir: let ", var->name, " of type ", type_name(var->type),
               " bound to ", type_name(value->type));
  auto* n = new LetStmt();
  n->var = std::move(var);
  n->value = std::move(value);
  n->body = std::move(body);
  return owned(n);
}

Stmt if_then_else(Expr cond, Stmt then_case, Stmt else_case) {
  STITCH_CHECK(cond.defined() && (cond->type == Type{DType::kBool, 1}),
               "kir: if needs a scalar bool condition");
  STITCH_CHECK(then_case.defined(), "kir: if without a then branch");
  if (const int64_t* c = as_const_int(cond)) {
    if (*c) return then_case;
    return else_case.defined() ? else_case : seq({});
  }
  auto* n = new IfThenElse();
  n->cond = std::move(cond);
  n->then_case = std::move(then_case);
  n->else_case = std::move(else_case);
  return owned(n);
}

Stmt store(Buffer buffer, Expr index, Expr value) {
  STITCH_CHECK(buffer.defined() && index.defined() && value.defined(), "kir: incomplete store");
  STITCH_CHECK(index->type.is_int(), "kir: store to ", buffer->name, " with index of type ",
               type_name(index->type));
  STITCH_CHECK((value->type == Type{buffer->dtype, index->type.lanes}), "kir: store of ",
               type_name(value->type), " to ", buffer->name, " (", dtype_name(buffer->dtype),
               ") at an index of ", index->type.lanes, " lanes");
  auto* n = new Store();
  n->buffer = std::move(buffer);
  n->index = std::move(index);
  n->value = std::move(value);
  return owned(n);
}

Stmt vector_store(Buffer buffer, Expr base, Expr value) {
  const int lanes = value->type.lanes;
  Expr stride = int_imm(1, base->type.dtype);
  return store(std::move(buffer), ramp(std::move(base), std::move(stride), lanes),
               std::move(value));
}

Stmt seq(std::vector<Stmt> stmts) {
  std::vector<Stmt> flat;
  for (Stmt& s : stmts) {
    if (!s.defined()) continue;
    if (const Seq* inner = s.as<Seq>()) {
      flat.insert(flat.end(), inner->stmts.begin(), inner->stmts.end());
    } else {
      flat.push_back(std::move(s));
    }
  }
  if (flat.size() == 1) return flat[0];
  auto* n = new Seq();
  n->stmts = std::move(flat);
  return owned(n);
}

Stmt allocate(Buffer buffer, Stmt body) {
  STITCH_CHECK(buffer.defined() && body.defined(), "kir: incomplete allocate");
  auto* n = new Allocate();
  n->buffer = std::move(buffer);
  n->body = std::move(body);
  return owned(n);
}

Stmt evaluate(Expr value) {
  STITCH_CHECK(value.defined(), "kir: evaluate of an undefined expression");
  auto* n = new Evaluate();
  n->value = std::move(value);
  return owned(n);
}

Stmt microkernel_call(std::string name, std::vector<BufferOffset> buffers,
                      std::vector<Expr> params) {
  STITCH_CHECK(!name.empty(), "kir: microkernel call without a name");
  for (const BufferOffset& b : buffers) {
    STITCH_CHECK(b.buffer.defined(), "kir: undefined buffer passed to ", name);
    check_scalar_int(b.offset, "microkernel buffer offset");
  }
  for (const Expr& p : params) check_scalar_int(p, "microkernel parameter");
  auto* n = new MicrokernelCall();
  n->name = std::move(name);
  n->buffers = std::move(buffers);
  n->params = std::move(params);
  return owned(n);
}

// ---- Buffers and kernels ----

Buffer make_buffer(std::string name, DType dtype, std::vector<Expr> shape, BufferKind kind) {
  STITCH_CHECK(!name.empty(), "kir: a buffer needs a name");
  STITCH_CHECK(dtype_size(dtype) > 0, "kir: buffer ", name, " of ", dtype_name(dtype));
  for (const Expr& extent : shape) check_scalar_int(extent, "buffer extent");
  auto* n = new BufferNode();
  n->name = std::move(name);
  n->dtype = dtype;
  n->shape = std::move(shape);
  n->buffer_kind = kind;
  return owned(n);
}

Buffer make_buffer(std::string name, DType dtype, const std::vector<int64_t>& shape,
                   BufferKind kind) {
  std::vector<Expr> extents;
  for (int64_t d : shape) extents.push_back(int_imm(d));
  return make_buffer(std::move(name), dtype, std::move(extents), kind);
}

Kernel make_kernel(std::string name, std::vector<Buffer> buffers, std::vector<Var> scalars,
                   Stmt body) {
  STITCH_CHECK(!name.empty() && body.defined(), "kir: incomplete kernel");
  for (const Buffer& b : buffers) STITCH_CHECK(b.defined(), "kir: undefined buffer of ", name);
  for (const Var& v : scalars) {
    STITCH_CHECK(v.defined() && !v->type.is_vector(), "kir: kernel ", name, " takes a non-scalar");
  }
  auto* n = new KernelNode();
  n->name = std::move(name);
  n->buffers = std::move(buffers);
  n->scalars = std::move(scalars);
  n->body = std::move(body);
  return owned(n);
}

Expr flat_index(const Buffer& buffer, const std::vector<Expr>& indices) {
  STITCH_CHECK(indices.size() == buffer->shape.size(), "kir: ", indices.size(), " indices into ",
               buffer->name, " of rank ", buffer->shape.size());
  if (indices.empty()) return int_imm(0);
  Expr index = indices[0];
  for (size_t k = 1; k < indices.size(); ++k) index = index * buffer->shape[k] + indices[k];
  return index;
}

}  // namespace stitch::kir
