// Golden tests of layout assignment: a conv chain goes blocked with pre-packed weights and stays
// blocked through the ReLU, the residual Add, depthwise convs and pooling; input channels are
// zero-padded up to the block; convs the blocked kernels do not cover are left alone. Part of
// tests/golden/. The runner also checks that the interpreter gives the same outputs before and
// after (the reference kernels of the stitch.*NCHWc ops).
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
    auto* x = b.input("x", {1, 3, 6, 6});
    auto* y = conv(b, x, {5, 3, 3, 3}, "c");  // 5 output channels: not a multiple of the block
    graph::Node* g = b.node("Conv", {y, b.random("g_w", {10, 1, 3, 3})}, {"g"});
    g->set_attr("group", Attribute::of_int(5));  // channel multiplier 2: not depthwise
    graph::Node* d = b.node("Conv", {g->output(0), b.random("d_w", {8, 5, 3, 3})}, {"y"});
    d->set_attr("group", Attribute::of_int(2));  // grouped
    b.output(d->output(0));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  testing::CheckOptions o;
  o.expect_changed = false;
  std::string after = run_pass_and_check(make, *pass, o);
  EXPECT_EQ(after.find("NCHWc"), std::string::npos) << after;
}

// A conv with 3 input channels reads its input zero-padded to 8 (by a ReorderNCHWc),
// and its packed weight has zero rows for the padded channels.
TEST(LayoutAssignment, PadsInputChannelsUpToTheBlock) {
  auto make = [] {
    Builder b("stem");
    auto* x = b.input("x", {2, 3, 9, 9});
    auto* c = conv(b, x, {16, 3, 3, 3}, "c", 2);
    b.output(b.op("Relu", {c}, "y"));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_NE(after.find("%x_blocked: float32[2, 1, 9, 9, 8] = ReorderNCHWc(%x) {block=8}"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("%c_blocked: float32[2, 2, 5, 5, 8] = ConvNCHWc(%x_blocked, "
                       "%c_w_packed, %c_b)"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("= Relu(%c_blocked)"), std::string::npos) << after;
  auto g = make();
  const Tensor original = g->find_value("c_w")->constant()->clone();
  ASSERT_TRUE(pass->run(*g).is_ok());
  const graph::Value* packed = g->find_value("c_w_packed");
  ASSERT_NE(packed, nullptr);
  EXPECT_EQ(packed->shape(), (Shape{2, 1, 3, 3, 8, 8}));
  const float* src = original.data<float>();
  const float* dst = packed->constant()->data<float>();
  for (int64_t m = 0; m < 16; ++m)
    for (int64_t c = 0; c < 8; ++c)
      for (int64_t p = 0; p < 3; ++p)
        for (int64_t q = 0; q < 3; ++q)
          ASSERT_EQ(dst[(((m / 8) * 3 + p) * 3 + q) * 64 + c * 8 + m % 8],
                    c < 3 ? src[((m * 3 + c) * 3 + p) * 3 + q] : 0.0f)
              << m << " " << c << " " << p << " " << q;
}

Value* depthwise(Builder& b, Value* x, int64_t c, int64_t k, const std::string& out,
                 int64_t stride = 1, int64_t dilation = 1, bool bias = true) {
  std::vector<Value*> in{x, b.random(out + "_w", {c, 1, k, k})};
  if (bias) in.push_back(b.random(out + "_b", {c}));
  graph::Node* n = b.node("Conv", in, {out});
  const int64_t pad = (k - 1) * dilation / 2;
  n->set_attr("group", Attribute::of_int(c));
  n->set_attr("pads", Attribute::of_ints({pad, pad, pad, pad}));
  n->set_attr("strides", Attribute::of_ints({stride, stride}));
  n->set_attr("dilations", Attribute::of_ints({dilation, dilation}));
  return n->output(0);
}

Value* clip6(Builder& b, Value* x, const std::string& out) {
  Tensor lo(DType::kFloat32, {}), hi(DType::kFloat32, {});
  lo.data<float>()[0] = 0.0f;
  hi.data<float>()[0] = 6.0f;
  return b.op("Clip",
              {x, b.constant(out + "_lo", std::move(lo)), b.constant(out + "_hi", std::move(hi))},
              out);
}

Value* conv1x1(Builder& b, Value* x, int64_t m, int64_t c, const std::string& out) {
  return b.op("Conv", {x, b.random(out + "_w", {m, c, 1, 1}), b.random(out + "_b", {m})}, out);
}

// MobileNetV2's inverted residual block: 1x1 expand, Clip, 3x3 depthwise, Clip, 1x1 project,
// residual Add, entirely blocked (the only reorders are at the graph's input and output).
TEST(LayoutAssignment, InvertedResidualBlockStaysBlocked) {
  auto make = [] {
    Builder b("inverted_residual");
    auto* x = b.input("x", {1, 16, 7, 7});
    auto* e = clip6(b, conv1x1(b, x, 32, 16, "e"), "e6");
    auto* d = clip6(b, depthwise(b, e, 32, 3, "d"), "d6");
    b.output(b.op("Add", {conv1x1(b, d, 16, 32, "p"), x}, "y"));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_NE(after.find("%d_blocked: float32[1, 4, 7, 7, 8] = DepthwiseConvNCHWc(%e6_blocked, "
                       "%d_w_packed, %d_b) {dilations=[1, 1], pads=[1, 1, 1, 1], strides=[1, 1]}"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("= ConvNCHWc(%d6_blocked, %p_w_packed, %p_b)"), std::string::npos) << after;
  EXPECT_NE(after.find("%y_blocked: float32[1, 2, 7, 7, 8] = Add(%p_blocked, %x_blocked)"),
            std::string::npos)
      << after;
  // Once dead reorders are gone, one reorder into the blocked layout (x) and one out of it (y)
  // remain: two Transposes in all.
  auto g = make();
  ASSERT_TRUE(pass->run(*g).is_ok());
  ASSERT_TRUE(make_dead_code_elimination_pass()->run(*g).is_ok());
  int transposes = 0;
  for (const graph::Node* n : g->nodes()) transposes += n->op_type() == "Transpose";
  EXPECT_EQ(transposes, 2);
}

// Depthwise weights [C, 1, KH, KW] pack to [C/8, KH, KW, 8]: element (c, p, q) sits at
// [c/8, p, q, c%8]. Strides, dilations, no bias, batch 2.
TEST(LayoutAssignment, PacksDepthwiseWeightsWithChannelsInnermost) {
  auto make = [] {
    Builder b("depthwise");
    auto* x = b.input("x", {2, 24, 11, 11});
    auto* d = depthwise(b, b.op("Relu", {conv1x1(b, x, 24, 24, "e")}, "r"), 24, 5, "d", 2, 2,
                        /*bias=*/false);
    b.output(b.op("Relu", {d}, "y"));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_NE(after.find("%d_blocked: float32[2, 3, 6, 6, 8] = DepthwiseConvNCHWc(%r_blocked, "
                       "%d_w_packed) {dilations=[2, 2], pads=[4, 4, 4, 4], strides=[2, 2]}"),
            std::string::npos)
      << after;
  auto g = make();
  const Tensor original = g->find_value("d_w")->constant()->clone();
  ASSERT_TRUE(pass->run(*g).is_ok());
  const graph::Value* packed = g->find_value("d_w_packed");
  ASSERT_NE(packed, nullptr);
  EXPECT_EQ(packed->shape(), (Shape{3, 5, 5, 8}));
  const float* src = original.data<float>();
  const float* dst = packed->constant()->data<float>();
  for (int64_t c = 0; c < 24; ++c)
    for (int64_t p = 0; p < 5; ++p)
      for (int64_t q = 0; q < 5; ++q)
        ASSERT_EQ(dst[(((c / 8) * 5 + p) * 5 + q) * 8 + c % 8], src[(c * 5 + p) * 5 + q]);
}

// A depthwise conv whose input is not blocked still runs blocked (its input is reordered).
TEST(LayoutAssignment, DepthwiseConvOnAPlainInput) {
  auto make = [] {
    Builder b("depthwise_input");
    auto* x = b.input("x", {1, 8, 6, 5});
    b.output(depthwise(b, x, 8, 3, "y"));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_NE(after.find("= DepthwiseConvNCHWc(%x_blocked, %y_w_packed, %y_b)"), std::string::npos)
      << after;
}

graph::Node* pool(Builder& b, const std::string& op, Value* x, const std::string& out,
                  std::vector<int64_t> kernel = {}, std::vector<int64_t> strides = {},
                  std::vector<int64_t> pads = {}) {
  graph::Node* n = b.node(op, {x}, {out});
  if (!kernel.empty()) n->set_attr("kernel_shape", Attribute::of_ints(std::move(kernel)));
  if (!strides.empty()) n->set_attr("strides", Attribute::of_ints(std::move(strides)));
  if (!pads.empty()) n->set_attr("pads", Attribute::of_ints(std::move(pads)));
  return n;
}

// ResNet's stem: conv, ReLU, MaxPool 3x3/2, next conv; then GlobalAveragePool. All blocked.
TEST(LayoutAssignment, PoolingStaysBlocked) {
  auto make = [] {
    Builder b("pools");
    auto* x = b.input("x", {1, 3, 13, 13});
    auto* r = b.op("Relu", {conv(b, x, {8, 3, 3, 3}, "c1")}, "r");
    auto* m = pool(b, "MaxPool", r, "m", {3, 3}, {2, 2}, {1, 1, 1, 1})->output(0);
    auto* c2 = conv(b, m, {16, 8, 3, 3}, "c2");
    b.output(pool(b, "GlobalAveragePool", c2, "gap")->output(0));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_NE(after.find("%m_blocked: float32[1, 1, 7, 7, 8] = PoolNCHWc(%r_blocked) {ceil_mode=0, "
                       "count_include_pad=0, dilations=[1, 1], kernel_shape=[3, 3], "
                       "mode='max', pads=[1, 1, 1, 1], strides=[2, 2]}"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("= ConvNCHWc(%m_blocked, %c2_w_packed, %c2_b)"), std::string::npos) << after;
  EXPECT_NE(after.find("%gap_blocked: float32[1, 2, 1, 1, 8] = PoolNCHWc(%c2_blocked) "
                       "{ceil_mode=0, count_include_pad=0, dilations=[1, 1], kernel_shape=[7, 7], "
                       "mode='average', pads=[0, 0, 0, 0], strides=[1, 1]}"),
            std::string::npos)
      << after;
}

// AveragePool with and without count_include_pad, ceil_mode, and GlobalMaxPool: the rewrite
// keeps every attribute (the interpreter check compares outputs before and after).
TEST(LayoutAssignment, AveragePoolVariantsAndGlobalMaxPool) {
  for (int64_t include_pad : {0, 1}) {
    auto make = [include_pad] {
      Builder b("avg");
      auto* x = b.input("x", {2, 16, 9, 8});
      auto* r = b.op("Relu", {conv(b, x, {16, 16, 3, 3}, "c")}, "r");
      graph::Node* a = pool(b, "AveragePool", r, "a", {3, 2}, {2, 2}, {1, 0, 1, 1});
      a->set_attr("count_include_pad", Attribute::of_int(include_pad));
      a->set_attr("ceil_mode", Attribute::of_int(1));
      b.output(a->output(0));
      b.output(pool(b, "GlobalMaxPool", r, "gmp")->output(0));
      return b.finish();
    };
    auto pass = make_layout_assignment_pass();
    std::string after = run_pass_and_check(make, *pass);
    EXPECT_NE(after.find("mode='average', pads=[1, 0, 1, 1], strides=[2, 2]"), std::string::npos)
        << after;
    EXPECT_NE(after.find("count_include_pad=" + std::to_string(include_pad)), std::string::npos)
        << after;
    EXPECT_NE(after.find("%gmp_blocked: float32[2, 2, 1, 1, 8] = PoolNCHWc(%r_blocked)"),
              std::string::npos)
        << after;
  }
}

// MaxPool with an Indices output, and pooling of a plain input, stay as they are.
TEST(LayoutAssignment, LeavesMaxPoolWithIndicesAndPlainPoolsAlone) {
  auto make = [] {
    Builder b("indices");
    auto* x = b.input("x", {1, 8, 6, 6});
    auto* r = b.op("Relu", {conv(b, x, {8, 8, 3, 3}, "c")}, "r");
    graph::Node* m = b.node("MaxPool", {r}, {"m", "mi"});
    m->set_attr("kernel_shape", Attribute::of_ints({2, 2}));
    b.output(m->output(0));
    b.output(m->output(1));
    b.output(pool(b, "MaxPool", b.input("x2", {1, 8, 6, 6}), "plain", {2, 2})->output(0));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_EQ(after.find("PoolNCHWc"), std::string::npos) << after;
}

TEST(LayoutAssignment, ChannelConcatOfBlockedInputsStaysBlocked) {
  // A SqueezeNet fire module: two expand convs concatenated over channels, then pooled and
  // squeezed. A concat with a plain input, or over another axis, stays plain.
  auto make = [] {
    Builder b("fire");
    auto* x = b.input("x", {1, 8, 6, 6});
    auto* e1 = b.op("Relu", {conv(b, x, {16, 8, 3, 3}, "e1")}, "r1");
    auto* e3 = b.op("Relu", {conv(b, x, {8, 8, 3, 3}, "e3")}, "r3");
    graph::Node* cat = b.node("Concat", {e1, e3}, {"cat"});
    cat->set_attr("axis", Attribute::of_int(1));
    auto* sq = conv(b, cat->output(0), {8, 24, 3, 3}, "sq");
    graph::Node* wide = b.node("Concat", {sq, x}, {"wide"});
    wide->set_attr("axis", Attribute::of_int(3));
    b.output(wide->output(0));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_NE(after.find("%cat_blocked: float32[1, 3, 6, 6, 8] = Concat(%r1_blocked, %r3_blocked)"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("= ConvNCHWc(%cat_blocked, %sq_w_packed, %sq_b)"), std::string::npos)
      << after;
  EXPECT_NE(after.find("%wide: float32[1, 8, 6, 12] = Concat(%sq, %x)"), std::string::npos)
      << after;
}

}  // namespace
}  // namespace stitch::passes
