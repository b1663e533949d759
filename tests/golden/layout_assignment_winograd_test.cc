// Golden tests of layout assignment's Winograd rule: which convs become
// stitch.ConvWinogradNCHWc (3x3, stride 1, dilation 1, group 1, enough channels, outputs large
// enough) and which stay stitch.ConvNCHWc (stride 2, 1x1, 5x5, dilation 2, few input or output
// channels, a 4x4 output, a transformed weight over the size limit, the option off), and the
// transformed weight U: its layout, its zero padding, and that Winograd from U in
// double precision reproduces the convolution. Part of tests/golden/; the runner also checks
// the interpreter gives the same outputs before and after.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "golden_util.h"
#include "passes/layout_assignment.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using graph::Value;
using testing::Builder;
using testing::run_pass_and_check;

Value* conv(Builder& b, Value* x, Shape w_shape, const std::string& out, int64_t stride = 1,
            int64_t dilation = 1) {
  graph::Node* n =
      b.node("Conv", {x, b.random(out + "_w", w_shape), b.random(out + "_b", {w_shape[0]})}, {out});
  const int64_t pad = (w_shape[2] - 1) * dilation / 2;
  n->set_attr("pads", Attribute::of_ints({pad, pad, pad, pad}));
  n->set_attr("strides", Attribute::of_ints({stride, stride}));
  n->set_attr("dilations", Attribute::of_ints({dilation, dilation}));
  return n->output(0);
}

// The op that computes each blocked conv output, by the name of the plain output.
std::map<std::string, std::string> conv_ops(const graph::Graph& g) {
  std::map<std::string, std::string> ops;
  for (const graph::Node* n : g.nodes()) {
    if (n->op_type() != "ConvNCHWc" && n->op_type() != "ConvWinogradNCHWc") continue;
    std::string name = n->output(0)->name();
    ops[name.substr(0, name.rfind("_blocked"))] = n->op_type();
  }
  return ops;
}

TEST(LayoutAssignmentWinograd, BasicBlockConvsBecomeWinograd) {
  auto make = [] {
    Builder b("basic_block");
    auto* x = b.input("x", {1, 32, 10, 10});
    auto* r = b.op("Relu", {conv(b, x, {32, 32, 3, 3}, "c1")}, "r");
    b.output(b.op("Add", {conv(b, r, {32, 32, 3, 3}, "c2"), r}, "y"));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  std::string after = run_pass_and_check(make, *pass);
  // Inputs X, U, W (the reference's), bias; U is [36, M/16, C, 16].
  EXPECT_NE(after.find("%c1_blocked: float32[1, 4, 10, 10, 8] = ConvWinogradNCHWc(%x_blocked, "
                       "%c1_w_winograd, %c1_w_packed, %c1_b) {dilations=[1, 1], "
                       "pads=[1, 1, 1, 1], strides=[1, 1]}"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("= ConvWinogradNCHWc(%r_blocked, %c2_w_winograd, %c2_w_packed, %c2_b)"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("%y_blocked: float32[1, 4, 10, 10, 8] = Add(%c2_blocked, %r_blocked)"),
            std::string::npos)
      << after;
  auto g = make();
  ASSERT_TRUE(pass->run(*g).is_ok());
  const Value* u = g->find_value("c1_w_winograd");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->shape(), (Shape{36, 2, 32, 16}));
}

TEST(LayoutAssignmentWinograd, OtherConvsStayDirect) {
  auto make = [] {
    Builder b("mixed");
    auto* x = b.input("x", {1, 32, 12, 12});
    auto* x8 = b.input("x8", {1, 8, 12, 12});
    auto* small = b.input("small", {1, 32, 4, 4});
    b.output(conv(b, x, {32, 32, 3, 3}, "wino"));
    b.output(conv(b, x, {32, 32, 3, 3}, "stride2", 2));
    b.output(conv(b, x, {32, 32, 1, 1}, "pointwise"));
    b.output(conv(b, x, {32, 32, 5, 5}, "five"));
    b.output(conv(b, x, {32, 32, 3, 3}, "dilated", 1, 2));
    b.output(conv(b, x8, {32, 8, 3, 3}, "few_inputs"));
    b.output(conv(b, x, {8, 32, 3, 3}, "few_outputs"));
    b.output(conv(b, small, {32, 32, 3, 3}, "one_tile"));  // 36 GEMM rows for 9 x 16 pixels
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  run_pass_and_check(make, *pass);
  auto g = make();
  ASSERT_TRUE(pass->run(*g).is_ok());
  const std::map<std::string, std::string> want{
      {"wino", "ConvWinogradNCHWc"}, {"stride2", "ConvNCHWc"}, {"pointwise", "ConvNCHWc"},
      {"five", "ConvNCHWc"},         {"dilated", "ConvNCHWc"}, {"few_inputs", "ConvNCHWc"},
      {"few_outputs", "ConvNCHWc"},  {"one_tile", "ConvNCHWc"}};
  EXPECT_EQ(conv_ops(*g), want);
}

TEST(LayoutAssignmentWinograd, OptionsTurnItOffOrRaiseTheBar) {
  auto make = [] {
    Builder b("options");
    auto* x = b.input("x", {1, 32, 8, 8});
    b.output(conv(b, x, {32, 32, 3, 3}, "c"));
    b.output(conv(b, x, {64, 32, 3, 3}, "wide"));
    return b.finish();
  };
  LayoutAssignmentOptions off;
  off.winograd = false;
  auto g = make();
  ASSERT_TRUE(make_layout_assignment_pass(off)->run(*g).is_ok());
  EXPECT_EQ(conv_ops(*g),
            (std::map<std::string, std::string>{{"c", "ConvNCHWc"}, {"wide", "ConvNCHWc"}}));
  LayoutAssignmentOptions high;
  high.winograd_min_channels = 48;
  auto pass = make_layout_assignment_pass(high);
  run_pass_and_check(make, *pass);
  g = make();
  ASSERT_TRUE(pass->run(*g).is_ok());
  // 32 input channels are below 48 for both.
  EXPECT_EQ(conv_ops(*g),
            (std::map<std::string, std::string>{{"c", "ConvNCHWc"}, {"wide", "ConvNCHWc"}}));
  // U of "wide" is 36 x 64 x 32 floats (288 KiB), of "c" half that.
  LayoutAssignmentOptions small_u;
  small_u.winograd_max_weight_bytes = 200 << 10;
  g = make();
  ASSERT_TRUE(make_layout_assignment_pass(small_u)->run(*g).is_ok());
  EXPECT_EQ(conv_ops(*g), (std::map<std::string, std::string>{{"c", "ConvWinogradNCHWc"},
                                                              {"wide", "ConvNCHWc"}}));
}

// Lavin & Gray's F(4x4, 3x3) matrices, in double.
constexpr double kG[6][3] = {{1.0 / 4, 0, 0},
                             {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                             {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                             {1.0 / 24, 1.0 / 12, 1.0 / 6},
                             {1.0 / 24, -1.0 / 12, 1.0 / 6},
                             {0, 0, 1}};
constexpr double kBT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                              {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constexpr double kAT[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};

// 36 input and 40 output channels: U is [36, 3, 40, 16] with U[6a + e, m / 16, c, m % 16] =
// (G g G^T)[a][e] of filter (m, c), zero for the padded input channels 36..39 and the padded
// output channels 40..47.
TEST(LayoutAssignmentWinograd, TransformedWeightLayoutAndPadding) {
  auto make = [] {
    Builder b("transform");
    auto* x = b.input("x", {1, 36, 7, 7});
    b.output(conv(b, x, {40, 36, 3, 3}, "t"));
    return b.finish();
  };
  auto pass = make_layout_assignment_pass();
  run_pass_and_check(make, *pass);
  auto g = make();
  const Tensor w = g->find_value("t_w")->constant()->clone();
  ASSERT_TRUE(pass->run(*g).is_ok());
  const Value* u = g->find_value("t_w_winograd");
  ASSERT_NE(u, nullptr);
  ASSERT_EQ(u->shape(), (Shape{36, 3, 40, 16}));
  const float* ud = u->constant()->data<float>();
  const float* wd = w.data<float>();
  for (int64_t m = 0; m < 48; ++m)
    for (int64_t c = 0; c < 40; ++c)
      for (int a = 0; a < 6; ++a)
        for (int e = 0; e < 6; ++e) {
          double want = 0;
          if (m < 40 && c < 36) {
            for (int p = 0; p < 3; ++p)
              for (int q = 0; q < 3; ++q)
                want += kG[a][p] * wd[((m * 36 + c) * 3 + p) * 3 + q] * kG[e][q];
          }
          const float got = ud[(((a * 6 + e) * 3 + m / 16) * 40 + c) * 16 + m % 16];
          ASSERT_NEAR(got, want, 1e-6 * (1 + std::abs(want))) << m << " " << c << " " << a << e;
        }
}

// Y = A^T [sum_c U_c ⊙ (B^T d_c B)] A in double, from the pass's U, equals the convolution (the
// interpreter on the original graph) on every tile: U pairs with the transforms the
// microkernels apply (rows of the patch are image rows, correlation not flipped convolution).
TEST(LayoutAssignmentWinograd, WinogradFromTheWeightReproducesTheConv) {
  const int64_t c_in = 32, m_out = 32, h = 7, wd = 9;  // output 7x9: partial tiles
  auto make = [&] {
    Builder b("reproduce");
    auto* x = b.input("x", {1, c_in, h, wd});
    b.output(conv(b, x, {m_out, c_in, 3, 3}, "y"));
    return b.finish();
  };
  auto g = make();
  std::vector<Tensor> inputs = testing::random_inputs(*g, 5);
  std::vector<Tensor> want = testing::interpret(*g, inputs);
  const Tensor bias = g->find_value("y_b")->constant()->clone();
  ASSERT_TRUE(make_layout_assignment_pass()->run(*g).is_ok());
  const Value* u = g->find_value("y_w_winograd");
  ASSERT_NE(u, nullptr);
  const float* ud = u->constant()->data<float>();
  const float* xd = inputs[0].data<float>();
  const float* yd = want[0].data<float>();
  const int64_t panels = u->shape()[1];
  double max_err = 0, max_ref = 0;
  for (int64_t ti = 0; ti * 4 < h; ++ti)
    for (int64_t tj = 0; tj * 4 < wd; ++tj)
      for (int64_t m = 0; m < m_out; ++m) {
        double mm[36] = {};
        for (int64_t c = 0; c < c_in; ++c) {
          double d[6][6], t[6][6];
          for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) {
              const int64_t r = ti * 4 - 1 + i, s = tj * 4 - 1 + j;
              d[i][j] = r >= 0 && r < h && s >= 0 && s < wd ? xd[(c * h + r) * wd + s] : 0.0;
            }
          for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) {
              t[i][j] = 0;
              for (int k = 0; k < 6; ++k) t[i][j] += kBT[i][k] * d[k][j];
            }
          for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) {
              double v = 0;
              for (int k = 0; k < 6; ++k) v += t[i][k] * kBT[j][k];
              mm[i * 6 + j] += v * ud[(((i * 6 + j) * panels + m / 16) * c_in + c) * 16 + m % 16];
            }
        }
        for (int i = 0; i < 4 && ti * 4 + i < h; ++i)
          for (int j = 0; j < 4 && tj * 4 + j < wd; ++j) {
            double y = bias.data<float>()[m];
            for (int a = 0; a < 6; ++a)
              for (int e = 0; e < 6; ++e) y += kAT[i][a] * mm[a * 6 + e] * kAT[j][e];
            const double ref = yd[(m * h + ti * 4 + i) * wd + tj * 4 + j];
            max_err = std::max(max_err, std::abs(y - ref));
            max_ref = std::max(max_ref, std::abs(ref));
          }
      }
  EXPECT_LE(max_err, 1e-5 * max_ref);
}

}  // namespace
}  // namespace stitch::passes
