// Golden test of the default pass pipeline on a small residual conv net, and of the
// pipeline's hook and error context. Part of tests/golden/.
#include "passes/pass_pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using graph::Value;
using testing::Builder;

Value* conv_bn(Builder& b, Value* x, int64_t in_channels, const std::string& name, bool bias) {
  std::vector<Value*> ins = {x, b.random(name + "_w", {4, in_channels, 3, 3})};
  if (bias) ins.push_back(b.random(name + "_b", {4}));
  graph::Node* c = b.node("Conv", ins, {name});
  c->set_attr("pads", Attribute::of_ints({1, 1, 1, 1}));
  graph::Node* bn = b.node(
      "BatchNormalization",
      {c->output(0), b.random(name + "_gamma", {4}, 0.5f, 1.5f), b.random(name + "_beta", {4}),
       b.random(name + "_mean", {4}), b.random(name + "_var", {4}, 0.5f, 1.5f)},
      {name + "_bn"});
  return bn->output(0);
}

std::unique_ptr<graph::Graph> make_net() {
  Builder b("net");
  auto* x = b.input("x", {1, 3, 8, 8});
  auto* r1 = b.op("Relu", {conv_bn(b, x, 3, "c1", true)}, "r1");
  auto* sum = b.op("Add", {conv_bn(b, r1, 4, "c2", false), r1}, "sum");
  auto* r2 = b.op("Relu", {b.op("Identity", {sum}, "id")}, "r2");
  auto* gap = b.op("GlobalAveragePool", {r2}, "gap");
  graph::Node* flat = b.node("Flatten", {gap}, {"flat"});
  flat->set_attr("axis", Attribute::of_int(1));
  graph::Node* fc = b.node(
      "Gemm", {flat->output(0), b.random("fc_w", {5, 4}), b.random("fc_b", {5})}, {"logits"});
  fc->set_attr("transB", Attribute::of_int(1));
  b.output(b.op("Identity", {fc->output(0)}, "y"));
  return b.finish();
}

TEST(PassPipeline, DefaultPipelineOnAResidualNet) {
  PipelineOptions options;
  options.verify_after_each_pass = true;
  PassPipeline pipeline = make_default_pipeline(options);
  std::vector<std::string> log;
  pipeline.set_after_pass([&](const PassEvent& e) {
    log.push_back(e.pass.name() + "@" + std::to_string(e.round) + (e.changed ? "+" : ""));
  });
  std::unique_ptr<graph::Graph> before = make_net();
  std::unique_ptr<graph::Graph> after = make_net();
  auto changed = pipeline.run(*after);
  ASSERT_TRUE(changed.is_ok()) << changed.status().message();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(after->to_string(),
            "graph net (%x: float32[1, 3, 8, 8]) {\n"
            "  %c1_bn: float32[1, 4, 8, 8] = Conv(%x, %c1_w, %c1_b) {pads=[1, 1, 1, 1]}\n"
            "  %r1: float32[1, 4, 8, 8] = Relu(%c1_bn)\n"
            "  %c2_bn: float32[1, 4, 8, 8] = Conv(%r1, %c2_w, %n_c2_bias) {pads=[1, 1, 1, 1]}\n"
            "  %sum: float32[1, 4, 8, 8] = Add(%c2_bn, %r1)\n"
            "  %r2: float32[1, 4, 8, 8] = Relu(%sum)\n"
            "  %gap: float32[1, 4, 1, 1] = GlobalAveragePool(%r2)\n"
            "  %flat: float32[1, 4] = Flatten(%gap) {axis=1}\n"
            "  %n_logits_mm: float32[1, 5] = MatMulPacked(%flat, %fc_w_panels) {N=5}\n"
            "  %y: float32[1, 5] = Add(%n_logits_mm, %fc_b)\n"
            "  return %y\n"
            "}\n");
  // Round 0 changes the graph; the last round of the simplification group is the one that
  // proves the fixed point. The once-only stages after it (layouts, packing) come last.
  auto group_end = std::find_if(log.begin(), log.end(), [](const std::string& entry) {
    return entry.rfind("layout_assignment@", 0) == 0;
  });
  ASSERT_NE(group_end, log.end());
  const size_t end = static_cast<size_t>(group_end - log.begin());
  ASSERT_GE(end, 14u);
  EXPECT_EQ(log[0], "unroll_loops@0");  // no Loop in this net
  EXPECT_EQ(log[1], "canonicalize@0+");
  for (size_t i = end - 7; i < end; ++i) {
    EXPECT_EQ(log[i].back() == '+', false) << log[i];
  }
  for (uint32_t seed : {1u, 2u}) {
    std::vector<Tensor> inputs = testing::random_inputs(*before, seed);
    testing::expect_outputs_match(testing::interpret(*after, inputs),
                                  testing::interpret(*before, inputs), 1e-5);
  }
}

class FailingPass : public Pass {
 public:
  std::string name() const override { return "failing"; }
  Expected<bool> run(graph::Graph&) override { return error("node 'n' (Relu): broken"); }
};

TEST(PassPipeline, ErrorsNameThePass) {
  PassPipeline pipeline;
  pipeline.add(std::make_unique<FailingPass>());
  EXPECT_EQ(pipeline.pass_names(), std::vector<std::string>{"failing"});
  std::unique_ptr<graph::Graph> g = make_net();
  auto changed = pipeline.run(*g);
  ASSERT_FALSE(changed.is_ok());
  EXPECT_EQ(changed.status().message(), "pass failing: node 'n' (Relu): broken");
}

}  // namespace
}  // namespace stitch::passes
