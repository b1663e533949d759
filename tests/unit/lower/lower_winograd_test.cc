// End-to-end numeric tests of Winograd F(4x4, 3x3) convolutions (stitch.ConvWinogradNCHWc,
// lower/templates/winograd_conv.cc): 3x3 stride-1 convs go through passes/layout_assignment.h,
// are compiled under the none and arbitrary policies and compared with the reference interpreter
// on the original graph (relative L2 <= 1e-4). Under none the first conv reads a materialized
// blocked input; under arbitrary it reads it through the inlined reorder (the template's
// materialization path). Shapes hit the template's edges: partial tiles at the right and bottom
// (odd H and W), padding 0, 1 and asymmetric, batch 2, channel counts that are not multiples of
// 16 (a last GEMM panel of 8 channels) or of 8 (zero-padded input channels), input channels past
// one K block of 256, several tile blocks per image, and output channels split across units. All
// outputs are at least 7x7, so that the default rule picks Winograd for every conv.
// Part of tests/unit/lower/.
#include <gtest/gtest.h>

#include "graph_builder.h"
#include "lower_test_util.h"
#include "passes/layout_assignment.h"

namespace stitch::lower {
namespace {

using testing::Attr;
using testing::GraphBuilder;

const DType f32 = DType::kFloat32;

struct WinogradCase {
  int64_t n, c, h, w;  // input
  int64_t m;           // output channels
  std::vector<int64_t> pads = {1, 1, 1, 1};
};

std::string describe(const WinogradCase& c) {
  std::string pads;
  for (int64_t p : c.pads) pads += (pads.empty() ? "" : ",") + std::to_string(p);
  return "conv3x3 " + std::to_string(c.c) + "->" + std::to_string(c.m) + " pads " + pads + " on " +
         std::to_string(c.n) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w);
}

// Per case: x -> Conv3x3(case) + bias -> Relu -> y; y -> Conv3x3(m -> m, pads 1, no bias) ->
// Add(y) -> output: the first conv fuses a ReLU, the second a residual Add. All cases go into
// one graph, so that one compile covers them.
std::unique_ptr<graph::Graph> make_graph(const std::vector<WinogradCase>& cases,
                                         std::vector<Tensor>* feeds) {
  GraphBuilder b;
  uint32_t seed = 11;
  for (size_t i = 0; i < cases.size(); ++i) {
    const WinogradCase& c = cases[i];
    const std::string id = std::to_string(i);
    graph::Value* x = b.input("x" + id, f32, {c.n, c.c, c.h, c.w});
    feeds->push_back(testing::random_tensor(f32, {c.n, c.c, c.h, c.w}, seed++));
    graph::Value* w1 =
        b.constant("w1_" + id, testing::random_tensor(f32, {c.m, c.c, 3, 3}, seed++));
    graph::Value* b1 = b.constant("b1_" + id, testing::random_tensor(f32, {c.m}, seed++));
    graph::Value* y = b.node("Conv", {x, w1, b1}, {Attr::of("pads", c.pads)});
    y = b.node("Relu", {y});
    graph::Value* w2 =
        b.constant("w2_" + id, testing::random_tensor(f32, {c.m, c.m, 3, 3}, seed++));
    graph::Value* z = b.node("Conv", {y, w2}, {Attr::of("pads", std::vector<int64_t>{1, 1, 1, 1})});
    b.output(b.node("Add", {z, y}));
  }
  return b.finish();
}

void check(const std::vector<WinogradCase>& cases) {
  std::vector<Tensor> feeds;
  auto original = make_graph(cases, &feeds);
  std::vector<Tensor> unused;
  auto blocked = make_graph(cases, &unused);
  passes::LayoutAssignmentOptions options;  // the default rule takes every case
  auto changed = passes::make_layout_assignment_pass(options)->run(*blocked);
  ASSERT_TRUE(changed.is_ok() && *changed) << "the convs were not blocked";
  ASSERT_TRUE(graph::infer_graph_types(*blocked).is_ok());
  size_t winograd_convs = 0;
  for (const auto& node : blocked->nodes())
    winograd_convs += node->op_type() == "ConvWinogradNCHWc";
  ASSERT_EQ(winograd_convs, 2 * cases.size());
  testing::expect_rewrite_matches_reference(*original, *blocked, feeds,
                                            [&](size_t i) { return describe(cases[i]); });
}

TEST(LowerWinograd, PartialTilesAndPadding) {
  check({
      {1, 32, 7, 9, 32},                  // 7x9 output: partial tiles at the right and bottom
      {1, 32, 11, 10, 32, {0, 0, 0, 0}},  // pad 0: 9x8 output
      {1, 32, 7, 6, 32, {2, 1, 0, 2}},    // asymmetric pads: 7x7 output
      {2, 32, 9, 6, 32},                  // batch 2
  });
}

TEST(LowerWinograd, ChannelsNotMultiplesOf16) {
  check({
      {1, 40, 8, 7, 40},  // 40 = 2.5 panels: the last GEMM panel holds one block of 8
      {1, 36, 9, 6, 56},  // 36 input channels, zero-padded to 40 by the reorder
      {1, 16, 7, 7, 24},  // the fewest channels the rule takes; 24 = one panel and a half
      {1, 48, 7, 7, 96},  // one GEMM row tile of 4 tiles: output channels split over 6 units
  });
}

TEST(LowerWinograd, LargeInputsAndManyChannels) {
  check({
      {2, 32, 30, 30, 32},   // 64 tiles per image: several tile blocks, a partial last one
      {1, 264, 7, 8, 32},    // 264 input channels: two K blocks of 132
      {1, 64, 13, 13, 264},  // one tile block, U too large for L2: 17 units of 1 panel
  });
}

// The option off keeps every conv on the direct kernel.
TEST(LowerWinograd, OptionOffKeepsDirectConvs) {
  std::vector<Tensor> feeds;
  auto g = make_graph({{1, 32, 7, 9, 32}}, &feeds);
  passes::LayoutAssignmentOptions options;
  options.winograd = false;
  ASSERT_TRUE(passes::make_layout_assignment_pass(options)->run(*g).is_ok());
  int direct = 0, winograd = 0;
  for (const auto& node : g->nodes()) {
    direct += node->op_type() == "ConvNCHWc";
    winograd += node->op_type() == "ConvWinogradNCHWc";
  }
  EXPECT_EQ(direct, 2);
  EXPECT_EQ(winograd, 0);
}

}  // namespace
}  // namespace stitch::lower
