// Tests of input specialization (driver/specialize_inputs.h): a Reshape whose target shape is
// a graph input compiles for the example value, runs, and refuses another value; data inputs
// are never specialized. Part of tests/unit/driver/.
#include "driver/specialize_inputs.h"

#include <gtest/gtest.h>

#include "driver/compiled_model.h"
#include "graph/op_registry.h"

namespace stitch::driver {
namespace {

Tensor int64_tensor(const std::vector<int64_t>& values) {
  Tensor t(DType::kInt64, {static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) t.data<int64_t>()[i] = values[i];
  return t;
}

// y = Reshape(x, shape) with x float32[2, 6] and shape int64[2], both graph inputs.
std::unique_ptr<graph::Graph> reshape_graph() {
  auto g = std::make_unique<graph::Graph>();
  graph::Value* x = g->add_value("x", {DType::kFloat32, {2, 6}, true});
  graph::Value* shape = g->add_value("shape", {DType::kInt64, {2}, true});
  graph::Value* y = g->add_value("y");
  g->add_input(x);
  g->add_input(shape);
  g->add_node("Reshape", "reshape", {x, shape}, {y});
  g->add_output(y);
  EXPECT_TRUE(graph::infer_graph_types(*g).is_ok());
  return g;
}

TEST(SpecializeInputs, GuardsTheShapeInputOnly) {
  auto g = reshape_graph();
  Tensor x(DType::kFloat32, {2, 6});
  Tensor shape = int64_tensor({3, 4});
  auto guards = specialize_shape_inputs(*g, {&x, &shape});
  ASSERT_TRUE(guards.is_ok()) << guards.status().message();
  ASSERT_EQ(guards->size(), 1u);
  EXPECT_EQ((*guards)[0].input, 1);  // `shape`, never the data input `x`
  EXPECT_EQ(g->outputs()[0]->shape(), (Shape{3, 4}));
}

TEST(SpecializeInputs, CompiledRunRefusesAnotherShapeValue) {
  auto g = reshape_graph();
  Tensor x(DType::kFloat32, {2, 6});
  for (int i = 0; i < 12; ++i) x.data<float>()[i] = static_cast<float>(i);
  Tensor shape = int64_tensor({3, 4});
  CompiledModelOptions options;
  auto model = CompiledModel::compile(*g, {&x, &shape}, options);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  auto out = (*model)->run({&x, &shape});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  ASSERT_EQ((*out)[0].shape(), (Shape{3, 4}));
  for (int i = 0; i < 12; ++i) EXPECT_EQ((*out)[0].data<float>()[i], static_cast<float>(i));

  Tensor other = int64_tensor({4, 3});
  auto refused = (*model)->run({&x, &other});
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("input 'shape' determines shapes"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace stitch::driver
