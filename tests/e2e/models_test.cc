// End-to-end: the committed small models (tests/data/models, made by scripts/make_test_models.py)
// run through the frontend and the reference interpreter and must match ONNX Runtime's outputs
// with relative L2 error <= 1e-4. Part of tests/e2e/.
#include <gtest/gtest.h>

#include <filesystem>

#include "frontend/onnx/onnx_importer.h"
#include "reference/interpreter.h"
#include "support/compare.h"
#include "support/npy.h"

namespace fs = std::filesystem;

namespace stitch {
namespace {

constexpr double kMaxRelL2 = 1e-4;

std::vector<Tensor> load_numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<Tensor> out;
  for (int i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".npy");
    if (!fs::exists(p)) break;
    auto t = read_npy(p.string());
    EXPECT_TRUE(t.is_ok()) << t.status().message();
    if (t.is_ok()) out.push_back(std::move(t).value());
  }
  return out;
}

class ModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelTest, MatchesOnnxRuntime) {
  fs::path dir = fs::path(STITCH_TEST_MODELS_DIR) / GetParam();
  auto g = frontend::import_onnx_file((dir / "model.onnx").string());
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  auto interp = reference::Interpreter::create(**g);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  std::vector<Tensor> inputs = load_numbered(dir, "input_");
  std::vector<Tensor> expected = load_numbered(dir, "output_");
  ASSERT_FALSE(inputs.empty());
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
    std::printf("%s output %zu: relative L2 error %.3g\n", GetParam().c_str(), i, *err);
  }
}

INSTANTIATE_TEST_SUITE_P(Committed, ModelTest,
                         ::testing::Values("tiny_mlp", "tiny_resnet", "tiny_mobilenet_v2",
                                           "tiny_bert", "tiny_loop_rnn"));

}  // namespace
}  // namespace stitch
