// Tests of host steps through the compiler (driver/compiled_model.h): ops whose output shape
// depends on data run on the host between compiled kernels, their outputs take the shape each
// run's data gives (compiled engine, artifact, C API), and a kernel that would read such a value
// is refused at compile time with an error naming the node. Outputs are compared with the
// reference interpreter bit for bit (host ops copy and count; the kernels here are exact).
// Part of tests/unit/driver/.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "driver/artifact_engine.h"
#include "driver/compiled_model.h"
#include "graph/op_registry.h"
#include "reference/interpreter.h"
#include "stitch/stitch.h"
#include "temp_dir.h"

namespace stitch::driver {
namespace {

using graph::Graph;
using graph::Value;

// x: float32[2, 3] -> Relu -> Unique (axis 1, unsorted; 4 outputs) and -> NonZero.
std::unique_ptr<Graph> unique_graph() {
  auto g = std::make_unique<Graph>();
  Value* x = g->add_value("x", {DType::kFloat32, {2, 3}, true});
  g->add_input(x);
  Value* r = g->add_value("r");
  g->add_node("Relu", "relu", {x}, {r});
  std::vector<Value*> outs;
  for (const char* name : {"y", "indices", "inverse", "counts"}) outs.push_back(g->add_value(name));
  graph::Node* u = g->add_node("Unique", "unique", {r}, outs);
  u->set_attr("axis", graph::Attribute::of_int(1));
  u->set_attr("sorted", graph::Attribute::of_int(0));
  Value* nz = g->add_value("nz");
  g->add_node("NonZero", "non_zero", {r}, {nz});
  for (Value* v : outs) g->add_output(v);
  g->add_output(nz);
  EXPECT_TRUE(graph::infer_graph_types(*g).is_ok());
  return g;
}

Tensor input(std::vector<float> v) { return Tensor::from_vector<float>(v, {2, 3}); }

void expect_same(const std::vector<Tensor>& got, const std::vector<Tensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].type_string(), want[i].type_string()) << "output " << i;
    EXPECT_EQ(std::memcmp(got[i].raw_data(), want[i].raw_data(), got[i].nbytes()), 0) << i;
  }
}

std::vector<Tensor> reference(const std::vector<const Tensor*>& inputs) {
  auto g = unique_graph();
  auto interp = reference::Interpreter::create(*g);
  EXPECT_TRUE(interp.is_ok());
  auto out = (*interp)->run(inputs);
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return std::move(out).value();
}

// Data with different numbers of unique columns and non-zeros, negatives that Relu zeroes.
std::vector<Tensor> example_inputs() {
  std::vector<Tensor> xs;
  xs.push_back(input({1, 2, 1, -3, 0, 0}));
  xs.push_back(input({5, 5, 5, 5, 5, 5}));
  xs.push_back(input({-1, -1, -1, -2, -2, -2}));
  return xs;
}

TEST(HostSteps, CompiledOutputsTakeEachRunsShape) {
  auto g = unique_graph();
  std::vector<Tensor> xs = example_inputs();
  auto model = CompiledModel::compile(*g, {&xs[0]}, CompiledModelOptions{});
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  EXPECT_EQ((*model)->report().kernels, 1);  // Relu; Unique and NonZero run on the host
  for (const Tensor& x : xs) {
    auto out = (*model)->run({&x});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    expect_same(*out, reference({&x}));
  }
}

TEST(HostSteps, KernelReadingADataDependentShapeIsRefusedNamingTheNode) {
  auto g = std::make_unique<Graph>();
  Value* x = g->add_value("x", {DType::kFloat32, {4}, true});
  g->add_input(x);
  Value* nz = g->add_value("nz");
  Value* y = g->add_value("y");
  g->add_node("NonZero", "non_zero", {x}, {nz});
  g->add_node("Neg", "negate", {nz}, {y});
  g->add_output(y);
  ASSERT_TRUE(graph::infer_graph_types(*g).is_ok());
  Tensor xt(DType::kFloat32, {4});
  auto model = CompiledModel::compile(*g, {&xt}, CompiledModelOptions{});
  ASSERT_FALSE(model.is_ok());
  const std::string& m = model.status().message();
  EXPECT_NE(m.find("unsupported"), std::string::npos) << m;
  EXPECT_NE(m.find("node 'negate'"), std::string::npos) << m;
  EXPECT_NE(m.find("known only at run time"), std::string::npos) << m;
  EXPECT_NE(m.find("NonZero node 'non_zero'"), std::string::npos) << m;
}

using testing::TempDir;

TEST(HostSteps, ArtifactAndCApiReportRunTimeShapes) {
  auto g = unique_graph();
  std::vector<Tensor> xs = example_inputs();
  CompiledModelOptions options;
  auto model = CompiledModel::compile(*g, {&xs[0]}, options);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  Status s = write_compiled_artifact(**model, options.toolchain.target, dir.path());
  ASSERT_TRUE(s.is_ok()) << s.message();
  auto engine = ArtifactEngine::load(dir.path(), 1);
  ASSERT_TRUE(engine.is_ok()) << engine.status().message();
  for (const Tensor& x : xs) {
    auto out = (*engine)->run({&x});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    expect_same(*out, reference({&x}));
  }

  stitch_model* m = nullptr;
  ASSERT_EQ(stitch_model_load(dir.path().c_str(), 1, &m), STITCH_OK) << stitch_last_error();
  stitch_tensor_info info{};
  ASSERT_EQ(stitch_model_output_info(m, 0, &info), STITCH_OK);
  ASSERT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[1], -1);  // the unique columns: known only at run time
  EXPECT_EQ(info.size_bytes, 0u);
  const void* in[] = {xs[0].raw_data()};
  void* outs[5] = {};
  EXPECT_EQ(stitch_model_run_into(m, in, 1, outs, 5), STITCH_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(stitch_last_error()).find("known only at run time"), std::string::npos);
  ASSERT_EQ(stitch_model_run(m, in, 1), STITCH_OK) << stitch_last_error();
  std::vector<Tensor> want = reference({&xs[0]});
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(stitch_model_last_output_info(m, i, &info), STITCH_OK) << stitch_last_error();
    ASSERT_EQ(Shape(info.dims, info.dims + info.rank), want[i].shape()) << i;
    ASSERT_EQ(info.size_bytes, want[i].nbytes());
    const void* data = nullptr;
    ASSERT_EQ(stitch_model_output_data(m, i, &data), STITCH_OK);
    if (info.size_bytes > 0) {
      EXPECT_EQ(std::memcmp(data, want[i].raw_data(), info.size_bytes), 0);
    }
  }
  stitch_model_free(m);
}

}  // namespace
}  // namespace stitch::driver
