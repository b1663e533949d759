// Tests of structural equality and hashing: alpha-equivalence of bound variables, identity of
// free ones, sensitivity to every field, and a hash that is stable across runs.
// Part of tests/unit/kir/.
#include "kir/structural.h"

#include <gtest/gtest.h>

#include "kir/kir.h"
#include "kir/printer.h"

namespace stitch::kir {
namespace {

// The same kernel, built from scratch each call: fresh Var and Buffer objects every time.
// The knobs change one detail each, to check that the difference is seen.
struct Knobs {
  int64_t extent = 16;
  ForKind kind = ForKind::kVectorized;
  double constant = 0.0;
  BinaryOp op = BinaryOp::kMax;
  const char* var_name = "j";
  bool swap_loops = false;
};

Kernel build(const Knobs& k = {}) {
  Var n = make_var("n");
  Buffer x = make_buffer("x", DType::kFloat32, {n, int_imm(k.extent)}, BufferKind::kInput);
  Buffer y = make_buffer("y", DType::kFloat32, {n, int_imm(k.extent)}, BufferKind::kOutput);
  Var i = make_var("i"), j = make_var(k.var_name);
  Expr index = k.swap_loops ? flat_index(y, {j, i}) : flat_index(y, {i, j});
  Stmt body = store(y, index, binary(k.op, load(x, index), float_imm(k.constant)));
  body = for_loop(j, int_imm(0), int_imm(k.extent), k.kind, body);
  body = for_loop(i, int_imm(0), n, ForKind::kParallel, body);
  return make_kernel("f", {x, y}, {n}, body);
}

TEST(KirStructural, EqualTreesAreEqualAndHashEqual) {
  Kernel a = build(), b = build();
  EXPECT_FALSE(a.same_as(b));
  EXPECT_TRUE(structural_equal(a, b));
  EXPECT_EQ(structural_hash(a), structural_hash(b));
  // Outside their kernels the bodies' buffers and n are free, so identity decides.
  EXPECT_FALSE(structural_equal(a->body, b->body));
  EXPECT_TRUE(structural_equal(a->body, a->body));
}

TEST(KirStructural, BoundNamesDoNotMatter) {
  Knobs renamed;
  renamed.var_name = "col";
  EXPECT_TRUE(structural_equal(build(), build(renamed)));
  EXPECT_EQ(structural_hash(build()), structural_hash(build(renamed)));
}

TEST(KirStructural, EveryDetailCounts) {
  const Kernel base = build();
  std::vector<Knobs> variants(5);
  variants[0].extent = 8;
  variants[1].kind = ForKind::kSerial;
  variants[2].constant = -0.0;  // a different bit pattern is a different literal
  variants[3].op = BinaryOp::kMin;
  variants[4].swap_loops = true;  // same variables, used in other positions
  for (const Knobs& k : variants) {
    const Kernel other = build(k);
    EXPECT_FALSE(structural_equal(base, other)) << to_string(other);
    EXPECT_NE(structural_hash(base), structural_hash(other)) << to_string(other);
  }
}

TEST(KirStructural, FreeVariablesCompareByIdentity) {
  Var x = make_var("x"), x2 = make_var("x");
  EXPECT_TRUE(structural_equal(x + 1, x + 1));
  EXPECT_FALSE(structural_equal(x + 1, x2 + 1));
  // Same name and type: the hash cannot tell them apart, which is allowed (a collision).
  EXPECT_EQ(structural_hash(x + 1), structural_hash(x2 + 1));
  EXPECT_NE(structural_hash(x + 1), structural_hash(make_var("z") + 1));
  EXPECT_NE(structural_hash(x + 1), structural_hash(x + 2));
  EXPECT_NE(structural_hash(x + 1), structural_hash(x - 1));
}

TEST(KirStructural, BoundNeverMatchesFree) {
  Buffer out = make_buffer("out", DType::kInt64, std::vector<int64_t>{4}, BufferKind::kOutput);
  Var i = make_var("i"), free = make_var("i");
  Stmt uses_bound = for_loop(i, int_imm(0), int_imm(4), ForKind::kSerial, store(out, i, i));
  Var k = make_var("i");
  Stmt uses_free = for_loop(k, int_imm(0), int_imm(4), ForKind::kSerial, store(out, k, free));
  EXPECT_FALSE(structural_equal(uses_bound, uses_free));
  EXPECT_NE(structural_hash(uses_bound), structural_hash(uses_free));
  Var j = make_var("j");
  Stmt renamed = for_loop(j, int_imm(0), int_imm(4), ForKind::kSerial, store(out, j, j));
  EXPECT_TRUE(structural_equal(uses_bound, renamed));
}

TEST(KirStructural, AllocatedBuffersAreBound) {
  auto build_tile = [](const char* name, int64_t size) {
    Buffer t = make_buffer(name, DType::kFloat32, std::vector<int64_t>{size}, BufferKind::kScratch);
    return allocate(t, store(t, int_imm(0), float_imm(1.0)));
  };
  EXPECT_TRUE(structural_equal(build_tile("t", 8), build_tile("tmp", 8)));
  EXPECT_EQ(structural_hash(build_tile("t", 8)), structural_hash(build_tile("tmp", 8)));
  EXPECT_FALSE(structural_equal(build_tile("t", 8), build_tile("t", 16)));
  EXPECT_NE(structural_hash(build_tile("t", 8)), structural_hash(build_tile("t", 16)));
}

TEST(KirStructural, MicrokernelCalls) {
  Buffer a = make_buffer("a", DType::kFloat32, std::vector<int64_t>{64}, BufferKind::kInput);
  auto mk = [&](const char* name, int64_t p) {
    return microkernel_call(name, {{a, int_imm(0)}}, {int_imm(p)});
  };
  EXPECT_TRUE(structural_equal(mk("brgemm_f32_6x16", 4), mk("brgemm_f32_6x16", 4)));
  EXPECT_FALSE(structural_equal(mk("brgemm_f32_6x16", 4), mk("brgemm_f32_4x24", 4)));
  EXPECT_FALSE(structural_equal(mk("brgemm_f32_6x16", 4), mk("brgemm_f32_6x16", 5)));
  EXPECT_NE(structural_hash(mk("brgemm_f32_6x16", 4)), structural_hash(mk("brgemm_f32_4x24", 4)));
}

// The hash is a pure function of structure: the same value in every run, on every machine
// (no pointers, no std::hash). If the hash function is changed on purpose, update the
// constant; on-disk kernel caches keyed by it become stale then.
TEST(KirStructural, HashIsStableAcrossRuns) {
  EXPECT_EQ(structural_hash(build()), 0xb38aa1ebcb8ff40eULL)
      << std::hex << structural_hash(build());
}

}  // namespace
}  // namespace stitch::kir
