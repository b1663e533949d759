// End-to-end numeric tests of the blocked window templates (lower/templates/blocked_depthwise.cc)
// and of channel padding: graphs go through layout assignment, are compiled (policies none and
// arbitrary) and compared with the reference interpreter on the original graph (relative L2
// <= 1e-4). Cases cover kernel sizes 1 to 7, strides 1 and 2, asymmetric pads, dilation,
// batch 2, 8 and 24 channels, rows with several register blocks plus a remainder and rows with
// no interior column, a plain (reordered) input, and fused epilogues (Clip, residual Add).
// Part of tests/unit/lower/.
#include <gtest/gtest.h>

#include "graph_builder.h"
#include "lower_test_util.h"
#include "passes/layout_assignment.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace stitch::lower {
namespace {

using testing::Attr;
using testing::GraphBuilder;

const DType f32 = DType::kFloat32;

using Build = std::function<graph::Value*(GraphBuilder&, graph::Value* x)>;

// x [shape] -> build -> output; checks that layout assignment made an `expect_op` node and
// that the compiled blocked graph matches the interpreter on the plain one.
void check(const Shape& shape, const Build& build, const std::string& expect_op) {
  auto make = [&] {
    GraphBuilder b;
    b.output(build(b, b.input("x", f32, shape)));
    return b.finish();
  };
  Tensor x = testing::random_tensor(f32, shape, 7);
  std::vector<const Tensor*> ptrs{&x};
  auto original = make();
  auto interp = reference::Interpreter::create(*original);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  auto ref = (*interp)->run(ptrs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();

  auto blocked = make();
  auto changed = passes::make_layout_assignment_pass()->run(*blocked);
  ASSERT_TRUE(changed.is_ok() && *changed) << "layout assignment changed nothing";
  ASSERT_TRUE(graph::infer_graph_types(*blocked).is_ok());
  bool found = false;
  for (const graph::Node* n : blocked->nodes()) found |= n->op_type() == expect_op;
  ASSERT_TRUE(found) << "no " << expect_op << " after layout assignment";
  for (auto policy : {partition::FusionPolicy::kNone, partition::FusionPolicy::kArbitrary}) {
    auto got = testing::compile_and_run(*blocked, policy, ptrs);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    auto err = relative_l2_error((*got)[0], (*ref)[0]);
    ASSERT_TRUE(err.is_ok()) << err.status().message();
    EXPECT_LE(*err, 1e-4) << partition::fusion_policy_name(policy);
  }
}

// A fresh constant name (graphs hold each name once).
std::string fresh(const std::string& hint) {
  static int counter = 0;
  return hint + "_" + std::to_string(counter++);
}

graph::Value* conv1x1(GraphBuilder& b, graph::Value* x, int64_t m, int64_t c) {
  const uint32_t seed = static_cast<uint32_t>(m * 31 + c);
  return b.node("Conv", {x, b.constant(fresh("w"), testing::random_tensor(f32, {m, c, 1, 1}, seed)),
                         b.constant(fresh("b"), testing::random_tensor(f32, {m}, seed + 1))});
}

struct Dw {
  int64_t k = 3, stride = 1, dilation = 1;
  std::vector<int64_t> pads = {1, 1, 1, 1};
  bool bias = true;
};

graph::Value* depthwise(GraphBuilder& b, graph::Value* x, int64_t c, const Dw& d) {
  std::vector<graph::Value*> in{
      x, b.constant(fresh("dw_w"), testing::random_tensor(f32, {c, 1, d.k, d.k}, 11))};
  if (d.bias) in.push_back(b.constant(fresh("dw_b"), testing::random_tensor(f32, {c}, 12)));
  return b.node("Conv", in,
                {Attr::of("group", c), Attr::of("pads", d.pads),
                 Attr::of("strides", std::vector<int64_t>{d.stride, d.stride}),
                 Attr::of("dilations", std::vector<int64_t>{d.dilation, d.dilation})});
}

Tensor scalar(float v) {
  Tensor t(f32, {});
  t.data<float>()[0] = v;
  return t;
}

graph::Value* clip6(GraphBuilder& b, graph::Value* x) {
  return b.node("Clip",
                {x, b.constant(fresh("lo"), scalar(0.0f)), b.constant(fresh("hi"), scalar(6.0f))});
}

// Depthwise conv after a 1x1 conv (so its input is a blocked buffer: the vector path).
void check_depthwise(const Shape& shape, const Dw& d) {
  SCOPED_TRACE(shape_to_string(shape) + " k" + std::to_string(d.k) + " s" +
               std::to_string(d.stride) + " d" + std::to_string(d.dilation));
  const int64_t c = shape[1];
  check(
      shape,
      [&](GraphBuilder& b, graph::Value* x) { return depthwise(b, conv1x1(b, x, c, c), c, d); },
      "DepthwiseConvNCHWc");
}

TEST(LowerBlockedWindow, DepthwiseKernelSizesStridesAndPads) {
  check_depthwise({1, 8, 9, 9}, {});
  check_depthwise({1, 24, 12, 37}, {});  // several register blocks and a remainder per row
  check_depthwise({2, 8, 10, 11}, {3, 2, 1, {1, 1, 1, 1}});
  check_depthwise({1, 24, 14, 14}, {5, 1, 1, {2, 2, 2, 2}});
  check_depthwise({2, 8, 15, 13}, {5, 2, 1, {1, 2, 2, 1}});  // asymmetric pads
  check_depthwise({1, 8, 6, 20}, {3, 1, 2, {2, 2, 2, 2}});   // dilation
  check_depthwise({1, 16, 5, 5}, {7, 1, 1, {3, 3, 3, 3}});   // no interior column at all
  check_depthwise({1, 8, 7, 19}, {1, 1, 1, {0, 0, 0, 0}, false});
  check_depthwise({1, 8, 8, 8}, {3, 2, 1, {0, 0, 0, 0}, false});  // no padding
}

// An inverted residual block: 1x1, Clip, depthwise, Clip (its fused epilogue), 1x1, Add.
TEST(LowerBlockedWindow, DepthwiseWithFusedEpilogues) {
  for (int64_t stride : {1, 2}) {
    check(
        {2, 16, 11, 11},
        [&](GraphBuilder& b, graph::Value* x) {
          graph::Value* e = clip6(b, conv1x1(b, x, 24, 16));
          graph::Value* d = clip6(b, depthwise(b, e, 24, {3, stride, 1, {1, 1, 1, 1}}));
          graph::Value* p = conv1x1(b, d, 16, 24);
          return stride == 1 ? b.node("Add", {p, x}) : p;
        },
        "DepthwiseConvNCHWc");
  }
}

// The depthwise conv reads the graph input through an inlined reorder: the lane-by-lane path.
TEST(LowerBlockedWindow, DepthwiseOnAReorderedInput) {
  check(
      {1, 16, 9, 12}, [](GraphBuilder& b, graph::Value* x) { return depthwise(b, x, 16, {}); },
      "DepthwiseConvNCHWc");
}

struct Pool {
  std::string op;
  std::vector<int64_t> kernel, strides, pads;
  int64_t ceil_mode = 0, include_pad = 0;
  std::vector<int64_t> dilations;
};

void check_pool(const Shape& shape, const Pool& p, bool after_conv = true) {
  SCOPED_TRACE(p.op + " on " + shape_to_string(shape));
  check(
      shape,
      [&](GraphBuilder& b, graph::Value* x) {
        graph::Value* in = after_conv ? conv1x1(b, x, shape[1], shape[1]) : x;
        std::vector<Attr> attrs;
        if (!p.kernel.empty()) attrs.push_back(Attr::of("kernel_shape", p.kernel));
        if (!p.strides.empty()) attrs.push_back(Attr::of("strides", p.strides));
        if (!p.pads.empty()) attrs.push_back(Attr::of("pads", p.pads));
        if (!p.dilations.empty()) attrs.push_back(Attr::of("dilations", p.dilations));
        if (p.op == "AveragePool") {
          attrs.push_back(Attr::of("count_include_pad", p.include_pad));
          attrs.push_back(Attr::of("ceil_mode", p.ceil_mode));
        } else if (p.op == "MaxPool") {
          attrs.push_back(Attr::of("ceil_mode", p.ceil_mode));
        }
        return b.node(p.op, {in}, attrs);
      },
      "PoolNCHWc");
}

TEST(LowerBlockedWindow, MaxPool) {
  check_pool({1, 8, 13, 13}, {"MaxPool", {3, 3}, {2, 2}, {1, 1, 1, 1}});
  check_pool({2, 24, 12, 30}, {"MaxPool", {2, 2}, {2, 2}, {0, 0, 0, 0}});
  check_pool({1, 8, 11, 10}, {"MaxPool", {3, 3}, {2, 2}, {0, 0, 1, 1}, 1});  // ceil_mode
  check_pool({1, 16, 12, 12}, {"MaxPool", {3, 3}, {1, 1}, {2, 2, 2, 2}, 0, 0, {2, 2}});
}

TEST(LowerBlockedWindow, AveragePoolCountIncludePadBothWays) {
  for (int64_t include_pad : {0, 1}) {
    check_pool({2, 8, 13, 11}, {"AveragePool", {3, 3}, {2, 2}, {1, 1, 1, 1}, 0, include_pad});
    check_pool({1, 24, 9, 10}, {"AveragePool", {3, 2}, {2, 2}, {1, 0, 1, 1}, 1, include_pad});
    check_pool({1, 8, 10, 10}, {"AveragePool", {5, 5}, {1, 1}, {2, 2, 2, 2}, 0, include_pad});
  }
}

TEST(LowerBlockedWindow, GlobalPools) {
  check_pool({2, 24, 7, 7}, {"GlobalAveragePool"});
  check_pool({1, 16, 5, 9}, {"GlobalMaxPool"});
}

// Stem convs with 3 and 5 input channels run as ConvNCHWc on zero-padded input channels.
TEST(LowerBlockedWindow, ConvWithPaddedInputChannels) {
  check(
      {1, 3, 23, 23},
      [](GraphBuilder& b, graph::Value* x) {
        graph::Value* c = b.node("Conv",
                                 {x, b.constant("w", testing::random_tensor(f32, {16, 3, 7, 7}, 3)),
                                  b.constant("b", testing::random_tensor(f32, {16}, 4))},
                                 {Attr::of("pads", std::vector<int64_t>{3, 3, 3, 3}),
                                  Attr::of("strides", std::vector<int64_t>{2, 2})});
        graph::Value* r = b.node("Relu", {c});
        return b.node("MaxPool", {r},
                      {Attr::of("kernel_shape", std::vector<int64_t>{3, 3}),
                       Attr::of("strides", std::vector<int64_t>{2, 2}),
                       Attr::of("pads", std::vector<int64_t>{1, 1, 1, 1})});
      },
      "ConvNCHWc");
  check(
      {2, 5, 6, 7}, [](GraphBuilder& b, graph::Value* x) { return conv1x1(b, x, 8, 5); },
      "ConvNCHWc");
}

}  // namespace
}  // namespace stitch::lower
