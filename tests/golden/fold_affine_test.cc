// Golden tests of affine folding: scalar and per-channel Mul/Add/Sub/Div chains into Conv and
// MatMul weights and biases, and the cases that must stay. Part of tests/golden/.
#include "passes/fold_affine.h"

#include <gtest/gtest.h>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using testing::Builder;
using testing::run_pass_and_check;

TEST(FoldAffine, FoldsAChainIntoAConv) {
  auto make = [] {
    Builder b("conv_chain");
    auto* x = b.input("x", {1, 2, 4, 4});
    graph::Node* conv = b.node("Conv", {x, b.random("w", {3, 2, 1, 1})}, {"c"});
    conv->set_attr("kernel_shape", Attribute::of_ints({1, 1}));
    auto* m = b.op("Mul", {b.constant("two", Tensor::scalar<float>(2.0f)), conv->output(0)}, "m");
    auto* a = b.op("Add", {m, b.random("shift", {3, 1, 1})}, "a");
    auto* d = b.op("Div", {a, b.random("div", {1, 3, 1, 1}, 0.5f, 2.0f)}, "d");
    b.output(b.op("Relu", {d}, "y"));
    return b.finish();
  };
  auto pass = make_fold_affine_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph conv_chain (%x: float32[1, 2, 4, 4]) {\n"
            "  %d: float32[1, 3, 4, 4] = Conv(%x, %w, %n_c_bias) {kernel_shape=[1, 1]}\n"
            "  %y: float32[1, 3, 4, 4] = Relu(%d)\n"
            "  return %y\n"
            "}\n");
}

TEST(FoldAffine, FoldsIntoMatMulAndItsBias) {
  auto make = [] {
    Builder b("matmul_chain");
    auto* x = b.input("x", {2, 5, 4});
    auto* mm = b.op("MatMul", {x, b.random("w", {4, 3})}, "mm");
    auto* biased = b.op("Add", {mm, b.random("bias", {3})}, "biased");
    auto* scaled = b.op("Mul", {biased, b.random("scale", {3})}, "scaled");
    b.output(b.op("Sub", {scaled, b.constant("one", Tensor::scalar<float>(1.0f))}, "y"));
    return b.finish();
  };
  auto pass = make_fold_affine_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph matmul_chain (%x: float32[2, 5, 4]) {\n"
            "  %mm: float32[2, 5, 3] = MatMul(%x, %w)\n"
            "  %y: float32[2, 5, 3] = Add(%mm, %bias)\n"
            "  return %y\n"
            "}\n");
}

TEST(FoldAffine, LeavesSharedProducersAndCanonicalBiases) {
  auto make = [] {
    Builder b("stays");
    auto* x = b.input("x", {2, 4});
    auto* mm = b.op("MatMul", {x, b.random("w", {4, 3})}, "mm");
    b.output(b.op("Add", {mm, b.random("bias", {3})}, "y"));
    auto* shared = b.op("MatMul", {x, b.random("w2", {4, 3})}, "shared");
    b.output(b.op("Mul", {shared, b.random("s", {3})}, "z"));
    b.output(shared);
    // Not per-channel: a [2, 3] constant varies along the row axis.
    auto* mm3 = b.op("MatMul", {x, b.random("w3", {4, 3})}, "mm3");
    b.output(b.op("Mul", {mm3, b.random("rows", {2, 3})}, "u"));
    return b.finish();
  };
  auto pass = make_fold_affine_pass();
  testing::CheckOptions check;
  check.expect_changed = false;
  EXPECT_EQ(run_pass_and_check(make, *pass, check),
            "graph stays (%x: float32[2, 4]) {\n"
            "  %mm: float32[2, 3] = MatMul(%x, %w)\n"
            "  %y: float32[2, 3] = Add(%mm, %bias)\n"
            "  %shared: float32[2, 3] = MatMul(%x, %w2)\n"
            "  %z: float32[2, 3] = Mul(%shared, %s)\n"
            "  %mm3: float32[2, 3] = MatMul(%x, %w3)\n"
            "  %u: float32[2, 3] = Mul(%mm3, %rows)\n"
            "  return %y, %z, %shared, %u\n"
            "}\n");
}

}  // namespace
}  // namespace stitch::passes
