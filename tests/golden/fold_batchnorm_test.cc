// Golden tests of BatchNorm folding: into Conv weights and bias (with and without a bias),
// into MatMul weights plus a bias Add, and the Mul + Add fallback. Part of tests/golden/.
#include "passes/fold_batchnorm.h"

#include <gtest/gtest.h>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using graph::Value;
using testing::Builder;
using testing::run_pass_and_check;

// BN over `channels` channels with random statistics (variance positive).
Value* batchnorm(Builder& b, Value* x, int64_t channels, const std::string& out) {
  graph::Node* n = b.node(
      "BatchNormalization",
      {x, b.random(out + "_gamma", {channels}, 0.5f, 1.5f), b.random(out + "_beta", {channels}),
       b.random(out + "_mean", {channels}), b.random(out + "_var", {channels}, 0.1f, 2.0f)},
      {out});
  n->set_attr("epsilon", Attribute::of_float(1e-3f));
  return n->output(0);
}

Value* conv(Builder& b, Value* x, bool bias, const std::string& out) {
  std::vector<Value*> ins = {x, b.random(out + "_w", {3, 2, 3, 3})};
  if (bias) ins.push_back(b.random(out + "_b", {3}));
  graph::Node* n = b.node("Conv", ins, {out});
  n->set_attr("pads", Attribute::of_ints({1, 1, 1, 1}));
  return n->output(0);
}

TEST(FoldBatchNorm, FoldsIntoConvWeightsAndBias) {
  auto make = [] {
    Builder b("conv_bn");
    auto* x = b.input("x", {1, 2, 5, 5});
    b.output(batchnorm(b, conv(b, x, true, "c"), 3, "y"));
    return b.finish();
  };
  auto pass = make_fold_batchnorm_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph conv_bn (%x: float32[1, 2, 5, 5]) {\n"
            "  %y: float32[1, 3, 5, 5] = Conv(%x, %c_w, %c_b) {pads=[1, 1, 1, 1]}\n"
            "  return %y\n"
            "}\n");
}

TEST(FoldBatchNorm, GivesABiaslessConvABias) {
  auto make = [] {
    Builder b("conv_nobias_bn");
    auto* x = b.input("x", {1, 2, 5, 5});
    auto* bn = batchnorm(b, conv(b, x, false, "c"), 3, "bn");
    b.output(b.op("Relu", {bn}, "y"));
    return b.finish();
  };
  auto pass = make_fold_batchnorm_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph conv_nobias_bn (%x: float32[1, 2, 5, 5]) {\n"
            "  %bn: float32[1, 3, 5, 5] = Conv(%x, %c_w, %n_c_bias) {pads=[1, 1, 1, 1]}\n"
            "  %y: float32[1, 3, 5, 5] = Relu(%bn)\n"
            "  return %y\n"
            "}\n");
}

TEST(FoldBatchNorm, FoldsIntoMatMulWeightsAndABiasAdd) {
  auto make = [] {
    Builder b("matmul_bn");
    auto* x = b.input("x", {2, 4});
    auto* mm = b.op("MatMul", {x, b.random("w", {4, 3})}, "mm");
    b.output(batchnorm(b, mm, 3, "y"));
    return b.finish();
  };
  auto pass = make_fold_batchnorm_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph matmul_bn (%x: float32[2, 4]) {\n"
            "  %mm: float32[2, 3] = MatMul(%x, %w)\n"
            "  %y: float32[2, 3] = Add(%mm, %n_mm_bias)\n"
            "  return %y\n"
            "}\n");
}

TEST(FoldBatchNorm, OtherwiseBecomesMulAdd) {
  auto make = [] {
    Builder b("bn_alone");
    auto* x = b.input("x", {1, 3, 2, 2});
    auto* c = conv(b, b.input("x2", {1, 2, 4, 4}), true, "c");
    b.output(batchnorm(b, x, 3, "y"));
    // The conv output has a second reader, so its BN cannot fold into the weights.
    b.output(batchnorm(b, c, 3, "z"));
    b.output(c);
    return b.finish();
  };
  auto pass = make_fold_batchnorm_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph bn_alone (%x: float32[1, 3, 2, 2], %x2: float32[1, 2, 4, 4]) {\n"
            "  %c: float32[1, 3, 4, 4] = Conv(%x2, %c_w, %c_b) {pads=[1, 1, 1, 1]}\n"
            "  %n_y_scaled: float32[1, 3, 2, 2] = Mul(%x, %n_y_scale)\n"
            "  %y: float32[1, 3, 2, 2] = Add(%n_y_scaled, %n_y_shift)\n"
            "  %n_z_scaled: float32[1, 3, 4, 4] = Mul(%c, %n_z_scale)\n"
            "  %z: float32[1, 3, 4, 4] = Add(%n_z_scaled, %n_z_shift)\n"
            "  return %y, %z, %c\n"
            "}\n");
}

TEST(FoldBatchNorm, LeavesTrainingModeAlone) {
  auto make = [] {
    Builder b("training");
    auto* x = b.input("x", {2, 3, 2, 2});
    Value* y = batchnorm(b, x, 3, "y");
    y->producer()->set_attr("training_mode", Attribute::of_int(1));
    b.output(y);
    return b.finish();
  };
  auto pass = make_fold_batchnorm_pass();
  testing::CheckOptions check;
  check.expect_changed = false;
  EXPECT_NE(run_pass_and_check(make, *pass, check).find("BatchNormalization"), std::string::npos);
}

}  // namespace
}  // namespace stitch::passes
