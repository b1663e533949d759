// The row reductions of the softmax and normalization templates (lane_reduce: 8 partial lanes,
// chunks of 8 plus a tail) and the activations built on the prelude's exp/log/erf/tanh, compiled
// and compared with the reference interpreter element by element. Part of tests/unit/lower/.
//
// Tolerance: |got - want| <= 2e-5 |want| + 1e-5 per float element (the vector math is within
// 2.5 ulp of libm, and the lane sums reorder the row sums: a few ulp of the row's scale), under
// both the none and the arbitrary fusion policy. Row lengths cover a tail only (5), whole chunks
// (8, 128), chunks and a tail (13, 37, 771) and rows of several dims.
#include <gtest/gtest.h>

#include <random>

#include "graph_builder.h"
#include "lower_test_util.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace stitch::lower {
namespace {

using testing::Attr;
using testing::GraphBuilder;

const DType f32 = DType::kFloat32;

// Floats uniform in [lo, hi).
Tensor uniform(const Shape& shape, float lo, float hi, uint32_t seed) {
  Tensor t(f32, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// Tensors are move-only: a vector of them cannot come from an initializer list.
template <class... T>
std::vector<Tensor> params(T&&... t) {
  std::vector<Tensor> v;
  (v.push_back(std::forward<T>(t)), ...);
  return v;
}

// op(x, params...) with x fed `x` and the params as constants; `outputs` graph outputs.
void check(const std::string& op, const Tensor& x, std::vector<Tensor> params,
           const std::vector<Attr>& attrs = {}, int outputs = 1) {
  SCOPED_TRACE(op + " of " + shape_to_string(x.shape()));
  GraphBuilder b;
  std::vector<graph::Value*> ins{b.input("x", f32, x.shape())};
  for (size_t i = 0; i < params.size(); ++i) {
    ins.push_back(b.constant("p" + std::to_string(i), std::move(params[i])));
  }
  b.output(b.node(op, ins, attrs, outputs));
  auto g = b.finish();
  for (int k = 1; k < outputs; ++k) g->add_output(g->nodes()[0]->output(k));
  auto interp = reference::Interpreter::create(*g);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  auto want = (*interp)->run({&x});
  ASSERT_TRUE(want.is_ok()) << want.status().message();
  for (auto policy : {partition::FusionPolicy::kNone, partition::FusionPolicy::kArbitrary}) {
    auto got = testing::compile_and_run(*g, policy, {&x});
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      CompareResult c = compare_allclose((*got)[i], (*want)[i], 2e-5, 1e-5);
      EXPECT_TRUE(c.ok) << "output " << i << ": " << c.message;
    }
  }
}

TEST(LowerRowReduce, SoftmaxRowsOfEveryTailLength) {
  // 4096 is the longest row whose exps Softmax keeps in a scratch (one exp per element); 4097
  // recomputes them in the output pass.
  for (int64_t n : {1, 5, 8, 13, 37, 128, 771, 4096, 4097}) {
    // Wide logits: the max matters (exp of the unshifted values would overflow).
    check("Softmax", uniform({3, n}, -60, 90, 7), {});
    check("LogSoftmax", uniform({3, n}, -60, 90, 8), {});
  }
  check("Softmax", uniform({2, 13, 3}, -8, 8, 9), {}, {Attr::of("axis", int64_t{1})});
  check("LogSoftmax", uniform({2, 3, 21}, -8, 8, 10), {}, {Attr::of("axis", int64_t{1})});
}

TEST(LowerRowReduce, LayerNormalization) {
  for (int64_t n : {5, 8, 13, 768}) {
    // An offset larger than the spread: the variance pass must use the deviations.
    check("LayerNormalization", uniform({4, n}, 95, 105, 11),
          params(uniform({n}, 0.5f, 1.5f, 12), uniform({n}, -1, 1, 13)), {}, 3);
  }
  // Rows of two dims (the split dim is the last, 7 = a tail only, 19 = chunks and a tail).
  check("LayerNormalization", uniform({3, 4, 7}, -3, 3, 14), params(uniform({4, 7}, -1, 1, 15)),
        {Attr::of("axis", int64_t{1})}, 3);
  check("LayerNormalization", uniform({2, 3, 19}, -3, 3, 16), params(uniform({3, 19}, -1, 1, 17)),
        {Attr::of("axis", int64_t{1})}, 3);
}

TEST(LowerRowReduce, InstanceAndMeanVarianceNormalization) {
  check("InstanceNormalization", uniform({2, 3, 5, 11}, -4, 6, 18),
        params(uniform({3}, 0.5f, 1.5f, 19), uniform({3}, -1, 1, 20)));
  check("MeanVarianceNormalization", uniform({2, 3, 4, 9}, -4, 6, 21), {});
}

// Activations through the prelude's exp/log/erf/tanh/sigmoid, on inputs wide enough to reach
// every piece of the approximations (erf's |x| >= 1, tanh's |x| >= 0.625, exp's overflow).
TEST(LowerRowReduce, ActivationsOnTheVectorMath) {
  const Tensor wide = uniform({3, 37}, -12, 12, 22);
  for (const char* op :
       {"Exp", "Sigmoid", "Tanh", "Erf", "Softplus", "Elu", "Selu", "Gelu", "HardSwish"}) {
    check(op, wide, {});
  }
  check("Gelu", wide, {}, {Attr::of("approximate", std::string("tanh"))});
  check("Log", uniform({3, 37}, 1e-30f, 50, 23), {});
  check("Exp", uniform({2, 19}, 80, 95, 24), {});  // finite, then inf from 88.72 on
}

}  // namespace
}  // namespace stitch::lower
