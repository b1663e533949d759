// Tests of MatMul with an activation B on the gemm microkernel (lower/templates/matmul_dynamic):
// compiled (policies none and arbitrary) against the reference interpreter, relative L2 <= 1e-4
// on float32 (expect_compiled_matches_reference). Shapes hit every edge of the 6 x 16 tile and
// the 256 K block: M, N, K in {1, 5, 6, 7, 16, 17, 64, 130, 300}, broadcast batch dims on
// either side, 1-D operands; and attention's structure (head transposes and K^T as prologues of
// the packs, Div and a mask Add as the epilogue, Softmax between the two MatMuls). Part of
// tests/unit/lower/.
#include <gtest/gtest.h>

#include "graph_builder.h"
#include "kir/printer.h"
#include "lower/lower_subgraph.h"
#include "lower/templates/matmul_dynamic.h"
#include "lower_test_util.h"
#include "partition/graph_partition.h"
#include "passes/pack_matmul_weights.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace stitch::lower {
namespace {

using testing::GraphBuilder;
using testing::random_tensor;

const DType f32 = DType::kFloat32;

// Random inputs of the given shapes, seeds 1, 2, ... (Tensor is move-only: no initializer list).
std::vector<Tensor> random_feeds(const std::vector<Shape>& shapes) {
  std::vector<Tensor> feeds;
  for (size_t i = 0; i < shapes.size(); ++i) {
    feeds.push_back(random_tensor(f32, shapes[i], static_cast<uint32_t>(i + 1)));
  }
  return feeds;
}

struct Operand {
  Shape a, b;
};

// One graph with a MatMul per case (each an output), all checked in one compile per policy.
// Every MatMul must take the gemm path (else the case would not test it).
void check_matmuls(const std::vector<Operand>& cases) {
  GraphBuilder b;
  std::vector<Tensor> feeds;
  uint32_t seed = 1;
  for (size_t i = 0; i < cases.size(); ++i) {
    graph::Value* a = b.input("a" + std::to_string(i), f32, cases[i].a);
    graph::Value* bv = b.input("b" + std::to_string(i), f32, cases[i].b);
    feeds.push_back(random_tensor(f32, cases[i].a, seed++));
    feeds.push_back(random_tensor(f32, cases[i].b, seed++));
    b.output(b.node("MatMul", {a, bv}));
  }
  auto g = b.finish();
  for (const graph::Node* n : g->nodes()) {
    EXPECT_TRUE(matmul_dynamic_applies(*n))
        << shape_to_string(n->input(0)->shape()) << " x " << shape_to_string(n->input(1)->shape());
  }
  testing::expect_compiled_matches_reference(*g, feeds);
}

TEST(LowerMatMulDynamic, EveryTileAndBlockEdgeOfM) {
  std::vector<Operand> cases;
  for (int64_t m : {1, 5, 6, 7, 16, 17, 64, 130}) cases.push_back({{m, 130}, {130, 33}});
  check_matmuls(cases);
}

TEST(LowerMatMulDynamic, EveryTileAndBlockEdgeOfN) {
  std::vector<Operand> cases;
  for (int64_t n : {1, 5, 6, 7, 16, 17, 64, 130}) cases.push_back({{37, 130}, {130, n}});
  check_matmuls(cases);
}

TEST(LowerMatMulDynamic, EveryEdgeOfKIncludingSeveralKBlocks) {
  std::vector<Operand> cases;
  for (int64_t k : {1, 5, 6, 7, 16, 17, 64, 130}) cases.push_back({{65, k}, {k, 70}});
  cases.push_back({{13, 300}, {300, 21}});  // two K blocks of 150
  check_matmuls(cases);
}

TEST(LowerMatMulDynamic, BroadcastBatchDims) {
  check_matmuls({
      {{2, 3, 17, 64}, {64, 33}},          // batched A, shared B
      {{17, 64}, {3, 64, 33}},             // shared A, batched B
      {{2, 1, 7, 16}, {3, 16, 130}},       // both broadcast to [2, 3]
      {{4, 1, 1, 6, 64}, {1, 5, 64, 17}},  // rank 5, broadcast on both sides
      // Short K and enough batches: m blocks of up to 32 tiles (one of 22 tiles here, 130 rows
      // with a partial last tile; and 202 rows in two blocks of 17).
      {{4, 130, 64}, {4, 64, 40}},
      {{4, 202, 128}, {4, 128, 20}},
  });
}

TEST(LowerMatMulDynamic, VectorOperands) {
  check_matmuls({
      {{130}, {130, 64}},        // 1-D A: Y [64]
      {{64}, {2, 3, 64, 17}},    // 1-D A, batched B: Y [2, 3, 17]
      {{64, 130}, {130}},        // 1-D B: Y [64]
      {{2, 3, 17, 130}, {130}},  // batched A, 1-D B: Y [2, 3, 17]
  });
}

// Lowers the graph's only subgraph (arbitrary policy) and prints its kernel IR.
std::string kernel_text(const graph::Graph& g) {
  auto p = partition::partition_graph(g, {partition::FusionPolicy::kArbitrary, {}});
  EXPECT_TRUE(p.is_ok()) << p.status().message();
  EXPECT_EQ(p->subgraphs.size(), 1u);
  auto k = lower_subgraph(g, p->subgraphs[0], "k");
  EXPECT_TRUE(k.is_ok()) << k.status().message();
  return k.is_ok() ? kir::to_string(k->kernel) : "";
}

std::unique_ptr<graph::Graph> one_matmul(DType dt, const Shape& a, const Shape& b) {
  GraphBuilder gb;
  gb.output(gb.node("MatMul", {gb.input("a", dt, a), gb.input("b", dt, b)}));
  return gb.finish();
}

TEST(LowerMatMulDynamic, TheMatMulTemplatePicksTheGemmPathOnlyWhenItPays) {
  EXPECT_NE(kernel_text(*one_matmul(f32, {64, 64}, {64, 64})).find("stitch_gemm_f32_6x16"),
            std::string::npos);
  // Tiny, a dot product, or not float32: the scalar template.
  EXPECT_EQ(kernel_text(*one_matmul(f32, {3, 5}, {5, 7})).find("stitch_gemm"), std::string::npos);
  EXPECT_EQ(kernel_text(*one_matmul(f32, {9000}, {9000})).find("stitch_gemm"), std::string::npos);
  auto f64 = one_matmul(DType::kFloat64, {64, 64}, {64, 64});
  EXPECT_EQ(kernel_text(*f64).find("stitch_gemm"), std::string::npos);
  std::vector<Tensor> feeds;  // random_tensor has no float64
  for (int i = 0; i < 2; ++i) {
    Tensor t(DType::kFloat64, {64, 64});
    for (int64_t e = 0; e < t.numel(); ++e) t.data<double>()[e] = (e * 37 + i * 11) % 29 / 7.0 - 2;
    feeds.push_back(std::move(t));
  }
  testing::expect_compiled_matches_reference(*f64, feeds);
}

Tensor int64_tensor(const std::vector<int64_t>& values) {
  Tensor t(DType::kInt64, {static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) t.data<int64_t>()[i] = values[i];
  return t;
}

Tensor scalar(float v) {
  Tensor t(f32, {});
  t.data<float>()[0] = v;
  return t;
}

using Attr = testing::Attr;

// Q.K^T with K given untransposed: the Transpose is the B pack's prologue; then / 8 + mask.
TEST(LowerMatMulDynamic, TransposedBPrologueAndDivAddEpilogue) {
  for (const Shape& qk : {Shape{2, 3, 17, 64}, Shape{1, 2, 130, 7}}) {
    const int64_t s = qk[2];
    GraphBuilder b;
    graph::Value* q = b.input("q", f32, qk);
    graph::Value* k = b.input("k", f32, qk);
    graph::Value* mask = b.input("mask", f32, {qk[0], 1, 1, s});
    graph::Value* kt =
        b.node("Transpose", {k}, {Attr::of("perm", std::vector<int64_t>{0, 1, 3, 2})});
    graph::Value* y = b.node("MatMul", {q, kt});
    y = b.node("Div", {y, b.constant("scale", scalar(8.0f))});
    b.output(b.node("Add", {y, mask}));
    auto g = b.finish();
    testing::expect_compiled_matches_reference(*g, random_feeds({qk, qk, {qk[0], 1, 1, s}}));
  }
}

// BERT's self-attention core as exported: projections reshaped to heads and transposed (K to
// K^T directly), scores scaled and masked, Softmax, P.V, heads transposed back and merged.
TEST(LowerMatMulDynamic, AttentionBlock) {
  const int64_t seq = 20, heads = 2, dim = 16, hidden = heads * dim;
  GraphBuilder b;
  auto heads_of = [&](graph::Value* x, std::vector<int64_t> perm) {
    graph::Value* shape = b.constant("shape_" + x->name(), int64_tensor({1, seq, heads, dim}));
    return b.node("Transpose", {b.node("Reshape", {x, shape})}, {Attr::of("perm", perm)});
  };
  graph::Value* q = heads_of(b.input("q", f32, {1, seq, hidden}), {0, 2, 1, 3});
  graph::Value* kt = heads_of(b.input("k", f32, {1, seq, hidden}), {0, 2, 3, 1});
  graph::Value* v = heads_of(b.input("v", f32, {1, seq, hidden}), {0, 2, 1, 3});
  graph::Value* mask = b.input("mask", f32, {1, 1, 1, seq});
  graph::Value* scores = b.node("MatMul", {q, kt});
  scores = b.node("Add", {b.node("Div", {scores, b.constant("scale", scalar(4.0f))}), mask});
  graph::Value* p = b.node("Softmax", {scores}, {Attr::of("axis", int64_t{-1})});
  graph::Value* ctx = b.node("MatMul", {p, v});
  ctx = b.node("Transpose", {ctx}, {Attr::of("perm", std::vector<int64_t>{0, 2, 1, 3})});
  b.output(b.node("Reshape", {ctx, b.constant("merged", int64_tensor({1, seq, hidden}))}));
  auto g = b.finish();
  for (const graph::Node* n : g->nodes()) {
    if (n->op_type() == "MatMul") EXPECT_TRUE(matmul_dynamic_applies(*n));
  }
  testing::expect_compiled_matches_reference(
      *g, random_feeds({{1, seq, hidden}, {1, seq, hidden}, {1, seq, hidden}, {1, 1, 1, seq}}));
}

// A MatMul with a packed constant B next to one of two activations: both call the microkernel
// in one translation unit, one with a read-only B, one with a scratch B panel.
TEST(LowerMatMulDynamic, NextToAPackedMatMulInOneTranslationUnit) {
  auto make = [](std::vector<Tensor>* feeds) {
    GraphBuilder b;
    graph::Value* x = b.input("x", f32, {17, 64});
    graph::Value* y = b.input("y", f32, {64, 20});
    feeds->push_back(random_tensor(f32, {17, 64}, 1));
    feeds->push_back(random_tensor(f32, {64, 20}, 2));
    b.output(b.node("MatMul", {x, b.constant("w", random_tensor(f32, {64, 33}, 3))}));
    b.output(b.node("MatMul", {x, y}));
    return b.finish();
  };
  std::vector<Tensor> feeds, unused;
  auto original = make(&feeds);
  std::vector<const Tensor*> ptrs = {&feeds[0], &feeds[1]};
  auto interp = reference::Interpreter::create(*original);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  auto ref = (*interp)->run(ptrs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();
  auto packed = make(&unused);
  auto changed = passes::make_pack_matmul_weights_pass()->run(*packed);
  ASSERT_TRUE(changed.is_ok() && *changed) << "the constant MatMul was not packed";
  ASSERT_TRUE(graph::infer_graph_types(*packed).is_ok());
  for (auto policy : {partition::FusionPolicy::kNone, partition::FusionPolicy::kArbitrary}) {
    auto got = testing::compile_and_run(*packed, policy, ptrs);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    ASSERT_EQ(got->size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      auto err = relative_l2_error((*got)[i], (*ref)[i]);
      ASSERT_TRUE(err.is_ok()) << err.status().message();
      EXPECT_LE(*err, 1e-4) << partition::fusion_policy_name(policy) << " output " << i;
    }
  }
}

}  // namespace
}  // namespace stitch::lower
