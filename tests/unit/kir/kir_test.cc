// Unit tests of the kernel-IR constructors: types, integer simplification, ref counting.
// Part of tests/unit/kir/.
#include "kir/kir.h"

#include <gtest/gtest.h>

#include <random>

#include "eval.h"
#include "kir/printer.h"

namespace stitch::kir {
namespace {

const int64_t* c(const Expr& e) { return as_const_int(e); }

TEST(KirSimplify, IdentitiesOnIntegers) {
  Var x = make_var("x");
  EXPECT_TRUE((x + 0).same_as(x));
  EXPECT_TRUE((0 + x).same_as(x));
  EXPECT_TRUE((x - 0).same_as(x));
  EXPECT_TRUE((x * 1).same_as(x));
  EXPECT_TRUE((1 * x).same_as(x));
  EXPECT_TRUE((x / 1).same_as(x));
  ASSERT_NE(c(x * 0), nullptr);
  EXPECT_EQ(*c(x * 0), 0);
  ASSERT_NE(c(0 * x), nullptr);
  EXPECT_EQ(*c(x % 1), 0);
  // Nothing else is rewritten: x - x and x + 1 stay.
  EXPECT_EQ(to_string(x - x), "x - x");
  EXPECT_EQ(to_string((x + 1) * 4 + 0), "(x + 1) * 4");
}

TEST(KirSimplify, FoldsConstants) {
  EXPECT_EQ(*c(int_imm(3) + int_imm(4)), 7);
  EXPECT_EQ(*c(int_imm(3) * 4 - 5), 7);
  EXPECT_EQ(*c(min(int_imm(3), int_imm(-2))), -2);
  EXPECT_EQ(*c(max(int_imm(3), int_imm(-2))), 3);
  // Floor division and modulo, as documented.
  EXPECT_EQ(*c(int_imm(-7) / 2), -4);
  EXPECT_EQ(*c(int_imm(-7) % 2), 1);
  EXPECT_EQ(*c(int_imm(7) % -2), -1);
  // Division by zero stays for the program to meet at run time.
  EXPECT_EQ(c(int_imm(7) / 0), nullptr);
  // Comparisons give bools.
  Expr cmp = lt(int_imm(1), int_imm(2));
  EXPECT_EQ(cmp->type, (Type{DType::kBool, 1}));
  EXPECT_EQ(*c(cmp), 1);
}

TEST(KirSimplify, WrapsToTheDTypeWidth) {
  Expr big = int_imm(2147483647, DType::kInt32) + 1;
  EXPECT_EQ(*c(big), -2147483648LL);
  EXPECT_EQ(big->type.dtype, DType::kInt32);
  EXPECT_EQ(*c(cast(Type{DType::kInt8, 1}, int_imm(300))), 44);
  // Unsigned constants are not folded (the folder computes in int64) but identities apply.
  Expr u = int_imm(5, DType::kUInt32) + int_imm(7, DType::kUInt32);
  EXPECT_EQ(c(u), nullptr);
  Var v = make_var("v", DType::kUInt32);
  EXPECT_TRUE((v + 0).same_as(v));
}

TEST(KirSimplify, BooleansAndSelect) {
  Var x = make_var("x");
  Expr p = lt(x, int_imm(4));
  EXPECT_TRUE(logical_and(bool_imm(true), p).same_as(p));
  EXPECT_EQ(*c(logical_and(bool_imm(false), p)), 0);
  EXPECT_EQ(*c(logical_or(p, bool_imm(true))), 1);
  EXPECT_TRUE(logical_or(bool_imm(false), p).same_as(p));
  EXPECT_TRUE(logical_not(logical_not(p)).same_as(p));
  EXPECT_TRUE(select(bool_imm(true), x, int_imm(1)).same_as(x));
  Stmt s =
      store(make_buffer("b", DType::kInt64, std::vector<int64_t>{4}, BufferKind::kOutput), x, x);
  EXPECT_TRUE(if_then_else(bool_imm(true), s).same_as(s));
  EXPECT_EQ(to_string(if_then_else(bool_imm(false), s)), "nop\n");
}

TEST(KirSimplify, FloatsAreNeverRewritten) {
  Var f = make_var("f", DType::kFloat32);
  EXPECT_EQ(to_string(f + float_imm(0.0)), "f + 0.0f");
  EXPECT_EQ(to_string(f * float_imm(1.0)), "f * 1.0f");
  EXPECT_EQ(to_string(float_imm(1.0) + float_imm(2.0)), "1.0f + 2.0f");
}

// The folder agrees with plain evaluation (floor semantics) on random operands.
TEST(KirSimplify, FoldingMatchesEvaluation) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> value(-50, 50);
  Var x = make_var("x"), y = make_var("y");
  const BinaryOp ops[] = {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv,
                          BinaryOp::kMod, BinaryOp::kMin, BinaryOp::kMax, BinaryOp::kLT,
                          BinaryOp::kGE,  BinaryOp::kEQ};
  for (int trial = 0; trial < 2000; ++trial) {
    const int64_t a = value(rng), b = value(rng);
    const BinaryOp op = ops[trial % std::size(ops)];
    if ((op == BinaryOp::kDiv || op == BinaryOp::kMod) && b == 0) continue;
    testing::Evaluator ev;
    ev.env[x.get()] = a;
    ev.env[y.get()] = b;
    const Expr folded = binary(op, int_imm(a), int_imm(b));
    ASSERT_NE(c(folded), nullptr);
    EXPECT_EQ(*c(folded), ev.eval(binary(op, x, y))) << a << " op " << b;
  }
}

TEST(KirTypes, VectorsCarryLanes) {
  Buffer a = make_buffer("a", DType::kFloat32, std::vector<int64_t>{64}, BufferKind::kInput);
  Var i = make_var("i");
  Expr v = vector_load(a, i * 8, 8);
  EXPECT_EQ(v->type, (Type{DType::kFloat32, 8}));
  EXPECT_EQ(type_name(v->type), "float32x8");
  const Load* l = v.as<Load>();
  ASSERT_NE(l, nullptr);
  ASSERT_NE(l->index.as<Ramp>(), nullptr);
  EXPECT_EQ(l->index->type.lanes, 8);
  Expr sum = v + broadcast(float_imm(1.0), 8);
  EXPECT_EQ(sum->type.lanes, 8);
  EXPECT_EQ(lt(v, v)->type, (Type{DType::kBool, 8}));
  // Lane counts of 1 need no vector node.
  EXPECT_TRUE(broadcast(i, 1).same_as(i));
  EXPECT_TRUE(ramp(i, int_imm(1), 1).same_as(i));
  Stmt s = vector_store(a, i * 8, sum);
  EXPECT_EQ(s.as<Store>()->index->type.lanes, 8);
}

TEST(KirTypes, FlatIndexIsRowMajor) {
  Var n = make_var("n");
  Buffer b = make_buffer("b", DType::kFloat32, {n, int_imm(3), int_imm(4)}, BufferKind::kOutput);
  Var i = make_var("i"), j = make_var("j"), k = make_var("k");
  EXPECT_EQ(to_string(flat_index(b, {i, j, k})), "(i * 3 + j) * 4 + k");
  EXPECT_EQ(to_string(flat_index(b, {i, int_imm(0), int_imm(0)})), "i * 3 * 4");
}

TEST(KirTypesDeathTest, IllTypedTreesAbort) {
  Var x = make_var("x");
  Var f = make_var("f", DType::kFloat32);
  EXPECT_DEATH(add(x, f), "operands of \\+ have types int64 and float32");
  EXPECT_DEATH(logical_and(x, x), "&& of int64");
  Buffer b = make_buffer("b", DType::kFloat32, std::vector<int64_t>{4}, BufferKind::kOutput);
  EXPECT_DEATH(store(b, x, x), "store of int64 to b");
}

TEST(KirRef, CountsReferences) {
  // A node dies with its last handle: observed through a subclass's destructor.
  static int alive = 0;
  struct Probe : ExprNode {
    Probe() : ExprNode(NodeKind::kIntImm) { ++alive; }
    ~Probe() override { --alive; }
  };
  {
    Expr a(new Probe());
    EXPECT_EQ(alive, 1);
    Expr b = a;
    Expr c2 = std::move(a);
    EXPECT_FALSE(a.defined());
    b = Expr();
    EXPECT_EQ(alive, 1);
    // A raw pointer becomes an owning handle again (what copy-on-write mutators rely on).
    Expr d(c2.get());
    c2 = Expr();
    EXPECT_EQ(alive, 1);
  }
  EXPECT_EQ(alive, 0);
}

}  // namespace
}  // namespace stitch::kir
