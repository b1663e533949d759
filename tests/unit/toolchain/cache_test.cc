// Tests of the cache's atomic publish: the first of two racing builds wins, the second reuses
// its entry. Part of tests/unit/toolchain/; plain files stand in for libraries, no compiler.
#include "codegen/toolchain/cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace stitch::toolchain {
namespace {

// A staging directory holding a fake library with the given contents.
std::string stage(const Cache& cache, const std::string& key, const std::string& contents) {
  Expected<std::string> dir = cache.create_staging_dir(key);
  EXPECT_TRUE(dir) << dir.status().message();
  std::ofstream(*dir + "/" + Cache::kLibraryName) << contents;
  return *dir;
}

TEST(CacheTest, MissThenPublishThenHit) {
  TempDir root;
  ASSERT_TRUE(root.ok());
  Cache cache(root.path() + "/cache");
  EXPECT_FALSE(cache.lookup("0123456789abcdef"));
  std::string staging = stage(cache, "0123456789abcdef", "one");
  Expected<std::string> published = cache.publish("0123456789abcdef", staging);
  ASSERT_TRUE(published) << published.status().message();
  EXPECT_EQ(*published, cache.library_path("0123456789abcdef"));
  EXPECT_EQ(cache.lookup("0123456789abcdef"), *published);
  EXPECT_FALSE(std::filesystem::exists(staging));
}

TEST(CacheTest, SecondPublisherOfAKeyUsesTheFirstEntry) {
  TempDir root;
  ASSERT_TRUE(root.ok());
  Cache cache(root.path());
  // Both builds were staged before either finished, as two processes racing would be.
  std::string first = stage(cache, "k", "first");
  std::string second = stage(cache, "k", "second");
  EXPECT_NE(first, second);
  ASSERT_TRUE(cache.publish("k", first));
  Expected<std::string> again = cache.publish("k", second);
  ASSERT_TRUE(again) << again.status().message();
  EXPECT_EQ(slurp(*again), "first");
  EXPECT_FALSE(std::filesystem::exists(second));
}

}  // namespace
}  // namespace stitch::toolchain
