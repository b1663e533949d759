// The default pass pipeline over the committed models (tests/data/models): outputs on
// input_*.npy must still match output_*.npy (ONNX Runtime's) with relative L2 <= 1e-4, and
// the ops the pipeline removes must be gone. Part of tests/golden/.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "frontend/onnx/onnx_importer.h"
#include "passes/pass_pipeline.h"
#include "reference/interpreter.h"
#include "support/compare.h"
#include "support/npy.h"

namespace fs = std::filesystem;

namespace stitch::passes {
namespace {

constexpr double kMaxRelL2 = 1e-4;

std::vector<Tensor> load_numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<Tensor> out;
  for (int i = 0; fs::exists(dir / (prefix + std::to_string(i) + ".npy")); ++i) {
    auto t = read_npy((dir / (prefix + std::to_string(i) + ".npy")).string());
    EXPECT_TRUE(t.is_ok()) << t.status().message();
    if (t.is_ok()) out.push_back(std::move(t).value());
  }
  return out;
}

std::map<std::string, int> op_counts(const graph::Graph& g) {
  std::map<std::string, int> counts;
  for (const graph::Node* n : g.nodes()) ++counts[n->op_type()];
  return counts;
}

class PipelineModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PipelineModelTest, OutputsStillMatchOnnxRuntime) {
  fs::path dir = fs::path(STITCH_TEST_MODELS_DIR) / GetParam();
  auto g = frontend::import_onnx_file((dir / "model.onnx").string());
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  int before = (*g)->num_nodes();
  PipelineOptions options;
  options.verify_after_each_pass = true;
  auto changed = make_default_pipeline(options).run(**g);
  ASSERT_TRUE(changed.is_ok()) << changed.status().message();
  std::map<std::string, int> ops = op_counts(**g);
  std::printf("%s: %d nodes before the pipeline, %d after:", GetParam().c_str(), before,
              (*g)->num_nodes());
  for (const auto& [op, n] : ops) std::printf(" %s=%d", op.c_str(), n);
  std::printf("\n");
  for (const char* gone : {"BatchNormalization", "Gemm", "Identity", "Dropout"}) {
    EXPECT_EQ(ops.count(gone), 0u) << gone << " left in " << GetParam();
  }

  auto interp = reference::Interpreter::create(**g);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  std::vector<Tensor> inputs = load_numbered(dir, "input_");
  std::vector<Tensor> expected = load_numbered(dir, "output_");
  ASSERT_EQ(expected.size(), (*g)->outputs().size());
  std::vector<const Tensor*> ptrs;
  for (const auto& t : inputs) ptrs.push_back(&t);
  auto outs = (*interp)->run(ptrs);
  ASSERT_TRUE(outs.is_ok()) << outs.status().message();
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ((*outs)[i].shape(), expected[i].shape()) << "output " << i;
    auto err = relative_l2_error((*outs)[i], expected[i]);
    ASSERT_TRUE(err.is_ok()) << err.status().message();
    EXPECT_LE(*err, kMaxRelL2) << GetParam() << " output " << i;
  }
}

TEST(PipelineModels, TinyResnetLosesItsBatchNorms) {
  auto g = frontend::import_onnx_file(
      (fs::path(STITCH_TEST_MODELS_DIR) / "tiny_resnet" / "model.onnx").string());
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  ASSERT_GT(op_counts(**g)["BatchNormalization"], 0);
  int convs = op_counts(**g)["Conv"];
  ASSERT_TRUE(make_default_pipeline().run(**g).is_ok());
  std::map<std::string, int> ops = op_counts(**g);
  EXPECT_EQ(ops.count("BatchNormalization"), 0u);
  EXPECT_EQ(ops.count("Mul"), 0u);  // folded into the convs, not decomposed
  // Every conv survives, in the plain or (after layout assignment) a blocked form: direct, or
  // Winograd for the 3x3 stride-1 convs with enough channels and pixels.
  EXPECT_EQ(ops["Conv"] + ops["ConvNCHWc"] + ops["ConvWinogradNCHWc"], convs);
  EXPECT_GT(ops["ConvNCHWc"], 0);
  EXPECT_GT(ops["ConvWinogradNCHWc"], 0);
}

INSTANTIATE_TEST_SUITE_P(Committed, PipelineModelTest,
                         ::testing::Values("tiny_mlp", "tiny_resnet", "tiny_mobilenet_v2",
                                           "tiny_bert", "tiny_loop_rnn"));

}  // namespace
}  // namespace stitch::passes
