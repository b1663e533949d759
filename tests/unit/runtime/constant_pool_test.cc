// Tests of the constant pool: lookup by name and id, alignment, the freeze life cycle, errors.
// Part of tests/unit/runtime.
#include "runtime/constant_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace stitch::runtime {
namespace {

TEST(ConstantPool, AddFindAndRead) {
  ConstantPool pool;
  const std::vector<float> weights = {1.5f, -2.0f, 3.25f};
  Expected<int32_t> w = pool.add("conv1.weight", weights.data(), 12);
  Expected<int32_t> b = pool.add("conv1.bias", weights.data(), 4);
  ASSERT_TRUE(w.is_ok() && b.is_ok());
  EXPECT_EQ(*w, 0);
  EXPECT_EQ(*b, 1);
  EXPECT_EQ(pool.find("conv1.bias"), 1);
  EXPECT_EQ(pool.find("missing"), ConstantPool::kNotFound);
  EXPECT_EQ(pool.size(), 2);
  EXPECT_EQ(pool.total_bytes(), 16);
  EXPECT_EQ(pool.name(*w), "conv1.weight");
  EXPECT_EQ(pool.size_bytes(*w), 12);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(pool.data(*w)) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(pool.data(*b)) % 64, 0u);
  EXPECT_EQ(std::memcmp(pool.data(*w), weights.data(), 12), 0);
}

TEST(ConstantPool, InitKernelsFillAllocatedBlobsBeforeFreeze) {
  ConstantPool pool;
  Expected<int32_t> packed = pool.allocate("conv1.weight.packed", 256);
  ASSERT_TRUE(packed.is_ok());
  std::memset(pool.mutable_data(*packed), 7, 256);
  pool.freeze();
  EXPECT_TRUE(pool.frozen());
  EXPECT_EQ(pool.data(*packed)[255], std::byte{7});
  Expected<int32_t> late = pool.add("late", "x", 1);
  ASSERT_FALSE(late.is_ok());
  EXPECT_NE(late.status().message().find("frozen"), std::string::npos);
}

TEST(ConstantPool, RejectsBadBlobs) {
  ConstantPool pool;
  ASSERT_TRUE(pool.add("a", "abc", 3).is_ok());
  Expected<int32_t> dup = pool.add("a", "abc", 3);
  ASSERT_FALSE(dup.is_ok());
  EXPECT_NE(dup.status().message().find("'a'"), std::string::npos);
  EXPECT_FALSE(pool.add("", "abc", 3).is_ok());
  EXPECT_FALSE(pool.allocate("neg", -1).is_ok());
  EXPECT_FALSE(pool.add("null", nullptr, 4).is_ok());
  EXPECT_TRUE(pool.add("empty", nullptr, 0).is_ok());
  EXPECT_EQ(pool.size(), 2);  // failed additions leave nothing behind
}

TEST(ConstantPoolDeathTest, WritingAfterFreezeIsABug) {
  ConstantPool pool;
  Expected<int32_t> id = pool.allocate("w", 64);
  ASSERT_TRUE(id.is_ok());
  pool.freeze();
  EXPECT_DEATH(pool.mutable_data(*id), "after freeze");
  EXPECT_DEATH(pool.data(5), "constant id");
}

}  // namespace
}  // namespace stitch::runtime
