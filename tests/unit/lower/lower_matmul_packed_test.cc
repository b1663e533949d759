// End-to-end numeric tests of the gemm microkernel path: MatMuls with a constant B go through
// passes/pack_matmul_weights.h, are compiled (policies none and arbitrary) and compared with the
// reference interpreter on the original graph (relative L2 <= 1e-4). Shapes are chosen to hit
// every edge: M, N and K not multiples of the 6 x 16 tile, K past one 256 block, more than one
// M and N block, batched and 1-D A, one row of A and a partial last tile of 1 to 5 rows (the
// few-rows kernel), and fused epilogues (bias, ReLU, residual, GELU). Part of tests/unit/lower/.
#include <gtest/gtest.h>

#include "graph_builder.h"
#include "lower_test_util.h"
#include "passes/pack_matmul_weights.h"

namespace stitch::lower {
namespace {

using testing::GraphBuilder;

const DType f32 = DType::kFloat32;

struct Case {
  Shape a;  // A's shape; B is [a.back(), n]
  int64_t n;
  bool bias_relu = false;  // y = relu(A B + bias)
  bool residual = false;   // y = A B + R, R an input of Y's shape
  bool relu_a = false;     // y = relu(A) B: A is computed inside the kernel (packed, not read)
  bool gelu = false;       // y = gelu(A B + bias), erf form: a diamond epilogue
};

std::unique_ptr<graph::Graph> make_graph(const Case& c, std::vector<Tensor>* feeds) {
  GraphBuilder b;
  graph::Value* a = b.input("a", f32, c.a);
  feeds->push_back(testing::random_tensor(f32, c.a, 1));
  graph::Value* w = b.constant("w", testing::random_tensor(f32, {c.a.back(), c.n}, 2));
  graph::Value* y = b.node("MatMul", {c.relu_a ? b.node("Relu", {a}) : a, w});
  if (c.bias_relu) {
    y = b.node("Add", {y, b.constant("bias", testing::random_tensor(f32, {c.n}, 3))});
    y = b.node("Relu", {y});
  }
  if (c.gelu) {
    auto scalar = [&](const char* name, float v) {
      return b.constant(name, Tensor::from_vector<float>({v}, {}));
    };
    graph::Value* x =
        b.node("Add", {y, b.constant("gelu_bias", testing::random_tensor(f32, {c.n}, 5))});
    graph::Value* erf = b.node("Erf", {b.node("Div", {x, scalar("sqrt2", 1.4142135f)})});
    graph::Value* inner = b.node("Mul", {x, b.node("Add", {erf, scalar("one", 1.0f)})});
    y = b.node("Mul", {inner, scalar("half", 0.5f)});
  }
  if (c.residual) {
    Shape ys(c.a.begin(), c.a.end() - 1);
    ys.push_back(c.n);
    y = b.node("Add", {y, b.input("r", f32, ys)});
    feeds->push_back(testing::random_tensor(f32, ys, 4));
  }
  b.output(y);
  return b.finish();
}

void check(const Case& c) {
  SCOPED_TRACE(shape_to_string(c.a) + " x N=" + std::to_string(c.n));
  std::vector<Tensor> feeds;
  auto original = make_graph(c, &feeds);
  std::vector<Tensor> unused;
  auto packed = make_graph(c, &unused);
  auto changed = passes::make_pack_matmul_weights_pass()->run(*packed);
  ASSERT_TRUE(changed.is_ok() && *changed) << "the MatMul was not packed";
  ASSERT_TRUE(graph::infer_graph_types(*packed).is_ok());
  testing::expect_rewrite_matches_reference(*original, *packed, feeds,
                                            [](size_t) { return std::string("MatMulPacked"); });
}

TEST(LowerMatMulPacked, TileEdges) {
  check({{1, 1}, 1});
  check({{5, 7}, 20});
  check({{6, 16}, 16});
  check({{13, 33}, 47});
}

TEST(LowerMatMulPacked, SeveralBlocksInEveryDimension) {
  // 200 rows = 34 tiles (3 M blocks), 300 columns = 19 panels (2 N blocks), K = 600 (3 blocks).
  check({{200, 600}, 300});
}

TEST(LowerMatMulPacked, BatchedAndVectorA) {
  check({{2, 3, 5, 9}, 17});
  check({{37}, 19});
}

// One row of A (a classifier at batch 1) runs in gemm_f32_few_rows: panel groups of 4 and a
// remainder, several K blocks (accumulation), A read in place or packed from a fused producer.
TEST(LowerMatMulPacked, MatrixVectorProduct) {
  check({{1, 600}, 300});
  check({{1, 1, 1280}, 1000, /*bias_relu=*/true});
  check({{1, 300}, 90, /*bias_relu=*/false, /*residual=*/true, /*relu_a=*/true});
  check({{600}, 33, /*bias_relu=*/false, /*residual=*/false, /*relu_a=*/true});
}

// A last tile of 1 to 3 rows runs in gemm_f32_few_rows (groups of 2 panels and a remainder);
// one of 4 or 5 rows is packed for the 6 x 16 kernel.
TEST(LowerMatMulPacked, PartialLastTile) {
  check({{128, 96}, 200});  // bert's 128 rows: 21 tiles and 2 rows
  check({{9, 40}, 50});     // 3 rows after one tile, 4 panels (the last one partial)
  check({{2, 5, 7}, 48, /*bias_relu=*/true});  // 10 rows: a tile and 4 rows, fused epilogue
  check({{31, 300}, 70, /*bias_relu=*/false, /*residual=*/true});  // 1 row, two K blocks
}

TEST(LowerMatMulPacked, FusedEpilogues) {
  check({{7, 24}, 40, /*bias_relu=*/true});
  check({{2, 9, 33}, 18, /*bias_relu=*/true, /*residual=*/true});
  // GELU reads the bias add twice: the whole diamond is the epilogue (bert's FFN shape, small).
  check({{128, 64}, 96, false, false, false, /*gelu=*/true});
  check({{13, 300}, 40, false, /*residual=*/true, false, /*gelu=*/true});
}

}  // namespace
}  // namespace stitch::lower
