// The partitioner on graph::Graph: the OpDag adapter, policy parsing, and the partitions of the
// committed models (tests/data/models) under each policy, with golden text for the smallest.
// Part of tests/unit/partition/.
#include "partition/graph_partition.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "frontend/onnx/onnx_importer.h"
#include "graph/op_registry.h"

namespace stitch::partition {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<graph::Graph> load_model(const std::string& name) {
  auto g =
      frontend::import_onnx_file((fs::path(STITCH_TEST_MODELS_DIR) / name / "model.onnx").string());
  EXPECT_TRUE(g.is_ok()) << g.status().message();
  return g.is_ok() ? std::move(g).value() : nullptr;
}

GraphPartition run(const graph::Graph& g, FusionPolicy policy) {
  PartitionOptions opt;
  opt.policy = policy;
  auto p = partition_graph(g, opt);
  EXPECT_TRUE(p.is_ok()) << p.status().message();
  return p.is_ok() ? std::move(p).value() : GraphPartition{};
}

TEST(FusionPolicy, Parse) {
  EXPECT_EQ(*parse_fusion_policy("none"), FusionPolicy::kNone);
  EXPECT_EQ(*parse_fusion_policy("single"), FusionPolicy::kSingle);
  EXPECT_EQ(*parse_fusion_policy("arbitrary"), FusionPolicy::kArbitrary);
  auto bad = parse_fusion_policy("greedy");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(),
            "unknown fusion policy 'greedy' (expected none, single or arbitrary)");
  EXPECT_STREQ(fusion_policy_name(FusionPolicy::kSingle), "single");
}

int count_anchor_ops(const graph::Graph& g) {
  int n = 0;
  for (const graph::Node* node : g.nodes()) {
    auto c = graph::OpRegistry::global().find(node->domain(), node->op_type())->op_class;
    n += c == graph::OpClass::kComplex || c == graph::OpClass::kReduce ? 1 : 0;
  }
  return n;
}

TEST(GraphPartition, GoldenTinyMlpSingle) {
  auto g = load_model("tiny_mlp");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(partition_to_string(*g, run(*g, FusionPolicy::kSingle)),
            R"(partition of 'torch_jit' (fusion single): 3 subgraphs, 6 nodes
subgraph 0: 3 nodes
  anchors: /MatMul (MatMul)
  inputs: input, const w1, const b1
  outputs: /Relu_output_0
  /MatMul (MatMul)
  /Add (Add)
  /Relu (Relu)
subgraph 1: 2 nodes
  anchors: /MatMul_1 (MatMul)
  inputs: /Relu_output_0, const w2, const b2
  outputs: /Add_1_output_0
  /MatMul_1 (MatMul)
  /Add_1 (Add)
subgraph 2: 1 nodes
  anchors: /Softmax (Softmax)
  inputs: /Add_1_output_0
  outputs: probs
  /Softmax (Softmax)
)");
}

TEST(GraphPartition, GoldenTinyMlpArbitrary) {
  auto g = load_model("tiny_mlp");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(partition_to_string(*g, run(*g, FusionPolicy::kArbitrary)),
            R"(partition of 'torch_jit' (fusion arbitrary): 1 subgraphs, 6 nodes
subgraph 0: 6 nodes
  anchors: /MatMul (MatMul), /MatMul_1 (MatMul), /Softmax (Softmax)
  inputs: input, const w1, const b1, const w2, const b2
  outputs: probs
  /MatMul (MatMul)
  /Add (Add)
  /Relu (Relu)
  /MatMul_1 (MatMul)
  /Add_1 (Add)
  /Softmax (Softmax)
)");
}

struct ModelCounts {
  const char* model;
  int single;     // = complex + reduce ops: every injective op found an anchor
  int arbitrary;  // golden: changes here need a reason (priorities, budgets)
};

class ModelCountsTest : public ::testing::TestWithParam<ModelCounts> {};

TEST_P(ModelCountsTest, SubgraphsPerPolicy) {
  const ModelCounts& want = GetParam();
  auto g = load_model(want.model);
  ASSERT_NE(g, nullptr);
  GraphPartition none = run(*g, FusionPolicy::kNone);
  GraphPartition single = run(*g, FusionPolicy::kSingle);
  GraphPartition arbitrary = run(*g, FusionPolicy::kArbitrary);
  EXPECT_EQ(static_cast<int>(none.subgraphs.size()), g->num_nodes());
  EXPECT_EQ(static_cast<int>(single.subgraphs.size()), count_anchor_ops(*g));
  EXPECT_EQ(static_cast<int>(single.subgraphs.size()), want.single);
  EXPECT_EQ(static_cast<int>(arbitrary.subgraphs.size()), want.arbitrary);
  for (const GraphSubgraph& sg : single.subgraphs) EXPECT_EQ(sg.anchors.size(), 1u);
  std::map<const graph::Node*, int> seen;
  for (const GraphSubgraph& sg : arbitrary.subgraphs) {
    int complex = 0;
    for (const graph::Node* n : sg.nodes) {
      ++seen[n];
      auto c = graph::OpRegistry::global().find(n->domain(), n->op_type())->op_class;
      complex += c == graph::OpClass::kComplex ? 1 : 0;
    }
    EXPECT_LE(complex, ArbitraryOptions{}.max_complex_per_subgraph);
  }
  EXPECT_EQ(static_cast<int>(seen.size()), g->num_nodes());
  std::printf("%s: %d nodes; subgraphs: none %zu, single %zu, arbitrary %zu\n", want.model,
              g->num_nodes(), none.subgraphs.size(), single.subgraphs.size(),
              arbitrary.subgraphs.size());
}

INSTANTIATE_TEST_SUITE_P(Committed, ModelCountsTest,
                         ::testing::Values(ModelCounts{"tiny_mlp", 3, 1},
                                           ModelCounts{"tiny_resnet", 21, 3},
                                           ModelCounts{"tiny_mobilenet_v2", 34, 6},
                                           ModelCounts{"tiny_bert", 24, 5}),
                         [](const auto& info) { return std::string(info.param.model); });

TEST(BuildOpDag, TensorsBytesAndClasses) {
  auto g = load_model("tiny_mlp");
  ASSERT_NE(g, nullptr);
  std::vector<graph::Value*> values;
  auto dag = build_op_dag(*g, &values);
  ASSERT_TRUE(dag.is_ok()) << dag.status().message();
  ASSERT_EQ(dag->num_nodes(), 6);
  ASSERT_EQ(static_cast<int>(values.size()), dag->num_tensors());
  EXPECT_EQ(dag->op_class(0), OpClass::kComplex);    // /MatMul
  EXPECT_EQ(dag->op_class(2), OpClass::kInjective);  // /Relu
  EXPECT_EQ(dag->op_class(5), OpClass::kReduce);     // /Softmax
  for (int t = 0; t < dag->num_tensors(); ++t) {
    const DagTensor& tensor = dag->tensor(t);
    EXPECT_EQ(tensor.is_constant, values[t]->is_constant()) << values[t]->name();
    EXPECT_EQ(tensor.producer < 0, values[t]->producer() == nullptr) << values[t]->name();
    EXPECT_EQ(tensor.is_graph_output, values[t]->is_graph_output()) << values[t]->name();
  }
  EXPECT_EQ(values[0]->name(), "input");
  EXPECT_EQ(dag->tensor(0).bytes, 32 * 4);  // float32[1, 32]
  EXPECT_EQ(dag->edge_bytes(0, 1), dag->tensor(dag->node(0).outputs[0]).bytes);
}

TEST(BuildOpDag, ErrorsNameTheNode) {
  graph::Graph g;
  graph::Value* x = g.add_value("x", graph::make_type(DType::kFloat32, {4}));
  g.add_input(x);
  graph::Value* y = g.add_value("y");
  graph::Value* z = g.add_value("z");
  g.add_node("Relu", "late_reader", {y}, {z});
  g.add_node("Relu", "producer", {x}, {y});
  auto bad_order = build_op_dag(g, nullptr);
  ASSERT_FALSE(bad_order.is_ok());
  EXPECT_NE(bad_order.status().message().find("late_reader"), std::string::npos);
  EXPECT_NE(bad_order.status().message().find("not in topological order"), std::string::npos);

  graph::Graph h;
  graph::Value* a = h.add_value("a");
  h.add_input(a);
  h.add_node("NoSuchOp", "mystery", {a}, {h.add_value("b")});
  auto unknown = partition_graph(h, {});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("mystery"), std::string::npos);
}

}  // namespace
}  // namespace stitch::partition
