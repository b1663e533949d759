// Tests of the static memory planner on hand-made traces with known optimal arenas.
// Part of tests/unit/runtime; the random-trace properties are in memory_plan_property_test.cc.
#include "runtime/memory_plan.h"

#include <gtest/gtest.h>

namespace stitch::runtime {
namespace {

BufferRequest buf(int64_t size, int32_t first, int32_t last, std::vector<int32_t> hints = {},
                  int64_t alignment = 64) {
  BufferRequest b;
  b.size = size;
  b.alignment = alignment;
  b.first_use = first;
  b.last_use = last;
  b.inplace_candidates = std::move(hints);
  return b;
}

MemoryPlan plan_ok(const std::vector<BufferRequest>& trace) {
  Expected<MemoryPlan> plan = plan_memory(trace);
  EXPECT_TRUE(plan.is_ok()) << plan.status().message();
  if (!plan) return {};
  Status valid = validate_plan(trace, *plan);
  EXPECT_TRUE(valid.is_ok()) << valid.message();
  EXPECT_GE(plan->arena_size, plan->peak_live_bytes);
  return std::move(plan).value();
}

TEST(MemoryPlan, EmptyTrace) {
  MemoryPlan plan = plan_ok({});
  EXPECT_EQ(plan.arena_size, 0);
  EXPECT_EQ(plan.sum_of_sizes, 0);
}

TEST(MemoryPlan, DisjointLifetimesShareOneSlot) {
  MemoryPlan plan = plan_ok({buf(64, 0, 0), buf(64, 1, 1), buf(64, 2, 2), buf(64, 3, 3)});
  EXPECT_EQ(plan.arena_size, 64);
  EXPECT_EQ(plan.sum_of_sizes, 256);
}

TEST(MemoryPlan, AllLiveTogetherNeedTheSum) {
  MemoryPlan plan = plan_ok({buf(64, 0, 3), buf(128, 1, 3), buf(192, 2, 3)});
  EXPECT_EQ(plan.arena_size, 384);
  EXPECT_EQ(plan.peak_live_bytes, 384);
}

// A -> B -> C: A and C never meet, so C reuses A's bytes; optimum = max live = 300.
TEST(MemoryPlan, ChainReusesTheDeadBuffer) {
  MemoryPlan plan = plan_ok({buf(100, 0, 1, {}, 1), buf(200, 1, 2, {}, 1), buf(100, 2, 3, {}, 1)});
  EXPECT_EQ(plan.arena_size, 300);
  EXPECT_EQ(plan.offsets[0], plan.offsets[2]);
}

// A linear network whose buffer i lives over steps [i, i + 1]: the optimum is the largest sum of
// two neighbours (an interval graph is perfect), here 512 + 128.
TEST(MemoryPlan, LinearNetworkReachesTheLowerBound) {
  const std::vector<int64_t> sizes = {64, 256, 128, 512, 64, 192};
  std::vector<BufferRequest> trace;
  for (int32_t i = 0; i < static_cast<int32_t>(sizes.size()); ++i) {
    trace.push_back(buf(sizes[i], i, i + 1));
  }
  MemoryPlan plan = plan_ok(trace);
  EXPECT_EQ(plan.peak_live_bytes, 640);
  EXPECT_EQ(plan.arena_size, 640);
  EXPECT_EQ(plan.sum_of_sizes, 1216);
}

// Residual block: x feeds conv1 and the add; the skip keeps x alive across the branch.
TEST(MemoryPlan, ResidualBlock) {
  // x[0,3] 256, conv1 out [1,2] 256, conv2 out [2,3] 256, add out [3,4] 256.
  MemoryPlan plan = plan_ok({buf(256, 0, 3), buf(256, 1, 2), buf(256, 2, 3), buf(256, 3, 4)});
  EXPECT_EQ(plan.arena_size, 768);  // three live at step 2 and at step 3
}

TEST(MemoryPlan, OffsetsHonourAlignment) {
  MemoryPlan plan = plan_ok({buf(3, 0, 1, {}, 1), buf(100, 0, 1, {}, 128), buf(5, 0, 1, {}, 16)});
  EXPECT_EQ(plan.offsets[1] % 128, 0);
  EXPECT_EQ(plan.offsets[2] % 16, 0);
}

TEST(MemoryPlan, ZeroSizeBuffersTakeNoSpace) {
  MemoryPlan plan = plan_ok({buf(0, 0, 5), buf(64, 0, 5), buf(0, 2, 3)});
  EXPECT_EQ(plan.arena_size, 64);
}

TEST(MemoryPlan, InPlaceHintIsHonoured) {
  // B = relu(A): A dies where B is defined. Without the hint both need their own bytes.
  MemoryPlan without = plan_ok({buf(256, 0, 1), buf(256, 1, 2)});
  EXPECT_EQ(without.arena_size, 512);
  MemoryPlan with = plan_ok({buf(256, 0, 1), buf(256, 1, 2, {0})});
  EXPECT_EQ(with.inplace_of[1], 0);
  EXPECT_EQ(with.offsets[1], with.offsets[0]);
  EXPECT_EQ(with.arena_size, 256);
  EXPECT_EQ(with.peak_live_bytes, 256);
}

TEST(MemoryPlan, InPlaceChainSharesOneOffset) {
  MemoryPlan plan = plan_ok({buf(256, 0, 1), buf(256, 1, 2, {0}), buf(128, 2, 3, {1})});
  EXPECT_EQ(plan.inplace_of[1], 0);
  EXPECT_EQ(plan.inplace_of[2], 1);
  EXPECT_EQ(plan.offsets[0], plan.offsets[2]);
  EXPECT_EQ(plan.arena_size, 256);
}

TEST(MemoryPlan, IllegalInPlaceHintsAreIgnored) {
  // Donor still live after the receiver's definition.
  MemoryPlan late = plan_ok({buf(256, 0, 2), buf(256, 1, 3, {0})});
  EXPECT_EQ(late.inplace_of[1], -1);
  EXPECT_EQ(late.arena_size, 512);
  // Receiver larger than the donor.
  MemoryPlan big = plan_ok({buf(128, 0, 1), buf(256, 1, 2, {0})});
  EXPECT_EQ(big.inplace_of[1], -1);
  // Donor defined at the same step (no earlier definition): refused, rules out cycles.
  MemoryPlan same = plan_ok({buf(64, 1, 1, {1}), buf(64, 1, 1, {0})});
  EXPECT_EQ(same.inplace_of[0], -1);
  EXPECT_EQ(same.inplace_of[1], -1);
  // Self-reference.
  EXPECT_EQ(plan_ok({buf(64, 0, 1, {0})}).inplace_of[0], -1);
}

TEST(MemoryPlan, DonorGoesToOneReceiverOnly) {
  // B and C both want A; B asks first (same step, lower index); C takes its second choice D.
  MemoryPlan plan =
      plan_ok({buf(256, 0, 1), buf(256, 1, 2, {0}), buf(256, 1, 2, {0, 3}), buf(256, 0, 1)});
  EXPECT_EQ(plan.inplace_of[1], 0);
  EXPECT_EQ(plan.inplace_of[2], 3);
  EXPECT_EQ(plan.arena_size, 512);
}

TEST(MemoryPlan, RejectsBadTraces) {
  EXPECT_FALSE(plan_memory({buf(-1, 0, 0)}).is_ok());
  EXPECT_FALSE(plan_memory({buf(64, 0, 0, {}, 48)}).is_ok());
  EXPECT_FALSE(plan_memory({buf(64, 0, 0, {}, 0)}).is_ok());
  EXPECT_FALSE(plan_memory({buf(64, 3, 2)}).is_ok());
  Expected<MemoryPlan> bad_hint = plan_memory({buf(64, 0, 1), buf(64, 1, 2, {7})});
  ASSERT_FALSE(bad_hint.is_ok());
  EXPECT_NE(bad_hint.status().message().find("buffer 1"), std::string::npos)
      << bad_hint.status().message();
}

TEST(ValidatePlan, CatchesOverlapMisalignmentAndBadInPlace) {
  const std::vector<BufferRequest> trace = {buf(128, 0, 2), buf(128, 1, 3)};
  MemoryPlan plan = plan_ok(trace);
  MemoryPlan overlap = plan;
  overlap.offsets[1] = overlap.offsets[0] + 64;
  overlap.arena_size = std::max(overlap.arena_size, overlap.offsets[1] + 128);
  EXPECT_FALSE(validate_plan(trace, overlap).is_ok());
  MemoryPlan misaligned = plan;
  misaligned.offsets[1] += 8;
  misaligned.arena_size += 8;
  EXPECT_FALSE(validate_plan(trace, misaligned).is_ok());
  MemoryPlan claimed = plan;  // claims in place but A is still live after B's definition
  claimed.inplace_of[1] = 0;
  claimed.offsets[1] = claimed.offsets[0];
  EXPECT_FALSE(validate_plan(trace, claimed).is_ok());
  MemoryPlan small = plan;
  small.arena_size = 128;
  EXPECT_FALSE(validate_plan(trace, small).is_ok());
}

TEST(PeakLiveBytes, CountsEachStep) {
  const std::vector<BufferRequest> trace = {buf(10, 0, 0, {}, 1), buf(20, 0, 1, {}, 1),
                                            buf(30, 2, 4, {}, 1), buf(5, 4, 9, {}, 1)};
  EXPECT_EQ(peak_live_bytes(trace, {}), 35);
}

}  // namespace
}  // namespace stitch::runtime
