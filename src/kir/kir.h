// The kernel IR: expressions, statements, buffers and kernels of one generated function.
// Part of kir/; lower/ builds it from subgraphs, codegen/ turns it into C++. Knows no graph.
//
// ---- What the IR means ----
// A Kernel is one C++ function: it receives buffers (flat arrays of one dtype) and integer
// scalars, and runs a statement. Statements are loops (For), scoped constants (LetStmt),
// conditionals, stores of a value into a buffer element, sequences, scoped scratch buffers
// (Allocate), pure expressions evaluated for a call's effect (Evaluate), and calls of
// hand-written microkernels (e.g. brgemm_f32_6x16) that read and write buffers at offsets.
//
// Expressions are pure and typed: every Expr carries a Type = (dtype, lanes). lanes > 1 is a
// SIMD vector; a Ramp(base, stride, n) is the vector (base, base+stride, ..., base+(n-1)stride)
// and a Broadcast(x, n) is n copies of x. A Load whose index is a vector of n lanes is a vector
// load (a gather in general, a contiguous load when the index is a stride-1 Ramp); a Store whose
// index and value have n lanes is a vector store. Integers index buffers in int64 (kIndexType).
//
// Buffers are flat: Load/Store take one linear index; the shape (constant or symbolic extents)
// says how large the buffer is and how lowering linearized it (row-major, see flat_index).
// Buffers and Variables are compared by identity: two Variables both named "i" are different
// variables. The printer makes printed names unique, so the text is unambiguous.
//
// Integer division and modulo round toward negative infinity (floor), as in Python and Halide,
// so that index arithmetic on negative offsets (padding) stays regular; the C++ emitter
// spells them out. Floating division is IEEE division.
//
// Nodes are immutable and intrusively ref-counted (object.h). Build them only through the
// functions below: they check types (an ill-typed tree is a bug in stitch, so a check aborts)
// and fold integer constants (x+0, x*1, x*0, c1+c2, ...) so that generated index arithmetic
// stays readable. Floating-point expressions are never rewritten (x+0.0 is not x for x = -0.0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kir/object.h"
#include "support/dtype.h"

namespace stitch::kir {

// Element type and SIMD lane count of an expression.
struct Type {
  DType dtype = DType::kUndefined;
  int lanes = 1;
  bool is_vector() const { return lanes > 1; }
  bool is_int() const { return dtype_is_integer(dtype); }
  bool is_float() const { return dtype_is_float(dtype); }
  bool is_bool() const { return dtype == DType::kBool; }
  Type with_lanes(int n) const { return Type{dtype, n}; }
  Type element() const { return Type{dtype, 1}; }
  bool operator==(const Type&) const = default;
};

// "float32", "float32x8".
std::string type_name(Type t);

inline constexpr DType kIndexType = DType::kInt64;

struct ExprNode : Object {
  using Object::Object;
  Type type;
};
struct StmtNode : Object {
  using Object::Object;
};
struct Variable;
struct BufferNode;
struct KernelNode;

using Expr = Ref<ExprNode>;
using Stmt = Ref<StmtNode>;
using Var = Ref<Variable>;
using Buffer = Ref<BufferNode>;
using Kernel = Ref<KernelNode>;

// Binary operators, listed once: name, printed symbol, printing precedence (0 = printed as a
// call, min(a, b)), and whether the result is bool.
#define STITCH_KIR_BINARY_OPS(X) \
  X(Add, "+", 5, false)          \
  X(Sub, "-", 5, false)          \
  X(Mul, "*", 6, false)          \
  X(Div, "/", 6, false)          \
  X(Mod, "%", 6, false)          \
  X(Min, "min", 0, false)        \
  X(Max, "max", 0, false)        \
  X(EQ, "==", 3, true)           \
  X(NE, "!=", 3, true)           \
  X(LT, "<", 4, true)            \
  X(LE, "<=", 4, true)           \
  X(GT, ">", 4, true)            \
  X(GE, ">=", 4, true)           \
  X(And, "&&", 2, true)          \
  X(Or, "||", 1, true)

enum class BinaryOp : uint8_t {
#define STITCH_KIR_ENUM(name, symbol, precedence, is_bool) k##name,
  STITCH_KIR_BINARY_OPS(STITCH_KIR_ENUM)
#undef STITCH_KIR_ENUM
};
const char* binary_op_symbol(BinaryOp op);
int binary_op_precedence(BinaryOp op);

#define STITCH_KIR_NODE(name) static constexpr NodeKind kKind = NodeKind::k##name;

// ---- Expressions ----
struct IntImm : ExprNode {
  STITCH_KIR_NODE(IntImm)
  IntImm() : ExprNode(kKind) {}
  int64_t value = 0;  // normalized to the dtype's width (bool: 0 or 1)
};
struct FloatImm : ExprNode {
  STITCH_KIR_NODE(FloatImm)
  FloatImm() : ExprNode(kKind) {}
  double value = 0;
};
struct Variable : ExprNode {
  STITCH_KIR_NODE(Variable)
  Variable() : ExprNode(kKind) {}
  std::string name;
};
struct Binary : ExprNode {
  STITCH_KIR_NODE(Binary)
  Binary() : ExprNode(kKind) {}
  BinaryOp op = BinaryOp::kAdd;
  Expr a, b;
};
struct Not : ExprNode {
  STITCH_KIR_NODE(Not)
  Not() : ExprNode(kKind) {}
  Expr a;
};
// cond may be scalar (picks whole vectors) or have the lanes of the values (per lane).
struct Select : ExprNode {
  STITCH_KIR_NODE(Select)
  Select() : ExprNode(kKind) {}
  Expr cond, true_value, false_value;
};
// Converts value to this->type (same lanes).
struct Cast : ExprNode {
  STITCH_KIR_NODE(Cast)
  Cast() : ExprNode(kKind) {}
  Expr value;
};
struct Load : ExprNode {
  STITCH_KIR_NODE(Load)
  Load() : ExprNode(kKind) {}
  Buffer buffer;
  Expr index;  // lanes of the index = lanes of the load
};
// A pure function of its arguments, by name: exp, erf, tanh, sqrt, ... (the emitter maps the
// name to the target's spelling).
struct Call : ExprNode {
  STITCH_KIR_NODE(Call)
  Call() : ExprNode(kKind) {}
  std::string name;
  std::vector<Expr> args;
};
struct Ramp : ExprNode {
  STITCH_KIR_NODE(Ramp)
  Ramp() : ExprNode(kKind) {}
  Expr base, stride;  // scalar integers; type.lanes is the length
};
struct Broadcast : ExprNode {
  STITCH_KIR_NODE(Broadcast)
  Broadcast() : ExprNode(kKind) {}
  Expr value;  // scalar; type.lanes copies
};

// ---- Statements ----
enum class ForKind : uint8_t { kSerial, kParallel, kVectorized, kUnrolled };
const char* for_kind_name(ForKind k);

// for var in [begin, begin + extent): body
struct For : StmtNode {
  STITCH_KIR_NODE(For)
  For() : StmtNode(kKind) {}
  Var var;
  Expr begin, extent;
  ForKind for_kind = ForKind::kSerial;
  Stmt body;
};
// var = value within body.
struct LetStmt : StmtNode {
  STITCH_KIR_NODE(LetStmt)
  LetStmt() : StmtNode(kKind) {}
  Var var;
  Expr value;
  Stmt body;
};
struct IfThenElse : StmtNode {
  STITCH_KIR_NODE(IfThenElse)
  IfThenElse() : StmtNode(kKind) {}
  Expr cond;
  Stmt then_case, else_case;  // else_case may be undefined
};
struct Store : StmtNode {
  STITCH_KIR_NODE(Store)
  Store() : StmtNode(kKind) {}
  Buffer buffer;
  Expr index, value;  // same lanes
};
struct Seq : StmtNode {
  STITCH_KIR_NODE(Seq)
  Seq() : StmtNode(kKind) {}
  std::vector<Stmt> stmts;  // never nested Seqs (seq() flattens); may be empty (a no-op)
};
// A scratch buffer (dtype, shape from the buffer) that lives while body runs.
struct Allocate : StmtNode {
  STITCH_KIR_NODE(Allocate)
  Allocate() : StmtNode(kKind) {}
  Buffer buffer;
  Stmt body;
};
struct Evaluate : StmtNode {
  STITCH_KIR_NODE(Evaluate)
  Evaluate() : StmtNode(kKind) {}
  Expr value;
};
// A pointer argument of a microkernel: &buffer[offset].
struct BufferOffset {
  Buffer buffer;
  Expr offset;
};
// A call of a hand-written microkernel (a header codegen includes), e.g.
// brgemm_f32_6x16(&A[a], &B[b], &C[c], k, lda, ldb, ldc). It may read and write its buffers.
struct MicrokernelCall : StmtNode {
  STITCH_KIR_NODE(MicrokernelCall)
  MicrokernelCall() : StmtNode(kKind) {}
  std::string name;
  std::vector<BufferOffset> buffers;
  std::vector<Expr> params;  // scalar integers
};

// ---- Buffers and kernels ----
enum class BufferKind : uint8_t { kInput, kOutput, kIntermediate, kConstant, kScratch };
const char* buffer_kind_name(BufferKind k);

struct BufferNode : Object {
  STITCH_KIR_NODE(Buffer)
  BufferNode() : Object(kKind) {}
  std::string name;
  DType dtype = DType::kUndefined;
  std::vector<Expr> shape;  // scalar integer extents, constant or symbolic; row-major
  BufferKind buffer_kind = BufferKind::kIntermediate;
};

// One generated function: void name(buffers..., scalars...).
struct KernelNode : Object {
  STITCH_KIR_NODE(Kernel)
  KernelNode() : Object(kKind) {}
  std::string name;
  std::vector<Buffer> buffers;
  std::vector<Var> scalars;  // may appear in buffer shapes and in the body
  Stmt body;
};
#undef STITCH_KIR_NODE

// ---- Constructors (checked, lightly simplified) ----
Expr int_imm(int64_t value, DType dtype = kIndexType);
Expr bool_imm(bool value);
Expr float_imm(double value, DType dtype = DType::kFloat32);
// A constant of type t (broadcast when t is a vector).
Expr make_const(Type t, double value);
Var make_var(std::string name, DType dtype = kIndexType);

Expr binary(BinaryOp op, Expr a, Expr b);
Expr add(Expr a, Expr b);
Expr sub(Expr a, Expr b);
Expr mul(Expr a, Expr b);
Expr div(Expr a, Expr b);  // floor division for integers
Expr mod(Expr a, Expr b);  // floor modulo for integers (sign of b)
Expr min(Expr a, Expr b);
Expr max(Expr a, Expr b);
Expr eq(Expr a, Expr b);
Expr ne(Expr a, Expr b);
Expr lt(Expr a, Expr b);
Expr le(Expr a, Expr b);
Expr gt(Expr a, Expr b);
Expr ge(Expr a, Expr b);
Expr logical_and(Expr a, Expr b);
Expr logical_or(Expr a, Expr b);
Expr logical_not(Expr a);
Expr select(Expr cond, Expr true_value, Expr false_value);
Expr cast(Type t, Expr value);
Expr load(Buffer buffer, Expr index);
Expr vector_load(Buffer buffer, Expr base, int lanes);  // contiguous: index ramp(base, 1, lanes)
Expr call(std::string name, Type t, std::vector<Expr> args);
Expr ramp(Expr base, Expr stride, int lanes);
Expr broadcast(Expr value, int lanes);

// Arithmetic operators for readable lowering code; the int64_t operand becomes a constant of
// the other operand's type. Comparisons stay named (== on a Ref would read as identity).
Expr operator+(const Expr& a, const Expr& b);
Expr operator-(const Expr& a, const Expr& b);
Expr operator*(const Expr& a, const Expr& b);
Expr operator/(const Expr& a, const Expr& b);
Expr operator%(const Expr& a, const Expr& b);
Expr operator+(const Expr& a, int64_t b);
Expr operator-(const Expr& a, int64_t b);
Expr operator*(const Expr& a, int64_t b);
Expr operator/(const Expr& a, int64_t b);
Expr operator%(const Expr& a, int64_t b);
Expr operator+(int64_t a, const Expr& b);
Expr operator*(int64_t a, const Expr& b);

Stmt for_loop(Var var, Expr begin, Expr extent, ForKind kind, Stmt body);
Stmt let_stmt(Var var, Expr value, Stmt body);
Stmt if_then_else(Expr cond, Stmt then_case, Stmt else_case = Stmt());
Stmt store(Buffer buffer, Expr index, Expr value);
Stmt vector_store(Buffer buffer, Expr base, Expr value);  // contiguous, lanes of value
Stmt seq(std::vector<Stmt> stmts);
Stmt allocate(Buffer buffer, Stmt body);
Stmt evaluate(Expr value);
Stmt microkernel_call(std::string name, std::vector<BufferOffset> buffers,
                      std::vector<Expr> params);

Buffer make_buffer(std::string name, DType dtype, std::vector<Expr> shape, BufferKind kind);
// Same, with constant extents.
Buffer make_buffer(std::string name, DType dtype, const std::vector<int64_t>& shape,
                   BufferKind kind);
Kernel make_kernel(std::string name, std::vector<Buffer> buffers, std::vector<Var> scalars,
                   Stmt body);

// Row-major linear index of indices into buffer's shape: ((i0 * d1 + i1) * d2 + i2) ...
Expr flat_index(const Buffer& buffer, const std::vector<Expr>& indices);
// The constant value of a scalar integer or bool immediate, or nullptr.
const int64_t* as_const_int(const Expr& e);

}  // namespace stitch::kir
