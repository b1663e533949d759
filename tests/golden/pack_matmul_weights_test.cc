// Golden tests of weight pre-packing: MatMuls with a constant 2-D B become stitch.MatMulPacked
// with B in zero-padded 16-column panels; a computed B is left alone. Part of tests/golden/. The
// runner also checks that the interpreter gives the same outputs before and after (the reference
// kernel of MatMulPacked).
#include "passes/pack_matmul_weights.h"

#include <gtest/gtest.h>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Value;
using testing::Builder;
using testing::run_pass_and_check;

TEST(PackMatMulWeights, PacksAConstantWeightIntoZeroPaddedPanels) {
  auto make = [] {
    Builder b("mlp");
    auto* x = b.input("x", {5, 7});
    b.output(b.op("MatMul", {x, b.random("w", {7, 20})}, "y"));  // N = 20: a partial panel
    return b.finish();
  };
  auto pass = make_pack_matmul_weights_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_NE(after.find("%y: float32[5, 20] = MatMulPacked(%x, %w_panels)"), std::string::npos)
      << after;
  EXPECT_NE(after.find("N=20"), std::string::npos) << after;
  // Element (k, n) of the weight sits at [n / 16, k, n % 16]; columns 20..31 are zeros.
  auto g = make();
  const Tensor original = g->find_value("w")->constant()->clone();
  ASSERT_TRUE(pass->run(*g).is_ok());
  const Value* packed = g->find_value("w_panels");
  ASSERT_NE(packed, nullptr);
  ASSERT_TRUE(packed->is_constant());
  EXPECT_EQ(packed->shape(), (Shape{2, 7, 16}));
  const float* src = original.data<float>();
  const float* dst = packed->constant()->data<float>();
  for (int64_t k = 0; k < 7; ++k)
    for (int64_t n = 0; n < 32; ++n)
      ASSERT_EQ(dst[((n / 16) * 7 + k) * 16 + n % 16], n < 20 ? src[k * 20 + n] : 0.0f);
}

TEST(PackMatMulWeights, BatchedAndVectorAShareOnePackedWeight) {
  auto make = [] {
    Builder b("shared");
    auto* x = b.input("x", {2, 3, 4, 9});
    auto* v = b.input("v", {9});
    auto* w = b.random("w", {9, 17});
    b.output(b.op("MatMul", {x, w}, "y"));
    b.output(b.op("MatMul", {v, w}, "z"));
    return b.finish();
  };
  auto pass = make_pack_matmul_weights_pass();
  std::string after = run_pass_and_check(make, *pass);
  EXPECT_NE(after.find("%y: float32[2, 3, 4, 17] = MatMulPacked(%x, %w_panels)"), std::string::npos)
      << after;
  EXPECT_NE(after.find("%z: float32[17] = MatMulPacked(%v, %w_panels)"), std::string::npos)
      << after;
  EXPECT_EQ(after.find("w_panels_1"), std::string::npos) << after;  // packed once
}

TEST(PackMatMulWeights, LeavesComputedAndBatchedWeightsAlone) {
  auto make = [] {
    Builder b("attention");
    auto* q = b.input("q", {2, 4, 8});
    auto* k = b.input("k", {2, 8, 4});
    auto* s = b.op("MatMul", {q, k}, "s");                         // activations x activations
    b.output(b.op("MatMul", {s, b.random("w", {2, 4, 3})}, "y"));  // a batched (3-D) weight
    b.output(b.op("MatMul", {q, b.random("v", {8})}, "z"));        // a 1-D B
    return b.finish();
  };
  auto pass = make_pack_matmul_weights_pass();
  testing::CheckOptions o;
  o.expect_changed = false;
  std::string after = run_pass_and_check(make, *pass, o);
  EXPECT_EQ(after.find("MatMulPacked"), std::string::npos) << after;
}

}  // namespace
}  // namespace stitch::passes
