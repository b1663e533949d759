// End-to-end tests of the toolchain driver: compile two kernels in parallel, load and call
// them, hit and miss the cache, and report a broken kernel. Part of tests/unit/toolchain/.
// Each test runs the system compiler two to six times (about a second in all).
#include "codegen/toolchain/toolchain.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "codegen/toolchain/shared_object.h"
#include "temp_dir.h"

namespace stitch::toolchain {
namespace {

const TranslationUnit kAdd = {"add", R"(
extern "C" void add(const float* a, const float* b, float* out, long n) {
  for (long i = 0; i < n; ++i) out[i] = a[i] + b[i];
}
)"};

const TranslationUnit kScale = {"scale", R"(
extern "C" void scale(const float* a, float s, float* out, long n) {
  for (long i = 0; i < n; ++i) out[i] = a[i] * s;
}
)"};

const TranslationUnit kBroken = {"broken", R"(
extern "C" void broken(float* out) {
  out[0] = ;
}
)"};

class ToolchainTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }

  // A toolchain for the host with a cache in this test's directory.
  Toolchain make(std::vector<std::string> extra_flags = {}) {
    ToolchainOptions options;
    options.cache_dir = dir_.path() + "/cache";
    options.extra_flags = std::move(extra_flags);
    options.jobs = 2;
    Expected<Toolchain> toolchain = Toolchain::create(std::move(options));
    EXPECT_TRUE(toolchain) << toolchain.status().message();
    return std::move(toolchain).value();
  }

  TempDir dir_;
};

TEST_F(ToolchainTest, CompilesTwoKernelsLoadsAndCallsThem) {
  Toolchain toolchain = make();
  Expected<BuildResult> built = toolchain.build({kAdd, kScale});
  ASSERT_TRUE(built) << built.status().message();
  EXPECT_FALSE(built->cache_hit);
  EXPECT_EQ(toolchain.stats().units_compiled, 2);
  // The sources stay next to the library for inspection.
  EXPECT_EQ(slurp(built->build_dir + "/add.cc"), kAdd.source);

  Expected<SharedObject> library = SharedObject::open(built->library_path);
  ASSERT_TRUE(library) << library.status().message();
  auto add = library->function<void(const float*, const float*, float*, long)>("add");
  auto scale = library->function<void(const float*, float, float*, long)>("scale");
  ASSERT_TRUE(add) << add.status().message();
  ASSERT_TRUE(scale) << scale.status().message();
  float a[3] = {1, 2, 3}, b[3] = {10, 20, 30}, out[3] = {};
  (*add)(a, b, out, 3);
  EXPECT_EQ(out[2], 33.0f);
  (*scale)(a, 0.5f, out, 3);
  EXPECT_EQ(out[1], 1.0f);
}

TEST_F(ToolchainTest, SameSourcesHitTheCacheAndAChangedFlagMisses) {
  Toolchain toolchain = make();
  Expected<BuildResult> first = toolchain.build({kAdd, kScale});
  ASSERT_TRUE(first) << first.status().message();
  Expected<BuildResult> second = toolchain.build({kAdd, kScale});
  ASSERT_TRUE(second) << second.status().message();
  EXPECT_TRUE(second->cache_hit);
  EXPECT_EQ(second->library_path, first->library_path);
  EXPECT_EQ(toolchain.stats().cache_hits, 1);
  EXPECT_EQ(toolchain.stats().units_compiled, 2);  // nothing compiled the second time

  // A new Toolchain (as in a new process) with one more flag shares the cache but not the key.
  Toolchain variant = make({"-DSTITCH_TEST_VARIANT=1"});
  Expected<BuildResult> third = variant.build({kAdd, kScale});
  ASSERT_TRUE(third) << third.status().message();
  EXPECT_FALSE(third->cache_hit);
  EXPECT_NE(third->cache_key, first->cache_key);
  EXPECT_EQ(variant.stats().units_compiled, 2);
}

// The path between "source kept at " and the next ", " in an error message.
std::string kept_source(const std::string& message) {
  const std::string marker = "source kept at ";
  size_t begin = message.find(marker);
  if (begin == std::string::npos) return "";
  begin += marker.size();
  return message.substr(begin, message.find(", ", begin) - begin);
}

TEST_F(ToolchainTest, BrokenKernelIsNamedAndItsSourceKept) {
  Toolchain toolchain = make();
  Expected<BuildResult> built = toolchain.build({kAdd, kBroken});
  ASSERT_FALSE(built);
  const std::string& message = built.status().message();
  EXPECT_NE(message.find("failed to compile kernel 'broken'"), std::string::npos) << message;
  EXPECT_EQ(message.find("kernel 'add'"), std::string::npos) << message;
  EXPECT_NE(message.find("error"), std::string::npos) << message;  // the compiler's own lines
  std::string source = kept_source(message);
  EXPECT_NE(source.find("broken.cc"), std::string::npos) << message;
  EXPECT_EQ(slurp(source), kBroken.source);
  // A failed build never becomes a cache entry: the cache holds its staging area only.
  EXPECT_EQ(toolchain.stats().builds, 0);
  for (const auto& entry : std::filesystem::directory_iterator(toolchain.options().cache_dir)) {
    EXPECT_EQ(entry.path().filename(), "staging");
  }
}

TEST_F(ToolchainTest, WithoutACacheBuildsInTheBuildDirectory) {
  ToolchainOptions options;
  options.build_dir = dir_.path() + "/build";
  Expected<Toolchain> toolchain = Toolchain::create(std::move(options));
  ASSERT_TRUE(toolchain) << toolchain.status().message();
  Expected<BuildResult> built = toolchain->build({kScale});
  ASSERT_TRUE(built) << built.status().message();
  EXPECT_FALSE(built->cache_hit);
  EXPECT_EQ(built->build_dir, dir_.path() + "/build");
  EXPECT_EQ(built->library_path.rfind(built->build_dir, 0), 0u);
  EXPECT_TRUE(std::filesystem::exists(built->library_path));
  EXPECT_TRUE(SharedObject::open(built->library_path));
}

TEST_F(ToolchainTest, BadUnitNamesAreRejectedBeforeCompiling) {
  Toolchain toolchain = make();
  for (const std::vector<TranslationUnit>& units :
       {std::vector<TranslationUnit>{}, {{"../escape", ""}}, {{"", ""}}, {kAdd, kAdd}}) {
    Expected<BuildResult> built = toolchain.build(units);
    EXPECT_FALSE(built);
  }
  EXPECT_EQ(toolchain.stats().units_compiled, 0);
  EXPECT_FALSE(std::filesystem::exists(toolchain.options().cache_dir + "/staging"));
}

TEST_F(ToolchainTest, MissingCompilerFailsAtCreation) {
  ToolchainOptions options;
  options.compiler.explicit_compiler = dir_.path() + "/no-such-g++";
  Expected<Toolchain> toolchain = Toolchain::create(std::move(options));
  ASSERT_FALSE(toolchain);
  EXPECT_NE(toolchain.status().message().find("or pass --cxx PATH"), std::string::npos);
}

}  // namespace
}  // namespace stitch::toolchain
