// End-to-end numeric tests of blocked convolutions: conv chains go through
// passes/layout_assignment.h (stitch.ConvNCHWc), are compiled under the none and arbitrary
// policies and compared with the reference interpreter on the original graph (relative L2 <=
// 1e-4). Under none every reorder is its own kernel, so each conv reads a materialized buffer
// and runs in the conv_f32_nchw8c microkernel; under arbitrary the first conv reads its input
// through the inlined reorder (the template's own loops). Shapes hit the microkernel's edges:
// an odd number of output channel blocks (a last call with one block), rows that are not a
// multiple of the 6-pixel tile, rows narrow enough for calls of 3 blocks, padding on every side,
// strides, dilations, batch 2, and input channel counts whose weights need several L1 chunks,
// several output rows per call, and strided 1x1 convs (a subsampled copy of the input), and
// inputs whose channels are not a multiple of 8 (stitch.ReorderNCHWc pads them: the
// reorder_f32_nchw8c microkernel under the none policy).
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

struct ConvCase {
  int64_t n, c, h, w;  // input
  int64_t m, k;        // output channels, square kernel
  int64_t stride = 1, pad = 0, dilation = 1;
};

// Per case: x -> Conv(case) + bias -> Relu -> y; y -> Conv(3x3, pad 1, m -> m) -> Add(y) ->
// output. All cases go into one graph, so that one compile covers them.
std::unique_ptr<graph::Graph> make_graph(const std::vector<ConvCase>& cases,
                                         std::vector<Tensor>* feeds) {
  GraphBuilder b;
  uint32_t seed = 1;
  for (size_t i = 0; i < cases.size(); ++i) {
    const ConvCase& c = cases[i];
    const std::string id = std::to_string(i);
    graph::Value* x = b.input("x" + id, f32, {c.n, c.c, c.h, c.w});
    feeds->push_back(testing::random_tensor(f32, {c.n, c.c, c.h, c.w}, seed++));
    graph::Value* w1 =
        b.constant("w1_" + id, testing::random_tensor(f32, {c.m, c.c, c.k, c.k}, seed++));
    graph::Value* b1 = b.constant("b1_" + id, testing::random_tensor(f32, {c.m}, seed++));
    graph::Value* y = b.node("Conv", {x, w1, b1},
                             {Attr::of("strides", std::vector<int64_t>{c.stride, c.stride}),
                              Attr::of("pads", std::vector<int64_t>{c.pad, c.pad, c.pad, c.pad}),
                              Attr::of("dilations", std::vector<int64_t>{c.dilation, c.dilation})});
    y = b.node("Relu", {y});
    // A second conv reads the first one's blocked output from a buffer under every policy.
    graph::Value* w2 =
        b.constant("w2_" + id, testing::random_tensor(f32, {c.m, c.m, 3, 3}, seed++));
    graph::Value* z = b.node("Conv", {y, w2}, {Attr::of("pads", std::vector<int64_t>{1, 1, 1, 1})});
    b.output(b.node("Add", {z, y}));
  }
  return b.finish();
}

std::string describe(const ConvCase& c) {
  return "conv " + std::to_string(c.c) + "->" + std::to_string(c.m) + " k" + std::to_string(c.k) +
         " s" + std::to_string(c.stride) + " p" + std::to_string(c.pad) + " d" +
         std::to_string(c.dilation) + " on " + std::to_string(c.n) + "x" + std::to_string(c.h) +
         "x" + std::to_string(c.w);
}

void check(const std::vector<ConvCase>& cases) {
  std::vector<Tensor> feeds;
  auto original = make_graph(cases, &feeds);
  std::vector<Tensor> unused;
  auto blocked = make_graph(cases, &unused);
  // The direct kernel's own test: 3x3 stride-1 convs would otherwise go to Winograd
  // (lower_winograd_test.cc).
  passes::LayoutAssignmentOptions direct_only;
  direct_only.winograd = false;
  auto changed = passes::make_layout_assignment_pass(direct_only)->run(*blocked);
  ASSERT_TRUE(changed.is_ok() && *changed) << "the convs were not blocked";
  ASSERT_TRUE(graph::infer_graph_types(*blocked).is_ok());
  size_t blocked_convs = 0;
  for (const auto& node : blocked->nodes()) blocked_convs += node->op_type() == "ConvNCHWc";
  EXPECT_EQ(blocked_convs, 2 * cases.size());
  testing::expect_rewrite_matches_reference(*original, *blocked, feeds,
                                            [&](size_t i) { return describe(cases[i]); });
}

TEST(LowerConvNCHWc, MatchesReference) {
  check({
      {1, 8, 5, 13, 16, 1},          // 13 columns: two 6-pixel tiles and a tail of 1
      {1, 16, 4, 7, 24, 1},          // 3 output blocks: the last call has one block
      {2, 8, 3, 6, 8, 1},            // batch 2, one block, a short row
      {1, 8, 9, 11, 16, 3, 1, 1},    // padding on every side
      {1, 16, 10, 10, 24, 3, 2, 1},  // stride 2
      {1, 8, 12, 14, 16, 5, 2, 2},   // 5x5, stride 2, pad 2
      {1, 8, 11, 9, 8, 3, 1, 2, 2},  // dilation 2
      {2, 8, 8, 8, 16, 7, 2, 3},     // 7x7 stride 2, batch 2
      {1, 64, 6, 9, 32, 3, 1, 1},    // 3x3 weights of 64 channels: several L1 chunks
      {1, 8, 17, 19, 24, 1},         // pointwise, 323 pixels: two plane segments, 3 blocks
      {2, 16, 23, 23, 16, 1},        // pointwise, 529 pixels: three segments, batch 2
      {1, 8, 9, 9, 16, 1, 2},        // 1x1 stride 2: a subsampled copy, then pointwise
      {2, 16, 13, 11, 24, 1, 2},     // 1x1 stride 2 on odd sides, 3 blocks, batch 2
      {1, 8, 10, 10, 16, 1, 3},      // 1x1 stride 3
      {1, 16, 11, 9, 64, 3, 1, 1},   // narrow rows: calls of 6 and 5 rows (kPixelsPerCall)
      {2, 8, 7, 7, 48, 3, 2, 1},     // 4x4 output in groups of 2 rows, batch 2
      {1, 8, 5, 5, 8, 1, 1, 1},      // 1x1 with padding: rows, not a plane segment
      {1, 16, 6, 9, 40, 3, 1, 1},    // 5 output blocks: calls of 2 and 3 blocks (a 4x3 tile)
      {1, 8, 3, 180, 24, 3, 1, 1},   // 3 blocks on 180-pixel rows: too wide for 3, so 2 + 1
      {1, 3, 9, 13, 16, 3, 1, 1},    // an RGB stem: the reorder pads 3 channels to a block
      {1, 3, 30, 31, 16, 3, 2, 1},   // 3x3 stride-2 RGB stem: a row's taps at once inside
      {1, 3, 29, 45, 24, 3, 2, 0},   // the same unpadded, 3 blocks (4-pixel tiles)
      {2, 3, 20, 27, 8, 3, 2, 1},    // the same with one block, batch 2
      {2, 12, 5, 19, 8, 1},          // 12 channels: blocks of 8 and 4, rows of 8 + 8 + 3
      // Rows of 7 pixels or fewer take calls of 3 blocks (4 x 3 and 3 x 3 tiles), with calls of
      // 2 for the remainder: 3 blocks, 4 (2 + 2), 5 (3 + 2), 7 (3 + 2 + 2), 6 (3 + 3).
      {1, 16, 7, 7, 24, 3, 1, 1},   // 7x7 (resnet's layer4), 3 blocks
      {1, 16, 7, 7, 32, 3, 1, 1},   // 4 blocks
      {2, 8, 14, 14, 40, 3, 2, 1},  // stride 2 to 7x7, 5 blocks, batch 2
      {1, 24, 7, 7, 56, 3, 1, 1},   // 7 blocks
      {1, 8, 3, 3, 48, 3, 1, 1},    // 3x3 output, 6 blocks
      {1, 8, 2, 2, 16, 3, 1, 1},    // 2x2 output, 2 blocks: one call of 2
  });
}

}  // namespace
}  // namespace stitch::lower
