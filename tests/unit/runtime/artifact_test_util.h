// A small artifact for the runtime's tests: a plan over the hand-written kernels of
// test_kernels.c (z = 2 * (x + c), and the constant w as a second output), in a temporary
// directory. Part of tests/unit/runtime.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/artifact.h"

namespace stitch::runtime::artifact_testing {

inline ExecutionPlan small_plan() {
  ExecutionPlan p;
  p.buffers = {{"x", DType::kFloat32, {2, 3}, BufferRole::kInput, 0, -1},
               {"c", DType::kFloat32, {2, 3}, BufferRole::kConstant, 0, -1},
               {"t", DType::kFloat32, {2, 3}, BufferRole::kIntermediate, -1, 0},
               {"z", DType::kFloat32, {2, 3}, BufferRole::kOutput, 0, -1},
               {"w", DType::kInt64, {2}, BufferRole::kConstant, 1, -1}};
  p.steps = {{"stitch_kernel_test_add", {0, 1, 2}}, {"stitch_kernel_test_double", {2, 3}}};
  p.inputs = {0};
  p.outputs = {3, 4};
  p.arena_size = 64;
  p.sum_of_intermediates = 24;
  return p;
}

inline ConstantPool small_constants() {
  ConstantPool pool;
  float c[6] = {10, 20, 30, 40, 50, 60};
  int64_t w[2] = {7, -8};
  EXPECT_TRUE(pool.add("c", c, sizeof c).is_ok());
  EXPECT_TRUE(pool.add("w", w, sizeof w).is_ok());
  pool.freeze();
  return pool;
}

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "stitch_rt_XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes the small artifact into `dir` ("generic" target: loads on any machine).
inline void write_small_artifact(const std::string& dir) {
  Status s = write_artifact(dir, {"stitch test", "generic"}, small_plan(), small_constants(),
                            STITCH_TEST_KERNELS);
  ASSERT_TRUE(s.is_ok()) << s.message();
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace stitch::runtime::artifact_testing
