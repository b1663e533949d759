// Unit tests of the reference interpreter's own logic (binding, checks, freeing); the kernels
// themselves are covered by the ONNX conformance suite.
#include "reference/interpreter.h"

#include <gtest/gtest.h>

namespace stitch::reference {
namespace {

using graph::Graph;
using graph::TensorType;

std::unique_ptr<Graph> relu_add_graph() {
  auto g = std::make_unique<Graph>();
  auto* x = g->add_value("x", {DType::kFloat32, {kUnknownDim, 2}, true});
  g->add_input(x);
  auto* y = g->add_value("y");
  auto* z = g->add_value("z");
  auto* c = g->add_constant("c", Tensor::from_vector<float>({10, 20}, {2}));
  g->add_node("Relu", "relu", {x}, {y}, "", 17);
  g->add_node("Add", "add", {y, c}, {z}, "", 17);
  g->add_output(z);
  return g;
}

TEST(Interpreter, RunsWithSymbolicDims) {
  auto g = relu_add_graph();
  auto interp = Interpreter::create(*g);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  Tensor x = Tensor::from_vector<float>({-1, 2, 3, -4, 5, 6}, {3, 2});
  auto out = (*interp)->run({&x});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ((*out)[0].shape(), (Shape{3, 2}));
  std::vector<float> want = {10, 22, 13, 20, 15, 26};
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*out)[0].data<float>()[i], want[i]);
}

TEST(Interpreter, RejectsWrongInputs) {
  auto g = relu_add_graph();
  auto interp = Interpreter::create(*g);
  ASSERT_TRUE(interp.is_ok());
  Tensor wrong_dtype(DType::kFloat64, {1, 2});
  auto r1 = (*interp)->run({&wrong_dtype});
  ASSERT_FALSE(r1.is_ok());
  EXPECT_NE(r1.status().message().find("expects float32"), std::string::npos);
  Tensor wrong_shape(DType::kFloat32, {1, 3});
  auto r2 = (*interp)->run({&wrong_shape});
  ASSERT_FALSE(r2.is_ok());
  EXPECT_NE(r2.status().message().find("expects shape [?, 2]"), std::string::npos);
  EXPECT_FALSE((*interp)->run({}).is_ok());
}

TEST(Interpreter, ListsNodesWithoutKernels) {
  Graph g;
  auto* x = g.add_value("x", {DType::kFloat32, {1}, true});
  g.add_input(x);
  auto* y = g.add_value("y");
  auto* z = g.add_value("z");
  g.add_node("NoSuchOp", "a", {x}, {y}, "", 17);
  g.add_node("AlsoMissing", "b", {y}, {z}, "com.x", 1);
  g.add_output(z);
  auto interp = Interpreter::create(g);
  ASSERT_FALSE(interp.is_ok());
  EXPECT_NE(interp.status().message().find("2 nodes"), std::string::npos);
  EXPECT_NE(interp.status().message().find("AlsoMissing (domain 'com.x', opset 1) in node 'b'"),
            std::string::npos);
}

}  // namespace
}  // namespace stitch::reference
