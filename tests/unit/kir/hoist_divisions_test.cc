// Tests of the loop-invariant division hoisting (kir/hoist_divisions.h): a parallel unit's
// decomposition is bound once per unit, what depends on an inner loop or reads memory stays,
// and random loop nests record the same values before and after. Part of tests/unit/kir/.
#include "kir/hoist_divisions.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "eval.h"
#include "kir/kir.h"
#include "kir/printer.h"

namespace stitch::kir {
namespace {

using testing::Evaluator;
using testing::record;

Stmt loop(const Var& v, int64_t extent, Stmt body, ForKind kind = ForKind::kSerial) {
  return for_loop(v, int_imm(0), int_imm(extent), kind, std::move(body));
}

TEST(HoistDivisions, UnitDecompositionIsBoundOncePerUnit) {
  // A pointwise conv's epilogue: unit u = (pair, segment), element loops j and l inside.
  Var u = make_var("u"), j = make_var("j"), l = make_var("l");
  Buffer out =
      make_buffer("out", DType::kInt64, std::vector<int64_t>{6 * 49 * 4 * 8}, BufferKind::kOutput);
  Expr index = ((u / 49) * 196 + (u % 49) * 4 + j) * 8 + l;
  Stmt nest = loop(u, 294, loop(j, 4, loop(l, 8, store(out, index, u / 49), ForKind::kVectorized)),
                   ForKind::kParallel);
  Stmt hoisted = hoist_invariant_divisions(nest);
  const std::string text = to_string(hoisted);
  // The divisions sit at the top of the unit body, once each, and nowhere below.
  const size_t div_let = text.find("u_div_49: int64 = u / 49");
  const size_t mod_let = text.find("u_mod_49: int64 = u % 49");
  const size_t inner = text.find("for j");
  ASSERT_NE(div_let, std::string::npos) << text;
  ASSERT_NE(mod_let, std::string::npos) << text;
  EXPECT_LT(div_let, inner) << text;
  EXPECT_LT(mod_let, inner) << text;
  // Past the two lets, no division is left.
  EXPECT_EQ(text.find(" / 49", mod_let), std::string::npos) << text;
  EXPECT_EQ(text.find(" % 49", inner), std::string::npos) << text;

  Evaluator before, after;
  before.memory[out.get()] = std::vector<int64_t>(6 * 49 * 4 * 8, -1);
  after.memory[out.get()] = before.memory[out.get()];
  before.exec(nest);
  after.exec(hoisted);
  EXPECT_EQ(before.memory[out.get()], after.memory[out.get()]);
}

TEST(HoistDivisions, WhatVariesInsideOrReadsMemoryStays) {
  Var i = make_var("i"), j = make_var("j");
  Buffer table = make_buffer("table", DType::kInt64, std::vector<int64_t>{16}, BufferKind::kInput);
  // j / 4 depends on the inner loop; load(table, i) / 2 reads memory; i / 3 at depth 0 of the
  // i loop's body already runs once per iteration.
  Stmt nest = loop(i, 8, seq({record({i / 3}), loop(j, 8, record({j / 4, load(table, i) / 2}))}));
  Stmt hoisted = hoist_invariant_divisions(nest);
  EXPECT_TRUE(hoisted.same_as(nest)) << to_string(hoisted);
}

TEST(HoistDivisions, DivisionLandsInTheOutermostLoopThatKnowsItsVariables) {
  Var i = make_var("i"), j = make_var("j"), k = make_var("k");
  // (i / 4) only needs i: bound in the i body, above the j loop; (i + j) / 4 needs j too.
  Stmt nest = loop(i, 8, loop(j, 8, loop(k, 8, record({i / 4, (i + j) / 4, k}))));
  Stmt hoisted = hoist_invariant_divisions(nest);
  const std::string text = to_string(hoisted);
  const size_t outer_let = text.find("i_div_4: int64 = i / 4");
  const size_t inner_let = text.find("q: int64 = (i + j) / 4");
  ASSERT_NE(outer_let, std::string::npos) << text;
  ASSERT_NE(inner_let, std::string::npos) << text;
  EXPECT_LT(outer_let, text.find("for j")) << text;
  EXPECT_GT(inner_let, text.find("for j")) << text;
  EXPECT_LT(inner_let, text.find("for k")) << text;
  Evaluator before, after;
  before.exec(nest);
  after.exec(hoisted);
  EXPECT_EQ(before.records, after.records);
}

// Random division-heavy expressions recorded at every level of a three-deep loop nest (loops
// starting below zero too, so floor semantics matter): the same values in the same order.
TEST(HoistDivisions, RandomLoopNestsRecordTheSameValues) {
  int changed = 0;
  for (uint32_t seed = 0; seed < 500; ++seed) {
    std::mt19937 rng(seed);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<Var> vars = {make_var("a"), make_var("b"), make_var("c")};
    auto value = [&](int deepest) {
      Expr e = vars[uniform(0, deepest)] * int_imm(uniform(-2, 5)) + int_imm(uniform(-9, 9));
      for (int n = uniform(1, 3); n > 0; --n) {
        const int64_t d = std::vector<int64_t>{2, 3, 7, 8, 49}[uniform(0, 4)];
        e = uniform(0, 1) ? e / int_imm(d) : e % int_imm(d);
        e = e + vars[uniform(0, deepest)];
      }
      return e;
    };
    Stmt body = record({value(2), value(1), value(0)});
    for (int v = 2; v >= 0; --v) {
      body = for_loop(vars[v], int_imm(uniform(-5, 3)), int_imm(uniform(1, 6)), ForKind::kSerial,
                      v > 0 ? seq({record({value(v)}), body}) : body);
    }
    Stmt hoisted = hoist_invariant_divisions(body);
    if (!hoisted.same_as(body)) ++changed;
    Evaluator before, after;
    before.exec(body);
    after.exec(hoisted);
    ASSERT_EQ(before.records, after.records) << "seed " << seed << "\nbefore:\n"
                                             << to_string(body) << "after:\n"
                                             << to_string(hoisted);
  }
  EXPECT_GT(changed, 250);
}

}  // namespace
}  // namespace stitch::kir
