// Tests of the cache's hash: published FNV-1a vectors, so keys stay stable across builds.
// Part of tests/unit/toolchain/.
#include "codegen/toolchain/hash.h"

#include <gtest/gtest.h>

#include "codegen/toolchain/cache.h"

namespace stitch::toolchain {
namespace {

TEST(HashTest, MatchesPublishedFnv1aVectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(HashTest, FieldsAreLengthPrefixed) {
  EXPECT_NE(Hasher().add("ab").add("c").digest(), Hasher().add("a").add("bc").digest());
  EXPECT_EQ(Hasher().add("ab").add("c").digest(), Hasher().add("ab").add("c").digest());
}

TEST(HashTest, HexDigestIsSixteenLowercaseDigits) {
  Hasher hasher;
  EXPECT_EQ(hasher.hex_digest(), "cbf29ce484222325");
}

TEST(HashTest, CacheKeyDependsOnEveryInput) {
  std::vector<TranslationUnit> units = {{"a", "int x;"}};
  std::string base = cache_key(units, {"-O3"}, "/usr/bin/g++", "g++ 12");
  EXPECT_EQ(base, cache_key(units, {"-O3"}, "/usr/bin/g++", "g++ 12"));
  EXPECT_NE(base, cache_key({{"a", "int y;"}}, {"-O3"}, "/usr/bin/g++", "g++ 12"));
  EXPECT_NE(base, cache_key({{"b", "int x;"}}, {"-O3"}, "/usr/bin/g++", "g++ 12"));
  EXPECT_NE(base, cache_key(units, {"-O2"}, "/usr/bin/g++", "g++ 12"));
  EXPECT_NE(base, cache_key(units, {"-O3"}, "/usr/bin/clang++", "g++ 12"));
  EXPECT_NE(base, cache_key(units, {"-O3"}, "/usr/bin/g++", "g++ 13"));
}

}  // namespace
}  // namespace stitch::toolchain
