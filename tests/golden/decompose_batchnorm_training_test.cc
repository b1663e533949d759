// Golden tests of the training-mode BatchNorm decomposition: all three outputs, Y alone on a
// rank-2 input, and an inference-mode BN left alone. The runner also checks the interpreter's
// outputs before and after (relative L2 <= 1e-5 on random inputs). Part of tests/golden/.
#include "passes/decompose_batchnorm_training.h"

#include <gtest/gtest.h>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using testing::Builder;
using testing::CheckOptions;
using testing::run_pass_and_check;

TEST(DecomposeBatchNormTraining, AllOutputsFromGraphInputs) {
  auto make = [] {
    Builder b("bn_training");
    auto* x = b.input("x", {2, 3, 4, 5});
    std::vector<graph::Value*> ins = {x};
    for (const char* p : {"scale", "bias", "mean", "var"}) ins.push_back(b.input(p, {3}));
    graph::Node* n = b.node("BatchNormalization", ins, {"y", "running_mean", "running_var"});
    n->set_attr("training_mode", Attribute::of_int(1));
    n->set_attr("epsilon", Attribute::of_float(1e-2f));
    n->set_attr("momentum", Attribute::of_float(0.8f));
    for (int i = 0; i < 3; ++i) b.output(n->output(i));
    return b.finish();
  };
  auto pass = make_decompose_batchnorm_training_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph bn_training (%x: float32[2, 3, 4, 5], %scale: float32[3], %bias: float32[3], "
            "%mean: float32[3], %var: float32[3]) {\n"
            "  %n_y_mean: float32[1, 3, 1, 1] = ReduceMean(%x, %n_y_axes)\n"
            "  %n_y_centered: float32[2, 3, 4, 5] = Sub(%x, %n_y_mean)\n"
            "  %n_y_squared: float32[2, 3, 4, 5] = Mul(%n_y_centered, %n_y_centered)\n"
            "  %n_y_var: float32[1, 3, 1, 1] = ReduceMean(%n_y_squared, %n_y_axes)\n"
            "  %n_y_var_eps: float32[1, 3, 1, 1] = Add(%n_y_var, %n_y_eps)\n"
            "  %n_y_stddev: float32[1, 3, 1, 1] = Sqrt(%n_y_var_eps)\n"
            "  %n_y_normalized: float32[2, 3, 4, 5] = Div(%n_y_centered, %n_y_stddev)\n"
            "  %n_y_scale: float32[3, 1, 1] = Reshape(%scale, %n_y_param_shape)\n"
            "  %n_y_scaled: float32[2, 3, 4, 5] = Mul(%n_y_normalized, %n_y_scale)\n"
            "  %n_y_bias: float32[3, 1, 1] = Reshape(%bias, %n_y_param_shape)\n"
            "  %y: float32[2, 3, 4, 5] = Add(%n_y_scaled, %n_y_bias)\n"
            "  %n_y_running_mean_batch: float32[3] = Reshape(%n_y_mean, %n_y_channels)\n"
            "  %n_y_running_mean_kept: float32[3] = Mul(%mean, %n_y_running_mean_momentum)\n"
            "  %n_y_running_mean_added: float32[3] = Mul(%n_y_running_mean_batch, "
            "%n_y_running_mean_one_minus)\n"
            "  %running_mean: float32[3] = Add(%n_y_running_mean_kept, %n_y_running_mean_added)\n"
            "  %n_y_running_var_batch: float32[3] = Reshape(%n_y_var, %n_y_channels)\n"
            "  %n_y_running_var_kept: float32[3] = Mul(%var, %n_y_running_var_momentum)\n"
            "  %n_y_running_var_added: float32[3] = Mul(%n_y_running_var_batch, "
            "%n_y_running_var_one_minus)\n"
            "  %running_var: float32[3] = Add(%n_y_running_var_kept, %n_y_running_var_added)\n"
            "  return %y, %running_mean, %running_var\n"
            "}\n");
}

TEST(DecomposeBatchNormTraining, OutputYAloneOnRankTwo) {
  auto make = [] {
    Builder b("bn_training_2d");
    auto* x = b.input("x", {4, 3});
    graph::Node* n = b.node("BatchNormalization",
                            {x, b.random("scale", {3}), b.random("bias", {3}),
                             b.random("mean", {3}), b.random("var", {3}, 0.1f, 1.0f)},
                            {"y"});
    n->set_attr("training_mode", Attribute::of_int(1));
    b.output(n->output(0));
    return b.finish();
  };
  auto pass = make_decompose_batchnorm_training_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph bn_training_2d (%x: float32[4, 3]) {\n"
            "  %n_y_mean: float32[1, 3] = ReduceMean(%x, %n_y_axes)\n"
            "  %n_y_centered: float32[4, 3] = Sub(%x, %n_y_mean)\n"
            "  %n_y_squared: float32[4, 3] = Mul(%n_y_centered, %n_y_centered)\n"
            "  %n_y_var: float32[1, 3] = ReduceMean(%n_y_squared, %n_y_axes)\n"
            "  %n_y_var_eps: float32[1, 3] = Add(%n_y_var, %n_y_eps)\n"
            "  %n_y_stddev: float32[1, 3] = Sqrt(%n_y_var_eps)\n"
            "  %n_y_normalized: float32[4, 3] = Div(%n_y_centered, %n_y_stddev)\n"
            "  %n_y_scale: float32[3] = Reshape(%scale, %n_y_param_shape)\n"
            "  %n_y_scaled: float32[4, 3] = Mul(%n_y_normalized, %n_y_scale)\n"
            "  %n_y_bias: float32[3] = Reshape(%bias, %n_y_param_shape)\n"
            "  %y: float32[4, 3] = Add(%n_y_scaled, %n_y_bias)\n"
            "  return %y\n"
            "}\n");
}

TEST(DecomposeBatchNormTraining, InferenceModeIsLeftAlone) {
  auto make = [] {
    Builder b("bn_inference");
    auto* x = b.input("x", {1, 3, 2, 2});
    graph::Node* n = b.node("BatchNormalization",
                            {x, b.random("scale", {3}), b.random("bias", {3}),
                             b.random("mean", {3}), b.random("var", {3}, 0.1f, 1.0f)},
                            {"y"});
    n->set_attr("training_mode", Attribute::of_int(0));
    b.output(n->output(0));
    return b.finish();
  };
  auto pass = make_decompose_batchnorm_training_pass();
  CheckOptions o;
  o.expect_changed = false;
  EXPECT_EQ(run_pass_and_check(make, *pass, o),
            "graph bn_inference (%x: float32[1, 3, 2, 2]) {\n"
            "  %y: float32[1, 3, 2, 2] = BatchNormalization(%x, %scale, %bias, %mean, %var) "
            "{training_mode=0}\n"
            "  return %y\n"
            "}\n");
}

}  // namespace
}  // namespace stitch::passes
