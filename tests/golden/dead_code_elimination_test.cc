// Golden tests of dead-code elimination: dead chains, unused constants, and multi-output
// nodes with one live output. Part of tests/golden/.
#include "passes/dead_code_elimination.h"

#include <gtest/gtest.h>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using testing::Builder;
using testing::run_pass_and_check;

TEST(DeadCodeElimination, RemovesDeadChainsAndUnusedConstants) {
  auto make = [] {
    Builder b("dce");
    auto* x = b.input("x", {4, 2});
    auto* dead = b.op("Sigmoid", {x}, "dead");
    b.op("Add", {dead, b.random("dead_bias", {2})}, "dead_sum");
    b.random("unused", {8});
    graph::Node* split = b.node("Split", {x}, {"top", "bottom"});
    split->set_attr("axis", Attribute::of_int(0));
    split->set_attr("num_outputs", Attribute::of_int(2));
    b.output(b.op("Relu", {split->output(0)}, "y"));
    return b.finish();
  };
  auto pass = make_dead_code_elimination_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph dce (%x: float32[4, 2]) {\n"
            "  %top: float32[2, 2], %bottom: float32[2, 2] = Split(%x) {axis=0, num_outputs=2}\n"
            "  %y: float32[2, 2] = Relu(%top)\n"
            "  return %y\n"
            "}\n");
}

TEST(DeadCodeElimination, KeepsALiveGraph) {
  auto make = [] {
    Builder b("live");
    auto* x = b.input("x", {3});
    b.output(b.op("Exp", {b.op("Relu", {x}, "r")}, "y"));
    return b.finish();
  };
  auto pass = make_dead_code_elimination_pass();
  testing::CheckOptions check;
  check.expect_changed = false;
  EXPECT_EQ(run_pass_and_check(make, *pass, check),
            "graph live (%x: float32[3]) {\n"
            "  %r: float32[3] = Relu(%x)\n"
            "  %y: float32[3] = Exp(%r)\n"
            "  return %y\n"
            "}\n");
}

}  // namespace
}  // namespace stitch::passes

namespace stitch::passes {
namespace {

// A branch body that returns op(outer) where `outer` is read from the enclosing graph by name.
std::unique_ptr<graph::Graph> branch(const std::string& op, const std::string& outer) {
  auto body = std::make_unique<graph::Graph>();
  body->set_name(op);
  graph::Value* in = body->add_value(outer, {DType::kFloat32, {3}, true});
  body->add_outer_scope_value(in);
  graph::Value* out = body->add_value(op + "_out", {DType::kFloat32, {3}, true});
  body->add_node(op, "", {in}, {out}, "", 17);
  body->add_output(out);
  return body;
}

TEST(DeadCodeElimination, KeepsValuesThatSubgraphsRead) {
  auto make = [] {
    testing::Builder b("ifs");
    auto* x = b.input("x", {3});
    auto* cond = b.input("cond", {}, DType::kBool);
    b.op("Relu", {x}, "read_by_branches");
    b.op("Exp", {x}, "dead");
    graph::Node* n = b.node("If", {cond}, {"y"});
    for (auto [name, op] : {std::pair{"then_branch", "Neg"}, std::pair{"else_branch", "Abs"}}) {
      graph::Attribute a;
      a.kind = graph::Attribute::Kind::kGraph;
      a.g = branch(op, "read_by_branches");
      n->set_attr(name, std::move(a));
    }
    b.output(n->output(0));
    return b.finish();
  };
  auto pass = make_dead_code_elimination_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph ifs (%x: float32[3], %cond: bool[]) {\n"
            "  %read_by_branches: float32[3] = Relu(%x)\n"
            "  %y: float32[3] = If(%cond) {else_branch=<graph>, then_branch=<graph>}\n"
            "  return %y\n"
            "}\n");
}

}  // namespace
}  // namespace stitch::passes
