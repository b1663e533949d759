// End to end over the committed models (tests/data/models): frontend -> default passes ->
// partition (none, single, arbitrary) -> lower every subgraph -> emit -> compile -> run, compared
// with the reference interpreter and with output_*.npy. Part of tests/unit/lower/.
#include <gtest/gtest.h>

#include <filesystem>

#include "frontend/onnx/onnx_importer.h"
#include "lower_test_util.h"
#include "passes/pass_pipeline.h"
#include "reference/interpreter.h"
#include "support/compare.h"
#include "support/npy.h"

namespace fs = std::filesystem;

namespace stitch::lower {
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

using Param = std::tuple<std::string, partition::FusionPolicy>;
class LowerModelTest : public ::testing::TestWithParam<Param> {};

TEST_P(LowerModelTest, MatchesReferenceAndOnnxRuntime) {
  const auto& [model, policy] = GetParam();
  fs::path dir = fs::path(STITCH_TEST_MODELS_DIR) / model;
  auto g = frontend::import_onnx_file((dir / "model.onnx").string());
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  auto changed = passes::make_default_pipeline().run(**g);
  ASSERT_TRUE(changed.is_ok()) << changed.status().message();
  std::vector<Tensor> inputs = load_numbered(dir, "input_");
  std::vector<Tensor> expected = load_numbered(dir, "output_");
  std::vector<const Tensor*> in_ptrs;
  for (const Tensor& t : inputs) in_ptrs.push_back(&t);

  auto interp = reference::Interpreter::create(**g);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  auto ref = (*interp)->run(in_ptrs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();

  testing::RunStats stats;
  auto got = testing::compile_and_run(**g, policy, in_ptrs, &stats);
  ASSERT_TRUE(got.is_ok()) << got.status().message();
  std::printf(
      "%s/%s: %d kernels, %zu bytes of C++, lower %.1f ms, emit %.1f ms, compile %.0f ms, "
      "run %.1f ms\n",
      model.c_str(), partition::fusion_policy_name(policy), stats.kernels, stats.source_bytes,
      stats.lower_ms, stats.emit_ms, stats.compile_ms, stats.run_ms);
  ASSERT_EQ(got->size(), ref->size());
  for (size_t i = 0; i < got->size(); ++i) {
    auto vs_ref = relative_l2_error((*got)[i], (*ref)[i]);
    ASSERT_TRUE(vs_ref.is_ok()) << vs_ref.status().message();
    EXPECT_LE(*vs_ref, kMaxRelL2) << "output " << i << " vs the reference interpreter";
    if (i < expected.size()) {
      auto vs_ort = relative_l2_error((*got)[i], expected[i]);
      ASSERT_TRUE(vs_ort.is_ok()) << vs_ort.status().message();
      EXPECT_LE(*vs_ort, kMaxRelL2) << "output " << i << " vs output_" << i << ".npy";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, LowerModelTest,
                         ::testing::Combine(::testing::Values("tiny_mlp", "tiny_resnet",
                                                              "tiny_mobilenet_v2", "tiny_bert"),
                                            ::testing::Values(partition::FusionPolicy::kNone,
                                                              partition::FusionPolicy::kSingle,
                                                              partition::FusionPolicy::kArbitrary)),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           return std::get<0>(info.param) + "_" +
                                  partition::fusion_policy_name(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace stitch::lower
