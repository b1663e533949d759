// Tests of Target: parsing, canonical names and the flags each ISA level maps to.
// Part of tests/unit/toolchain/.
#include "codegen/toolchain/target.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace stitch::toolchain {
namespace {

bool contains(const std::vector<std::string>& flags, const std::string& flag) {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

TEST(TargetTest, KnownNamesRoundTrip) {
  for (const std::string& name : Target::known_names()) {
    Expected<Target> target = Target::parse(name);
    ASSERT_TRUE(target) << target.status().message();
    EXPECT_EQ(target->name(), name);
  }
}

TEST(TargetTest, HostParsesToItsOwnName) {
  Expected<Target> host = Target::parse("host");
  ASSERT_TRUE(host) << host.status().message();
  EXPECT_EQ(*host, Target::host());
  Expected<Target> again = Target::parse(host->name());
  ASSERT_TRUE(again) << again.status().message();
  EXPECT_EQ(*again, *host);
}

TEST(TargetTest, RejectsUnknownNamesListingTheKnownOnes) {
  for (const char* bad : {"", "x86-64-avx3", "arm64", "HOST"}) {
    Expected<Target> target = Target::parse(bad);
    ASSERT_FALSE(target) << bad;
    EXPECT_NE(target.status().message().find("unknown target"), std::string::npos);
    EXPECT_NE(target.status().message().find("x86-64-avx512"), std::string::npos);
  }
}

TEST(TargetTest, FlagsFollowTheIsaLevel) {
  std::vector<std::string> avx2 = Target(Isa::kX86_64Avx2).compile_flags();
  for (const char* flag : {"-O3", "-fPIC", "-std=c++17", "-ffp-contract=fast", "-mavx2", "-mfma"}) {
    EXPECT_TRUE(contains(avx2, flag)) << flag;
  }
  EXPECT_FALSE(contains(avx2, "-mavx512f"));
  std::vector<std::string> avx512 = Target(Isa::kX86_64Avx512).compile_flags();
  for (const char* flag : {"-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512vl"}) {
    EXPECT_TRUE(contains(avx512, flag)) << flag;
  }
  EXPECT_FALSE(contains(Target(Isa::kX86_64).compile_flags(), "-mavx2"));
  EXPECT_TRUE(contains(Target(Isa::kX86_64).link_flags(), "-shared"));
}

TEST(TargetTest, VectorWidthFollowsTheIsaLevel) {
  EXPECT_EQ(Target(Isa::kX86_64).vector_bytes(), 16);
  EXPECT_EQ(Target(Isa::kX86_64Avx2).vector_bytes(), 32);
  EXPECT_EQ(Target(Isa::kX86_64Avx512).vector_bytes(), 64);
  EXPECT_TRUE(Target(Isa::kX86_64Avx512).has_avx2());
  EXPECT_FALSE(Target(Isa::kX86_64Avx2).has_avx512());
}

}  // namespace
}  // namespace stitch::toolchain
