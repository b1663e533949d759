// Tests of the C API (stitch.h) and the C++ API over it (stitch.hpp) on a small artifact with
// hand-written kernels: metadata, both output conventions, and errors as codes + messages.
// Part of tests/unit/runtime.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "artifact_test_util.h"
#include "stitch/stitch.h"
#include "stitch/stitch.hpp"

namespace stitch::runtime {
namespace {

using artifact_testing::TempDir;

class CApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    artifact_testing::write_small_artifact(dir_.path());
    ASSERT_EQ(stitch_model_load(dir_.path().c_str(), 2, &model_), STITCH_OK) << stitch_last_error();
  }
  void TearDown() override { stitch_model_free(model_); }

  TempDir dir_;
  stitch_model* model_ = nullptr;
  const float x_[6] = {1, 2, 3, 4, 5, 6};
};

TEST_F(CApiTest, DescribesInputsAndOutputs) {
  ASSERT_EQ(stitch_model_num_inputs(model_), 1u);
  ASSERT_EQ(stitch_model_num_outputs(model_), 2u);
  stitch_tensor_info info;
  ASSERT_EQ(stitch_model_input_info(model_, 0, &info), STITCH_OK);
  EXPECT_STREQ(info.name, "x");
  EXPECT_EQ(info.dtype, STITCH_DTYPE_FLOAT32);
  ASSERT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[0], 2);
  EXPECT_EQ(info.dims[1], 3);
  EXPECT_EQ(info.size_bytes, 24u);
  ASSERT_EQ(stitch_model_output_info(model_, 1, &info), STITCH_OK);
  EXPECT_STREQ(info.name, "w");
  EXPECT_EQ(info.dtype, STITCH_DTYPE_INT64);
  EXPECT_STREQ(stitch_dtype_name(info.dtype), "int64");
  EXPECT_EQ(info.size_bytes, 16u);
}

TEST_F(CApiTest, RunsWithModelOwnedOutputs) {
  const void* inputs[] = {x_};
  ASSERT_EQ(stitch_model_run(model_, inputs, 1), STITCH_OK) << stitch_last_error();
  const void* z = nullptr;
  const void* w = nullptr;
  ASSERT_EQ(stitch_model_output_data(model_, 0, &z), STITCH_OK);
  ASSERT_EQ(stitch_model_output_data(model_, 1, &w), STITCH_OK);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(static_cast<const float*>(z)[i], 22.0f * (i + 1));
  EXPECT_EQ(static_cast<const int64_t*>(w)[0], 7);
}

TEST_F(CApiTest, RunsIntoCallerBuffers) {
  const void* inputs[] = {x_};
  float z[6] = {};
  int64_t w[2] = {};
  void* outputs[] = {z, w};
  ASSERT_EQ(stitch_model_run_into(model_, inputs, 1, outputs, 2), STITCH_OK) << stitch_last_error();
  EXPECT_EQ(z[5], 132.0f);
  EXPECT_EQ(w[1], -8);
}

TEST_F(CApiTest, MisuseIsAnErrorWithAMessage) {
  const void* data = nullptr;
  EXPECT_EQ(stitch_model_output_data(model_, 0, &data), STITCH_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(stitch_last_error()).find("has not run"), std::string::npos);
  const void* inputs[] = {x_};
  EXPECT_EQ(stitch_model_run(model_, inputs, 2), STITCH_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(stitch_last_error()).find("takes 1 inputs, got 2"), std::string::npos);
  const void* null_input[] = {nullptr};
  EXPECT_EQ(stitch_model_run(model_, null_input, 1), STITCH_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(stitch_last_error()).find("input 0 ('x') is NULL"), std::string::npos);
  stitch_tensor_info info;
  EXPECT_EQ(stitch_model_output_info(model_, 2, &info), STITCH_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(stitch_last_error()).find("output index 2 out of range"),
            std::string::npos);
  void* one_output[] = {nullptr};
  EXPECT_EQ(stitch_model_run_into(model_, inputs, 1, one_output, 1), STITCH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(stitch_model_num_inputs(nullptr), 0u);
  stitch_model_free(nullptr);
}

TEST(CApi, LoadFailuresSetNullAndExplain) {
  stitch_model* model = reinterpret_cast<stitch_model*>(1);
  EXPECT_EQ(stitch_model_load("/nonexistent/artifact", 1, &model), STITCH_ERROR_LOAD);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(stitch_last_error()).find("is not an artifact directory"),
            std::string::npos);
  TempDir dir;
  artifact_testing::write_small_artifact(dir.path());
  EXPECT_EQ(stitch_model_load(dir.path().c_str(), 0, &model), STITCH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(stitch_model_load(nullptr, 1, &model), STITCH_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(stitch_model_load(dir.path().c_str(), 1, nullptr), STITCH_ERROR_INVALID_ARGUMENT);
}

TEST(CppApi, LoadsRunsAndThrows) {
  TempDir dir;
  artifact_testing::write_small_artifact(dir.path());
  stitch::Model model = stitch::Model::load(dir.path(), 2);
  ASSERT_EQ(model.inputs().size(), 1u);
  EXPECT_EQ(model.inputs()[0].name, "x");
  EXPECT_EQ(model.inputs()[0].dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(model.outputs()[1].size_bytes, 16u);
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  model.run({x.data()});
  EXPECT_EQ(model.output<float>(0)[0], 22.0f);
  stitch::Model moved = std::move(model);
  std::vector<float> z(6);
  std::vector<int64_t> w(2);
  moved.run_into({x.data()}, {z.data(), w.data()});
  EXPECT_EQ(z[1], 44.0f);
  EXPECT_EQ(w[0], 7);
  try {
    moved.run({});
    FAIL() << "no exception";
  } catch (const stitch::Error& e) {
    EXPECT_EQ(e.status(), STITCH_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("takes 1 inputs, got 0"), std::string::npos);
  }
  try {
    stitch::Model::load(dir.file("nope"));
    FAIL() << "no exception";
  } catch (const stitch::Error& e) {
    EXPECT_EQ(e.status(), STITCH_ERROR_LOAD);
  }
}

}  // namespace
}  // namespace stitch::runtime
