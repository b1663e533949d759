// Golden tests of common-subexpression elimination: duplicate nodes and constants merge,
// attributes compare by value, graph outputs keep their names. Part of tests/golden/.
#include "passes/common_subexpression_elimination.h"

#include <gtest/gtest.h>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using testing::Builder;
using testing::run_pass_and_check;

TEST(CommonSubexpressionElimination, MergesNodesAndConstants) {
  auto make = [] {
    Builder b("cse");
    auto* x = b.input("x", {3, 3});
    auto* a1 = b.op("Relu", {x}, "a1");
    auto* a2 = b.op("Relu", {x}, "a2");
    auto* c1 = b.constant("c1", Tensor::from_vector<float>({1, 2, 3}, {3}));
    auto* c2 = b.constant("c2", Tensor::from_vector<float>({1, 2, 3}, {3}));
    auto* b1 = b.op("Add", {a1, c1}, "b1");
    auto* b2 = b.op("Add", {a2, c2}, "b2");
    std::vector<graph::Value*> ts;
    for (auto [name, perm] :
         {std::pair{"t1", std::vector<int64_t>{1, 0}}, std::pair{"t2", std::vector<int64_t>{1, 0}},
          std::pair{"t3", std::vector<int64_t>{0, 1}}}) {
      graph::Node* t = b.node("Transpose", {x}, {name});
      t->set_attr("perm", Attribute::of_ints(perm));
      ts.push_back(t->output(0));
    }
    b.output(b.op("Sum", {b1, b2, ts[0], ts[1], ts[2]}, "y"));
    return b.finish();
  };
  auto pass = make_common_subexpression_elimination_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph cse (%x: float32[3, 3]) {\n"
            "  %a1: float32[3, 3] = Relu(%x)\n"
            "  %b1: float32[3, 3] = Add(%a1, %c1)\n"
            "  %t1: float32[3, 3] = Transpose(%x) {perm=[1, 0]}\n"
            "  %t3: float32[3, 3] = Transpose(%x) {perm=[0, 1]}\n"
            "  %y: float32[3, 3] = Sum(%b1, %b1, %t1, %t1, %t3)\n"
            "  return %y\n"
            "}\n");
}

TEST(CommonSubexpressionElimination, GraphOutputsKeepTheirNames) {
  auto make = [] {
    Builder b("outs");
    auto* x = b.input("x", {4});
    auto* inner = b.op("Sigmoid", {x}, "inner");
    b.output(b.op("Exp", {inner}, "y"));
    b.output(b.op("Sigmoid", {x}, "also_sigmoid"));
    return b.finish();
  };
  auto pass = make_common_subexpression_elimination_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph outs (%x: float32[4]) {\n"
            "  %also_sigmoid: float32[4] = Sigmoid(%x)\n"
            "  %y: float32[4] = Exp(%also_sigmoid)\n"
            "  return %y, %also_sigmoid\n"
            "}\n");
}

TEST(CommonSubexpressionElimination, TwoGraphOutputsStayApart) {
  auto make = [] {
    Builder b("two");
    auto* x = b.input("x", {4});
    b.output(b.op("Neg", {x}, "first"));
    b.output(b.op("Neg", {x}, "second"));
    return b.finish();
  };
  auto pass = make_common_subexpression_elimination_pass();
  testing::CheckOptions check;
  check.expect_changed = false;
  EXPECT_EQ(run_pass_and_check(make, *pass, check),
            "graph two (%x: float32[4]) {\n"
            "  %first: float32[4] = Neg(%x)\n"
            "  %second: float32[4] = Neg(%x)\n"
            "  return %first, %second\n"
            "}\n");
}

}  // namespace
}  // namespace stitch::passes
