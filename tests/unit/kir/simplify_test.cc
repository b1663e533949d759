// Tests of the range-aware index simplifier (kir/simplify.h): the rewrites lowering relies on
// happen (a blocked layout's inverse map, a task mapping's unit index, a min() loop bound),
// and a property test runs thousands of random index expressions inside loops before and after
// simplification and checks that every value agrees. Part of tests/unit/kir/.
#include "kir/simplify.h"

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

// The expression recorded by the innermost statement of `loops` after simplification.
Expr simplified_record(const Stmt& loops) {
  Stmt s = simplify_stmt(loops);
  while (true) {
    if (const For* f = s.as<For>()) {
      s = f->body;
    } else if (const LetStmt* l = s.as<LetStmt>()) {
      s = l->body;
    } else {
      break;
    }
  }
  const Evaluate* ev = s.as<Evaluate>();
  EXPECT_NE(ev, nullptr) << to_string(s);
  return ev ? ev->value.as<Call>()->args.at(0) : Expr();
}

Stmt loop(const Var& v, int64_t extent, Stmt body) {
  return for_loop(v, int_imm(0), int_imm(extent), ForKind::kSerial, std::move(body));
}

TEST(Simplify, BlockedLayoutInverseMapBecomesPlainIndices) {
  // NCHW8c -> NCHW copy of [1, 96, 112, 112]: the flat NCHW index decomposed by constants.
  Var j = make_var("j"), k = make_var("k"), l = make_var("l");
  Expr flat = (j * 112 + k) * 112 + l;
  Expr blocked =
      ((((flat / 1204224) * 12 + (flat / 100352) % 12) * 112 + (flat / 112) % 112) * 112 +
       flat % 112) *
          8 +
      (flat / 12544) % 8;
  Expr got = simplified_record(loop(j, 96, loop(k, 112, loop(l, 112, record({blocked})))));
  EXPECT_EQ(to_string(got), "((j / 8 * 112 + k) * 112 + l) * 8 + j % 8");
}

TEST(Simplify, TaskMappingUnitIndexAndMinBound) {
  Var u = make_var("u");
  Expr block = (u / 112) % 6;
  Expr got = simplified_record(loop(u, 672, record({(u / 672) * 200704 + block})));
  EXPECT_EQ(to_string(got), "u / 112");
  Expr bound = simplified_record(loop(u, 672, record({min(int_imm(2), int_imm(12) - block * 2)})));
  EXPECT_EQ(to_string(bound), "2");
}

TEST(Simplify, SplitPositionFlattenedAgainIsThePosition) {
  // A flat pixel p split into (p / 7, p % 7) and flattened again as row * 7 + column.
  Var s = make_var("s"), j = make_var("j"), m = make_var("m");
  Expr p = s * 20 + j;
  Expr flat = ((m * 7 + p / 7) * 7 + p % 7) * 8;
  Expr got = simplified_record(loop(m, 3, loop(s, 3, loop(j, 20, record({flat})))));
  EXPECT_EQ(to_string(got), "(m * 49 + (s * 20 + j)) * 8");
}

TEST(Simplify, NestedDivisionAndModuloCombine) {
  Var x = make_var("x");
  EXPECT_EQ(to_string(simplified_record(loop(x, 1000, record({(x / 4) / 8})))), "x / 32");
  EXPECT_EQ(to_string(simplified_record(loop(x, 1000, record({(x % 32) % 8})))), "x % 8");
  // Nothing known about the range: a division stays a division.
  Var y = make_var("y");
  Stmt unknown =
      let_stmt(y,
               load(make_buffer("b", DType::kInt64, std::vector<int64_t>{1}, BufferKind::kInput),
                    int_imm(0)),
               record({y / 8}));
  EXPECT_EQ(to_string(simplified_record(unknown)), "y / 8");
}

TEST(Simplify, ComparisonsDecidedByRangesRemoveBranches) {
  Var i = make_var("i");
  Buffer out = make_buffer("out", DType::kInt64, std::vector<int64_t>{16}, BufferKind::kOutput);
  Stmt s = loop(i, 16,
                if_then_else(lt(i, int_imm(16)), store(out, i, i), store(out, i, int_imm(0) - i)));
  Stmt got = simplify_stmt(s);
  const For* f = got.as<For>();
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->body.as<Store>(), nullptr) << to_string(got);
}

TEST(Simplify, NegativeOffsetsKeepFloorSemantics) {
  // Padding: i - 1 reaches -1, whose floor division by 8 is -1, not 0.
  Var i = make_var("i");
  Evaluator before, after;
  Stmt s = loop(i, 20, record({(i - 1) / 8, (i - 1) % 8, (i * 8 + 3 - 16) / 8}));
  before.exec(s);
  after.exec(simplify_stmt(s));
  EXPECT_EQ(before.records, after.records);
}

// Random index expressions over loop variables with random ranges (some starting below 0):
// sums, constant products, floor division and modulo by constants, min, max, select on
// comparisons. Evaluated at every point of the loop nest before and after simplification.
class RandomIndex {
 public:
  explicit RandomIndex(uint32_t seed) : rng_(seed) {}

  Expr expr(const std::vector<Var>& vars, int depth) {
    std::uniform_int_distribution<int> pick(0, depth <= 0 ? 1 : 9);
    switch (pick(rng_)) {
      case 0:
        return vars[uniform(0, static_cast<int>(vars.size()) - 1)];
      case 1:
        return int_imm(uniform(-20, 40));
      case 2:
        return expr(vars, depth - 1) + expr(vars, depth - 1);
      case 3:
        return expr(vars, depth - 1) - expr(vars, depth - 1);
      case 4:
        return expr(vars, depth - 1) * int_imm(constant());
      case 5:
      case 6:
        return expr(vars, depth - 1) / int_imm(divisor());
      case 7:
        return expr(vars, depth - 1) % int_imm(divisor());
      case 8:
        return uniform(0, 1) ? min(expr(vars, depth - 1), expr(vars, depth - 1))
                             : max(expr(vars, depth - 1), expr(vars, depth - 1));
      default:
        return select(lt(expr(vars, depth - 1), expr(vars, depth - 1)), expr(vars, depth - 1),
                      expr(vars, depth - 1));
    }
  }

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  // Divisors and scales drawn from the radices index maps use: small, powers of two, products.
  int64_t divisor() {
    static const int64_t kChoices[] = {1, 2, 3, 4, 6, 7, 8, 12, 16, 24, 56, 64, 112, 448};
    return kChoices[uniform(0, 13)];
  }
  int64_t constant() {
    static const int64_t kChoices[] = {-3, -1, 0, 1, 2, 3, 4, 7, 8, 16, 56, 112};
    return kChoices[uniform(0, 11)];
  }
  std::mt19937 rng_;
};

TEST(Simplify, RandomExpressionsKeepTheirValuesInsideTheirLoops) {
  int changed = 0;
  for (uint32_t seed = 0; seed < 3000; ++seed) {
    RandomIndex gen(seed);
    std::vector<Var> vars = {make_var("a"), make_var("b"), make_var("c")};
    std::vector<Expr> values;
    for (int n = 0; n < 3; ++n) values.push_back(gen.expr(vars, 4));
    Stmt body = record(values);
    // Innermost first: the loops' ranges, and a let of a derived value for the last variable.
    for (int v = 2; v >= 0; --v) {
      const int64_t begin = gen.uniform(-5, 3), extent = gen.uniform(1, 9);
      body = for_loop(vars[v], int_imm(begin), int_imm(extent), ForKind::kSerial, body);
    }
    Stmt simplified = simplify_stmt(body);
    if (!simplified.same_as(body)) ++changed;
    Evaluator before, after;
    before.exec(body);
    after.exec(simplified);
    ASSERT_EQ(before.records, after.records) << "seed " << seed << "\nbefore:\n"
                                             << to_string(body) << "after:\n"
                                             << to_string(simplified);
  }
  // The generator must exercise the rewrites, not only leave trees alone.
  EXPECT_GT(changed, 1000);
}

}  // namespace
}  // namespace stitch::kir
