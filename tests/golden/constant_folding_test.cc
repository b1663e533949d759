// Golden tests of constant folding: chains of constant nodes, shape-op chains on static
// shapes, folded graph outputs, and the size budget. Part of tests/golden/.
#include "passes/constant_folding.h"

#include <gtest/gtest.h>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using testing::Builder;
using testing::run_pass_and_check;

TEST(ConstantFolding, FoldsChainsOfConstantNodes) {
  auto make = [] {
    Builder b("cf");
    auto* x = b.input("x", {2, 3});
    auto* sum = b.op("Add", {b.random("c1", {2, 3}), b.random("c2", {3})}, "sum");
    auto* relu = b.op("Relu", {sum}, "relu");
    b.output(b.op("Mul", {x, relu}, "y"));
    return b.finish();
  };
  auto pass = make_constant_folding_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph cf (%x: float32[2, 3]) {\n"
            "  %y: float32[2, 3] = Mul(%x, %relu)\n"
            "  return %y\n"
            "}\n");
}

TEST(ConstantFolding, FoldsShapeChainsOnStaticShapes) {
  auto make = [] {
    Builder b("shape");
    auto* x = b.input("x", {2, 3, 4});
    auto* shape = b.op("Shape", {x}, "shape");
    auto* lead = b.op("Slice",
                      {shape, b.constant("starts", Tensor::from_vector<int64_t>({0}, {1})),
                       b.constant("ends", Tensor::from_vector<int64_t>({1}, {1}))},
                      "lead");
    graph::Node* cat =
        b.node("Concat", {lead, b.constant("minus1", Tensor::from_vector<int64_t>({-1}, {1}))},
               {"target"});
    cat->set_attr("axis", Attribute::of_int(0));
    b.output(b.op("Reshape", {x, cat->output(0)}, "y"));
    return b.finish();
  };
  auto pass = make_constant_folding_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph shape (%x: float32[2, 3, 4]) {\n"
            "  %y: float32[2, 12] = Reshape(%x, %target)\n"
            "  return %y\n"
            "}\n");
}

TEST(ConstantFolding, GraphOutputsKeepTheirNames) {
  auto make = [] {
    Builder b("out");
    auto* x = b.input("x", {3});
    b.output(b.op("Relu", {x}, "kept"));
    b.output(b.op("Neg", {b.random("c", {3})}, "folded"));
    return b.finish();
  };
  auto pass = make_constant_folding_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph out (%x: float32[3]) {\n"
            "  %kept: float32[3] = Relu(%x)\n"
            "  return %kept, %folded\n"
            "}\n");
}

TEST(ConstantFolding, LeavesOutputsOverTheBudget) {
  auto make = [] {
    Builder b("big");
    auto* x = b.input("x", {4, 8});
    auto* dims = b.constant("dims", Tensor::from_vector<int64_t>({4, 8}, {2}));
    auto* filled = b.op("ConstantOfShape", {dims}, "filled");
    b.output(b.op("Add", {x, filled}, "y"));
    return b.finish();
  };
  ConstantFoldingOptions options;
  options.max_output_bytes = 64;  // ConstantOfShape makes 4 * 8 * 4 bytes
  auto pass = make_constant_folding_pass(options);
  testing::CheckOptions check;
  check.expect_changed = false;
  EXPECT_EQ(run_pass_and_check(make, *pass, check),
            "graph big (%x: float32[4, 8]) {\n"
            "  %filled: float32[4, 8] = ConstantOfShape(%dims)\n"
            "  %y: float32[4, 8] = Add(%x, %filled)\n"
            "  return %y\n"
            "}\n");
}

}  // namespace
}  // namespace stitch::passes
