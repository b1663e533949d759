// Tests of artifact writing and loading with real dlopen'ed kernels (test_kernels.c): a
// round trip that runs, and every kind of broken artifact giving a clear error. Part of
// tests/unit/runtime.
#include "runtime/artifact.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "artifact_test_util.h"
#include "runtime/binary_io.h"
#include "runtime/constants_file.h"

namespace stitch::runtime {
namespace {

using artifact_testing::read_bytes;
using artifact_testing::TempDir;
using artifact_testing::write_bytes;
using artifact_testing::write_small_artifact;

// The load error for the artifact in `dir`, "" if it loads.
std::string load_error(const std::string& dir) {
  auto a = LoadedArtifact::load(dir, 1);
  return a.is_ok() ? "" : a.status().message();
}

void expect_load_error(const std::string& dir, const std::string& fragment) {
  std::string message = load_error(dir);
  EXPECT_NE(message.find(fragment), std::string::npos) << "message: '" << message << "'";
}

TEST(Artifact, WritesLoadsAndRuns) {
  TempDir dir;
  write_small_artifact(dir.path());
  for (const char* f : {kPlanFileName, kConstantsFileName, kKernelsFileName}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(dir.file(f))) << f;
  }
  for (int threads : {1, 3}) {
    auto a = LoadedArtifact::load(dir.path(), threads);
    ASSERT_TRUE(a.is_ok()) << a.status().message();
    EXPECT_EQ((*a)->metadata().producer, "stitch test");
    EXPECT_EQ((*a)->executor().num_threads(), threads);
    Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
    auto out = (*a)->executor().run({&x});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    for (int i = 0; i < 6; ++i) EXPECT_EQ((*out)[0].data<float>()[i], 2.0f * (11 * (i + 1)));
    EXPECT_EQ((*out)[1].data<int64_t>()[1], -8);
  }
}

TEST(Artifact, ConstantsFileRoundTripsAndIsAligned) {
  TempDir dir;
  ConstantPool pool = artifact_testing::small_constants();
  ASSERT_TRUE(write_constants_file(dir.file("c.bin"), pool).is_ok());
  auto back = read_constants_file(dir.file("c.bin"));
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  ASSERT_EQ((*back)->size(), pool.size());
  EXPECT_TRUE((*back)->frozen());
  for (int32_t id = 0; id < pool.size(); ++id) {
    EXPECT_EQ((*back)->name(id), pool.name(id));
    ASSERT_EQ((*back)->size_bytes(id), pool.size_bytes(id));
    EXPECT_EQ(std::memcmp((*back)->data(id), pool.data(id), pool.size_bytes(id)), 0);
  }
  // Header 32 bytes, table 8 + 2 * (32 + 1) = 74: blob c (24 bytes) starts at 128, the next
  // multiple of 64, and w (16 bytes) at 192.
  std::string bytes = read_bytes(dir.file("c.bin"));
  ASSERT_EQ(bytes.size(), 192u + 16u);
  float c0;
  int64_t w1;
  std::memcpy(&c0, bytes.data() + 128, 4);
  std::memcpy(&w1, bytes.data() + 192 + 8, 8);
  EXPECT_EQ(c0, 10.0f);
  EXPECT_EQ(w1, -8);
}

TEST(Artifact, MissingFilesAreNamed) {
  TempDir dir;
  write_small_artifact(dir.path());
  std::filesystem::remove(dir.file(kKernelsFileName));
  expect_load_error(dir.path(), "has no kernels library kernels.so");
  write_small_artifact(dir.path());
  std::filesystem::remove(dir.file(kConstantsFileName));
  expect_load_error(dir.path(), "constants.bin' does not exist");
  write_small_artifact(dir.path());
  std::filesystem::remove(dir.file(kPlanFileName));
  expect_load_error(dir.path(), "plan.bin' does not exist");
  expect_load_error(dir.file("nope"), "is not an artifact directory");
}

TEST(Artifact, TruncatedPlanAtEveryLengthIsAnError) {
  TempDir dir;
  write_small_artifact(dir.path());
  const std::string plan = read_bytes(dir.file(kPlanFileName));
  for (size_t n = 0; n < plan.size(); ++n) {
    write_bytes(dir.file(kPlanFileName), plan.substr(0, n));
    std::string message = load_error(dir.path());
    ASSERT_NE(message.find("plan.bin"), std::string::npos) << n << ": " << message;
  }
  write_bytes(dir.file(kPlanFileName), plan.substr(0, plan.size() / 2));
  expect_load_error(dir.path(), "is truncated or corrupt");
}

TEST(Artifact, BadMagicVersionAndChecksum) {
  TempDir dir;
  write_small_artifact(dir.path());
  const std::string plan = read_bytes(dir.file(kPlanFileName));
  std::string bad = plan;
  std::memcpy(bad.data(), "GARBAGE!", 8);
  write_bytes(dir.file(kPlanFileName), bad);
  expect_load_error(dir.path(), "is not a stitch plan file (bad magic number)");
  bad = plan;
  bad[8] = 9;
  write_bytes(dir.file(kPlanFileName), bad);
  expect_load_error(dir.path(), "has format version 9, this runtime reads version " +
                                    std::to_string(kPlanFormatVersion));
  bad = plan;
  bad[plan.size() - 3] ^= 0x10;
  write_bytes(dir.file(kPlanFileName), bad);
  expect_load_error(dir.path(), "corrupt (checksum mismatch)");
  // The constants file too.
  write_bytes(dir.file(kPlanFileName), plan);
  const std::string constants = read_bytes(dir.file(kConstantsFileName));
  bad = constants;
  bad[constants.size() - 10] ^= 1;  // inside the last blob
  write_bytes(dir.file(kConstantsFileName), bad);
  expect_load_error(dir.path(), "constant 'w' fails its checksum");
  bad = constants;
  bad[3] = 'x';
  write_bytes(dir.file(kConstantsFileName), bad);
  expect_load_error(dir.path(), "is not a stitch constants file (bad magic number)");
  for (size_t n : {size_t{0}, size_t{20}, size_t{40}, constants.size() - 1}) {
    write_bytes(dir.file(kConstantsFileName), constants.substr(0, n));
    expect_load_error(dir.path(), "truncated");
  }
}

TEST(Artifact, OutOfRangeIndicesAreErrors) {
  TempDir dir;
  write_small_artifact(dir.path());
  auto write_plan = [&](const ExecutionPlan& p) {
    // Bypasses write_artifact, which would refuse the plan: the loader must check on its own.
    ASSERT_TRUE(
        write_whole_file(dir.file(kPlanFileName), serialize_plan_file({{"t", "generic"}, p}))
            .is_ok());
  };
  ExecutionPlan p = artifact_testing::small_plan();
  p.steps[1].buffers[0] = 99;
  write_plan(p);
  expect_load_error(dir.path(), "kernel stitch_kernel_test_double refers to buffer 99");
  p = artifact_testing::small_plan();
  p.buffers[1].index = 2;  // the pool has 2 constants
  write_plan(p);
  expect_load_error(dir.path(), "buffer 'c' (constant) has a bad index or offset");
  p = artifact_testing::small_plan();
  p.buffers[2].arena_offset = 64;  // past the 64-byte arena
  write_plan(p);
  expect_load_error(dir.path(), "buffer 't' (intermediate) has a bad index or offset");
  p = artifact_testing::small_plan();
  p.outputs = {3, -5};
  write_plan(p);
  expect_load_error(dir.path(), "a graph output refers to a bad buffer");
  p = artifact_testing::small_plan();
  p.buffers[4].shape = {3};  // the constant holds 2 int64
  write_plan(p);
  expect_load_error(dir.path(), "constant 'w' holds 16 bytes, the plan expects 24");
  p = artifact_testing::small_plan();
  p.steps[0].kernel_symbol = "stitch_kernel_missing";
  write_plan(p);
  expect_load_error(dir.path(), "symbol 'stitch_kernel_missing' not found");
}

TEST(Artifact, TargetTheMachineCannotRunIsRefused) {
  TempDir dir;
  write_small_artifact(dir.path());
  ASSERT_TRUE(
      write_whole_file(dir.file(kPlanFileName),
                       serialize_plan_file({{"t", "riscv-rvv"}, artifact_testing::small_plan()}))
          .is_ok());
  expect_load_error(dir.path(), "built for target 'riscv-rvv', which this runtime does not know");
}

TEST(Artifact, WriterRefusesInvalidPlansAndFilesInTheWay) {
  TempDir dir;
  ExecutionPlan p = artifact_testing::small_plan();
  p.inputs = {3};
  ConstantPool pool = artifact_testing::small_constants();
  EXPECT_FALSE(write_artifact(dir.file("a"), {}, p, pool, STITCH_TEST_KERNELS).is_ok());
  write_bytes(dir.file("file"), "x");
  Status s = write_artifact(dir.file("file"), {"t", "generic"}, artifact_testing::small_plan(),
                            pool, STITCH_TEST_KERNELS);
  EXPECT_NE(s.message().find("exists and is not a directory"), std::string::npos) << s.message();
}

TEST(Artifact, PlanWithoutKernelsNeedsNoLibrary) {
  TempDir dir;
  ExecutionPlan p;
  p.buffers = {{"x", DType::kFloat32, {2}, BufferRole::kInput, 0, -1},
               {"w", DType::kInt64, {2}, BufferRole::kConstant, 1, -1}};
  p.inputs = {0};
  p.outputs = {0, 1};
  ASSERT_TRUE(
      write_artifact(dir.path(), {"t", "generic"}, p, artifact_testing::small_constants(), "")
          .is_ok());
  EXPECT_FALSE(std::filesystem::exists(dir.file(kKernelsFileName)));
  auto a = LoadedArtifact::load(dir.path(), 1);
  ASSERT_TRUE(a.is_ok()) << a.status().message();
  Tensor x = Tensor::from_vector<float>({1.5f, 2.5f}, {2});
  auto out = (*a)->executor().run({&x});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ((*out)[0].data<float>()[1], 2.5f);
  EXPECT_EQ((*out)[1].data<int64_t>()[0], 7);
}

}  // namespace
}  // namespace stitch::runtime
