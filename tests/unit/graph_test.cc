// Unit tests of the graph IR: use-lists under edits, topological order, cycle detection.
#include "graph/graph.h"

#include <gtest/gtest.h>

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
