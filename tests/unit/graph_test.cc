// Unit tests of the graph IR: use-lists under edits, topological order, cycle detection.
#include "graph/graph.h"

#include <gtest/gtest.h>

#include "graph/body_graph.h"

namespace stitch::graph {
namespace {

TEST(Graph, KeepsUseListsThroughEdits) {
  Graph g;
  Value* x = g.add_value("x", {DType::kFloat32, {2}, true});
  g.add_input(x);
  Value* y = g.add_value("y");
  Value* z = g.add_value("z");
  Node* a = g.add_node("Relu", "a", {x}, {y});
  Node* b = g.add_node("Add", "b", {y, y}, {z});
  g.add_output(z);
  EXPECT_EQ(y->producer(), a);
  EXPECT_EQ(y->users().size(), 2u);
  g.replace_all_uses(y, x);
  EXPECT_TRUE(y->users().empty());
  EXPECT_EQ(b->input(0), x);
  EXPECT_EQ(x->users().size(), 3u);
  g.remove_node(a);
  g.remove_dead_values();
  EXPECT_EQ(g.find_value("y"), nullptr);
  EXPECT_EQ(g.num_nodes(), 1);
}

TEST(Graph, TopoSortReordersAndDetectsCycles) {
  Graph g;
  Value* x = g.add_value("x");
  g.add_input(x);
  Value* y = g.add_value("y");
  Value* z = g.add_value("z");
  g.add_node("Relu", "second", {y}, {z});
  g.add_node("Relu", "first", {x}, {y});
  g.add_output(z);
  ASSERT_TRUE(g.topo_sort().is_ok());
  EXPECT_EQ(g.nodes()[0]->name(), "first");

  Graph c;
  Value* p = c.add_value("p");
  Value* q = c.add_value("q");
  c.add_node("Relu", "n1", {p}, {q});
  c.add_node("Relu", "n2", {q}, {p});
  c.add_output(q);
  Status s = c.topo_sort();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("cycle"), std::string::npos);
}

TEST(Graph, DumpIsStable) {
  Graph g;
  g.set_name("t");
  Value* x = g.add_value("x", {DType::kFloat32, {1, 4}, true});
  g.add_input(x);
  Value* y = g.add_value("y", {DType::kFloat32, {1, 4}, true});
  Node* n = g.add_node("LeakyRelu", "lr", {x}, {y});
  n->set_attr("alpha", Attribute::of_float(0.5f));
  g.add_output(y);
  EXPECT_EQ(g.to_string(),
            "graph t (%x: float32[1, 4]) {\n"
            "  %y: float32[1, 4] = LeakyRelu(%x) {alpha=0.5}\n"
            "  return %y\n}\n");
}

}  // namespace
}  // namespace stitch::graph

namespace stitch::graph {
namespace {

// Body: out = Add(a, outer_w) + Neg(outer_c); `outer_w` is a value of the scope, `outer_c` a
// constant there, `missing` read only when asked.
std::unique_ptr<Graph> body_reading(const std::vector<std::string>& outer_names) {
  auto body = std::make_unique<Graph>();
  body->set_name("body");
  Value* a = body->add_value("a", {DType::kFloat32, {2}, true});
  body->add_input(a);
  Value* acc = a;
  for (const std::string& name : outer_names) {
    Value* o = body->add_value(name);
    body->add_outer_scope_value(o);
    Value* sum = body->add_value("sum_" + name);
    body->add_node("Add", "", {acc, o}, {sum}, "", 17);
    acc = sum;
  }
  body->add_output(acc);
  return body;
}

TEST(BodyGraph, StandaloneBodyCapturesValuesAndCopiesConstants) {
  Graph scope;
  Value* w = scope.add_value("w", {DType::kFloat32, {2}, true});
  scope.add_input(w);
  scope.add_constant("c", Tensor::from_vector<float>({1, 2}, {2}));
  auto body = body_reading({"w", "c"});
  EXPECT_EQ(captured_names(*body, scope), std::vector<std::string>{"w"});
  auto standalone = make_standalone_body(*body, {{DType::kFloat32, {2}, true}}, scope, {"w"});
  ASSERT_TRUE(standalone.is_ok()) << standalone.status().message();
  const Graph& g = **standalone;
  ASSERT_EQ(g.inputs().size(), 2u);
  EXPECT_EQ(g.inputs()[1]->name(), "w");
  ASSERT_NE(g.find_value("c"), nullptr);
  EXPECT_TRUE(g.find_value("c")->is_constant());
  EXPECT_FALSE(g.find_value("w")->is_outer_scope());
  // The original body is untouched; a deep copy keeps its outer reads as outer reads.
  EXPECT_TRUE(body->find_value("w")->is_outer_scope());
  auto copy = copy_graph(*body);
  EXPECT_TRUE(copy->find_value("w")->is_outer_scope());
  EXPECT_EQ(copy->to_string(), body->to_string());
}

TEST(BodyGraph, StandaloneBodyErrorsNameTheProblem) {
  Graph scope;
  auto body = body_reading({"missing"});
  auto r = make_standalone_body(*body, {{DType::kFloat32, {2}, true}}, scope, {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("reads 'missing', which no scope defines"), std::string::npos)
      << r.status().message();
  r = make_standalone_body(*body, {}, scope, {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("has 1 inputs, the node gives 0"), std::string::npos);
}

}  // namespace
}  // namespace stitch::graph
