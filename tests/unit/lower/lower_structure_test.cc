// Structural tests of lowering: buffer lists, fusion decisions and the printed kernel IR of
// small subgraphs, plus the errors users can cause. Part of tests/unit/lower/.
#include <gtest/gtest.h>

#include "graph_builder.h"
#include "kir/printer.h"
#include "lower/lower_subgraph.h"
#include "partition/graph_partition.h"

namespace stitch::lower {
namespace {

using testing::GraphBuilder;

Tensor filled(const Shape& shape, float v) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = v;
  return t;
}

// x[4, 8] @ W[8, 16] + b[16] -> Relu: the single-anchor policy makes one subgraph.
std::unique_ptr<graph::Graph> matmul_bias_relu() {
  GraphBuilder b;
  graph::Value* x = b.input("x", DType::kFloat32, {4, 8});
  graph::Value* w = b.constant("W", filled({8, 16}, 0.5f));
  graph::Value* bias = b.constant("b", filled({16}, 1.0f));
  graph::Value* mm = b.node("MatMul", {x, w});
  graph::Value* add = b.node("Add", {mm, bias});
  b.output(b.node("Relu", {add}));
  return b.finish();
}

partition::GraphSubgraph whole_graph(const graph::Graph& g, partition::FusionPolicy policy) {
  auto p = partition::partition_graph(g, {policy, {}});
  STITCH_CHECK(p.is_ok(), p.status().message());
  STITCH_CHECK(p->subgraphs.size() == 1, "expected one subgraph");
  return p->subgraphs[0];
}

TEST(LowerSubgraph, MatMulBiasReluIsOneKernelWithoutIntermediates) {
  auto g = matmul_bias_relu();
  auto k = lower_subgraph(*g, whole_graph(*g, partition::FusionPolicy::kSingle), "mm_bias_relu");
  ASSERT_TRUE(k.is_ok()) << k.status().message();
  std::vector<std::string> names;
  for (const graph::Value* v : k->bindings) names.push_back(v->name());
  EXPECT_EQ(names, (std::vector<std::string>{"x", "W", "b", "Relu_out"}));
  const std::string text = kir::to_string(k->kernel);
  EXPECT_EQ(text,
            "kernel mm_bias_relu(input x: float32[4, 8], constant W: float32[8, 16], "
            "constant b: float32[16], output Relu_out: float32[4, 16]) {\n"
            "  parallel for i in [0, 4) {\n"
            "    for j in [0, 16) {\n"
            "      allocate scratch acc: float32[1] {\n"
            "        acc[0] = 0.0f\n"
            "        for i_1 in [0, 8) {\n"
            "          acc[0] = acc[0] + x[i * 8 + i_1] * W[i_1 * 16 + j]\n"
            "        }\n"
            "        Relu_out[i * 16 + j] = max(acc[0] + b[j], 0.0f)\n"
            "      }\n"
            "    }\n"
            "  }\n"
            "}\n")
      << text;
}

TEST(LowerSubgraph, WithoutFusionEveryNodeWritesABuffer) {
  auto g = matmul_bias_relu();
  LowerOptions options;
  options.fuse_injective = false;
  auto k =
      lower_subgraph(*g, whole_graph(*g, partition::FusionPolicy::kSingle), "unfused", options);
  ASSERT_TRUE(k.is_ok()) << k.status().message();
  const std::string text = kir::to_string(k->kernel);
  EXPECT_NE(text.find("allocate scratch MatMul_out"), std::string::npos) << text;
  EXPECT_NE(text.find("allocate scratch Add_out"), std::string::npos) << text;
}

TEST(LowerSubgraph, ReshapeAndTransposeAreInlined) {
  GraphBuilder b;
  graph::Value* x = b.input("x", DType::kFloat32, {2, 3, 4});
  graph::Value* t =
      b.node("Transpose", {x}, {testing::Attr::of("perm", std::vector<int64_t>{0, 2, 1})});
  graph::Value* shape = b.constant("shape", Tensor::from_vector<int64_t>({8, 3}, {2}));
  graph::Value* r = b.node("Reshape", {t, shape});
  b.output(b.node("Exp", {r}));
  auto g = b.finish();
  auto k = lower_subgraph(*g, whole_graph(*g, partition::FusionPolicy::kSingle), "remap");
  ASSERT_TRUE(k.is_ok()) << k.status().message();
  EXPECT_EQ(k->kernel->buffers.size(), 2u);  // the shape constant is read at compile time
  const std::string text = kir::to_string(k->kernel);
  EXPECT_EQ(text.find("allocate"), std::string::npos) << text;
}

TEST(LowerSubgraph, UnsupportedOpIsReported) {
  GraphBuilder b;
  graph::Value* x = b.input("x", DType::kFloat32, {2, 3});
  b.output(b.node("NonZero", {x}));
  auto g = b.finish();
  partition::GraphSubgraph sg;
  sg.nodes = g->nodes();
  sg.inputs = {g->inputs()[0]};
  sg.outputs = {g->outputs()[0]};
  auto k = lower_subgraph(*g, sg, "nz");
  ASSERT_FALSE(k.is_ok());
  EXPECT_EQ(k.status().message(),
            "unsupported: no lowering for NonZero (node '" + g->nodes()[0]->name() + "')");
}

TEST(LowerSubgraph, DynamicShapeNamesTheValue) {
  GraphBuilder b;
  graph::Value* x = b.input("x", DType::kFloat32, {kUnknownDim, 3});
  b.output(b.node("Relu", {x}));
  auto g = b.finish();
  auto k = lower_subgraph(*g, whole_graph(*g, partition::FusionPolicy::kSingle), "dyn");
  ASSERT_FALSE(k.is_ok());
  EXPECT_NE(k.status().message().find("unsupported: value 'x' has a data-dependent shape"),
            std::string::npos)
      << k.status().message();
}

TEST(LowerSubgraph, IdentifiersAreSanitized) {
  EXPECT_EQ(identifier_of("/conv1/Conv_output_0"), "conv1_Conv_output_0");
  EXPECT_EQ(identifier_of("onnx::Add_12"), "onnx_Add_12");
  EXPECT_EQ(identifier_of("123"), "v123");
}

// ---- Epilogue diamonds: elementwise nodes that read a chain value twice and meet again ----

// x[4, 8] @ W[8, 16] + b, then GELU as exported (erf form): the bias add is read by the Div and
// by the Mul. `tail_output`: the bias add is a graph output too.
std::unique_ptr<graph::Graph> matmul_bias_gelu(bool bias_add_is_output) {
  GraphBuilder b;
  graph::Value* x = b.input("x", DType::kFloat32, {4, 8});
  graph::Value* mm = b.node("MatMul", {x, b.constant("W", filled({8, 16}, 0.5f))});
  graph::Value* add = b.node("Add", {mm, b.constant("b", filled({16}, 1.0f))});
  graph::Value* erf = b.node("Erf", {b.node("Div", {add, b.constant("c", filled({}, 1.4f))})});
  graph::Value* one_plus = b.node("Add", {erf, b.constant("one", filled({}, 1.0f))});
  graph::Value* gelu =
      b.node("Mul", {b.node("Mul", {add, one_plus}), b.constant("half", filled({}, 0.5f))});
  b.output(gelu);
  if (bias_add_is_output) b.output(add);
  return b.finish();
}

std::vector<std::string> binding_names(const LoweredKernel& k) {
  std::vector<std::string> names;
  for (const graph::Value* v : k.bindings) names.push_back(v->name());
  return names;
}

TEST(LowerSubgraph, GeluDiamondIsTheMatMulsEpilogue) {
  auto g = matmul_bias_gelu(false);
  auto k = lower_subgraph(*g, whole_graph(*g, partition::FusionPolicy::kArbitrary), "mm_gelu");
  ASSERT_TRUE(k.is_ok()) << k.status().message();
  // No buffer for the bias add or any GELU step: one store of the GELU per element.
  EXPECT_EQ(binding_names(*k),
            (std::vector<std::string>{"x", "W", "b", "c", "one", "half", "Mul_out_1"}));
  const std::string text = kir::to_string(k->kernel);
  EXPECT_EQ(text.find("scratch Add_out"), std::string::npos) << text;
  EXPECT_NE(text.find("Mul_out_1[i * 16 + j] = (acc[0] + b[j]) * (erf((acc[0] + b[j]) / c[0])"),
            std::string::npos)
      << text;
}

TEST(LowerSubgraph, SiluOnTheAnchorOutputIsItsEpilogue) {
  // x * sigmoid(x) straight on the MatMul: the anchor's own output is read twice.
  GraphBuilder b;
  graph::Value* x = b.input("x", DType::kFloat32, {4, 8});
  graph::Value* mm = b.node("MatMul", {x, b.constant("W", filled({8, 16}, 0.5f))});
  b.output(b.node("Mul", {mm, b.node("Sigmoid", {mm})}));
  auto g = b.finish();
  auto k = lower_subgraph(*g, whole_graph(*g, partition::FusionPolicy::kArbitrary), "mm_silu");
  ASSERT_TRUE(k.is_ok()) << k.status().message();
  EXPECT_EQ(binding_names(*k), (std::vector<std::string>{"x", "W", "Mul_out"}));
  const std::string text = kir::to_string(k->kernel);
  EXPECT_EQ(text.find("scratch"), text.find("scratch acc")) << text;  // only the accumulator
  EXPECT_NE(text.find("Mul_out[i * 16 + j] = acc[0] * (1.0f / (1.0f + exp(0.0f - acc[0])))"),
            std::string::npos)
      << text;
}

TEST(LowerSubgraph, DiamondValuesReadOutsideAreStored) {
  // The bias add is a graph output: it must be stored, so it ends the epilogue and the GELU
  // nodes after it read its buffer.
  auto g = matmul_bias_gelu(true);
  auto k = lower_subgraph(*g, whole_graph(*g, partition::FusionPolicy::kArbitrary), "mm_gelu_out");
  ASSERT_TRUE(k.is_ok()) << k.status().message();
  const std::string text = kir::to_string(k->kernel);
  EXPECT_NE(text.find("Add_out[i * 16 + j] = acc[0] + b[j]"), std::string::npos) << text;
  EXPECT_NE(text.find("erf(Add_out["), std::string::npos) << text;
}

TEST(LowerSubgraph, BranchesThatDoNotMeetAreNotAnEpilogue) {
  // relu(mm) and sigmoid(mm) are two outputs: no single value ends the diamond.
  GraphBuilder b;
  graph::Value* x = b.input("x", DType::kFloat32, {4, 8});
  graph::Value* mm = b.node("MatMul", {x, b.constant("W", filled({8, 16}, 0.5f))});
  b.output(b.node("Relu", {mm}));
  b.output(b.node("Sigmoid", {mm}));
  auto g = b.finish();
  auto k = lower_subgraph(*g, whole_graph(*g, partition::FusionPolicy::kArbitrary), "mm_two");
  ASSERT_TRUE(k.is_ok()) << k.status().message();
  const std::string text = kir::to_string(k->kernel);
  EXPECT_NE(text.find("MatMul_out[i * 16 + j] = acc[0]"), std::string::npos) << text;
}

}  // namespace
}  // namespace stitch::lower
