// Golden tests of layout assignment: a conv chain goes blocked with pre-packed weights and stays
// blocked through the ReLU and the residual Add; convs the blocked kernel does not cover are
// left alone. Part of tests/golden/. The runner also checks that the interpreter gives the same
// outputs before and after (the reference kernel of ConvNCHWc).
#include "passes/layout_assignment.h"

#include <gtest/gtest.h>

#include "golden_util.h"
#include "passes/dead_code_elimination.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using graph::Value;
using testing::Builder;
using testing::run_pass_and_check;

Value* conv(Builder& b, Value* x, Shape w_shape, const std::string& out, int64_t stride = 1) {
  graph::Node* n =
      b.node("Conv", {x, b.random(out + "_w", w_shape), b.random(out + "_b", {w_shape[0]})}, {out});
  n->set_attr("pads", Attribute::of_ints({1, 1, 1, 1}));
  n->set_attr("strides", Attribute::of_ints({stride, stride}));
  return n->output(0);
}

TEST(LayoutAssignment, ConvChainStaysBlockedThroughReluAndResidualAdd) {
  auto make = [] {
    Builder b("chain");
    auto* x = b.input("x", {1, 8, 6, 6});
    auto* r = b.op("Relu", {conv(b, x, {16, 8, 3, 3}, "c1")}, "r");
    auto* c2 = conv(b, r, {16, 16, 3, 3}, "c2");
    b.output(b.op("Add", {c2, r}, "y"));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  // Both convs are blocked, and the second reads the blocked ReLU directly: no reorder between.
  EXPECT_NE(after.find("%c1_blocked: float32[1, 2, 6, 6, 8] = ConvNCHWc(%x_blocked, "
                       "%c1_w_packed, %c1_b)"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("%r_blocked: float32[1, 2, 6, 6, 8] = Relu(%c1_blocked)"), std::string::npos)
      << after;
  EXPECT_NE(after.find("= ConvNCHWc(%r_blocked, %c2_w_packed, %c2_b)"), std::string::npos) << after;
  EXPECT_NE(after.find("%y_blocked: float32[1, 2, 6, 6, 8] = Add(%c2_blocked, %r_blocked)"),
            std::string::npos)
      << after;
}

TEST(LayoutAssignment, PacksWeightsWithOutputChannelsInnermost) {
  auto make = [] {
    Builder b("strided");
    auto* x = b.input("x", {1, 16, 7, 7});
    b.output(conv(b, x, {8, 16, 3, 3}, "y", 2));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_NE(after.find("dilations=[1, 1], pads=[1, 1, 1, 1], strides=[2, 2]"), std::string::npos)
      << after;
  // The packed weight is a constant of the graph: [M/8, C/8, KH, KW, 8 in, 8 out], and element
  // (m, c, p, q) of the original sits at [m/8, c/8, p, q, c%8, m%8].
  auto g = make();
  const Tensor original = g->find_value("y_w")->constant()->clone();
  ASSERT_TRUE(pass->run(*g).is_ok());
  const graph::Value* packed = g->find_value("y_w_packed");
  ASSERT_NE(packed, nullptr);
  ASSERT_TRUE(packed->is_constant());
  EXPECT_EQ(packed->shape(), (Shape{1, 2, 3, 3, 8, 8}));
  const float* src = original.data<float>();
  const float* dst = packed->constant()->data<float>();
  for (int64_t m = 0; m < 8; ++m)
    for (int64_t c = 0; c < 16; ++c)
      for (int64_t p = 0; p < 3; ++p)
        for (int64_t q = 0; q < 3; ++q)
          ASSERT_EQ(dst[((((c / 8) * 3 + p) * 3 + q) * 8 + c % 8) * 8 + m],
                    src[((m * 16 + c) * 3 + p) * 3 + q]);
}

TEST(LayoutAssignment, LeavesUncoveredConvsAlone) {
  auto make = [] {
    Builder b("uncovered");
    auto* x = b.input("x", {1, 3, 6, 6});  // 3 input channels: not a multiple of the block
    auto* y = conv(b, x, {8, 3, 3, 3}, "c");
    graph::Node* g = b.node("Conv", {y, b.random("g_w", {8, 4, 3, 3})}, {"y"});
    g->set_attr("group", Attribute::of_int(2));  // grouped
    b.output(g->output(0));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  testing::CheckOptions o;
  o.expect_changed = false;
  std::string after = run_pass_and_check(make, *pass, o);
  EXPECT_EQ(after.find("ConvNCHWc"), std::string::npos) << after;
}

}  // namespace
}  // namespace stitch::passes
