// Property tests of the memory planner over seeded random traces: plans are valid (checked by
// validate_plan and by a brute-force check that shares no code with it) and within bounds.
// Part of tests/unit/runtime; prints the average arena / lower-bound ratio.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "runtime/memory_plan.h"

namespace stitch::runtime {
namespace {

constexpr int kTraces = 2500;

// A random trace; with `uniform` every buffer is 64-aligned with a size that is a multiple of 64
// (then the plan must fit in the plain sum of sizes).
std::vector<BufferRequest> random_trace(std::mt19937_64& rng, bool uniform) {
  const int n = std::uniform_int_distribution<int>(1, 60)(rng);
  const int steps = std::uniform_int_distribution<int>(1, 40)(rng);
  std::vector<BufferRequest> trace(n);
  for (BufferRequest& b : trace) {
    b.first_use = std::uniform_int_distribution<int>(0, steps - 1)(rng);
    const int span = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? steps : 4;
    b.last_use =
        std::min(steps - 1, b.first_use + std::uniform_int_distribution<int>(0, span)(rng));
    if (uniform) {
      b.alignment = 64;
      b.size = 64 * std::uniform_int_distribution<int64_t>(0, 64)(rng);
    } else {
      b.alignment = int64_t{1} << std::uniform_int_distribution<int>(0, 7)(rng);
      b.size = std::uniform_int_distribution<int64_t>(0, 5000)(rng);
    }
  }
  // Hints: half the buffers name a random earlier-dying buffer (legal or not) as a donor.
  for (int i = 0; i < n; ++i) {
    if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) continue;
    trace[i].inplace_candidates.push_back(std::uniform_int_distribution<int>(0, n - 1)(rng));
    for (int j = 0; j < n; ++j) {
      if (trace[j].last_use == trace[i].first_use) trace[i].inplace_candidates.push_back(j);
    }
  }
  return trace;
}

// Independent check: every pair live at a common step either is byte-disjoint or is a granted
// in-place pair at the donor's last step.
bool brute_force_valid(const std::vector<BufferRequest>& t, const MemoryPlan& p) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (p.offsets[i] % t[i].alignment != 0 || p.offsets[i] + t[i].size > p.arena_size) {
      return false;
    }
    for (size_t j = 0; j < i; ++j) {
      const bool same_time =
          std::max(t[i].first_use, t[j].first_use) <= std::min(t[i].last_use, t[j].last_use);
      const bool same_bytes = t[i].size > 0 && t[j].size > 0 &&
                              std::max(p.offsets[i], p.offsets[j]) <
                                  std::min(p.offsets[i] + t[i].size, p.offsets[j] + t[j].size);
      const bool handover =
          (p.inplace_of[i] == static_cast<int32_t>(j) && t[j].last_use == t[i].first_use) ||
          (p.inplace_of[j] == static_cast<int32_t>(i) && t[i].last_use == t[j].first_use);
      if (same_time && same_bytes && !handover) return false;
    }
  }
  return true;
}

int64_t aligned_sum(const std::vector<BufferRequest>& trace) {
  int64_t max_alignment = 1;
  for (const BufferRequest& b : trace) max_alignment = std::max(max_alignment, b.alignment);
  int64_t sum = 0;
  for (const BufferRequest& b : trace) {
    sum += (b.size + max_alignment - 1) / max_alignment * max_alignment;
  }
  return sum;
}

// Moves one buffer onto another that is live with it: both validators must object.
void expect_corruption_caught(const std::vector<BufferRequest>& trace, MemoryPlan plan) {
  for (size_t i = 0; i < trace.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const BufferRequest& a = trace[i];
      const BufferRequest& b = trace[j];
      if (a.size == 0 || b.size == 0 || a.alignment > b.alignment) continue;
      if (a.first_use > b.last_use || b.first_use > a.last_use) continue;
      if (plan.inplace_of[i] >= 0 || plan.inplace_of[j] >= 0) continue;
      plan.offsets[i] = plan.offsets[j];
      plan.arena_size = std::max(plan.arena_size, plan.offsets[i] + a.size);
      EXPECT_FALSE(validate_plan(trace, plan).is_ok());
      EXPECT_FALSE(brute_force_valid(trace, plan));
      return;
    }
  }
}

TEST(MemoryPlanProperty, RandomTracesArePlannedValidlyAndTightly) {
  std::mt19937_64 rng(20240611);
  double ratio_sum = 0;
  double ratio_max = 1;
  int ratio_count = 0;
  int granted = 0;
  for (int trace_index = 0; trace_index < kTraces; ++trace_index) {
    const bool uniform = trace_index % 2 == 0;
    const std::vector<BufferRequest> trace = random_trace(rng, uniform);
    Expected<MemoryPlan> plan = plan_memory(trace);
    ASSERT_TRUE(plan.is_ok()) << plan.status().message();
    Status valid = validate_plan(trace, *plan);
    ASSERT_TRUE(valid.is_ok()) << "trace " << trace_index << ": " << valid.message();
    ASSERT_TRUE(brute_force_valid(trace, *plan)) << "trace " << trace_index;
    ASSERT_GE(plan->arena_size, plan->peak_live_bytes) << "trace " << trace_index;
    ASSERT_LE(plan->arena_size, aligned_sum(trace)) << "trace " << trace_index;
    if (uniform) {
      ASSERT_LE(plan->arena_size, plan->sum_of_sizes) << "trace " << trace_index;
    }
    if (plan->peak_live_bytes > 0) {
      const double ratio = static_cast<double>(plan->arena_size) / plan->peak_live_bytes;
      ratio_sum += ratio;
      ratio_max = std::max(ratio_max, ratio);
      ++ratio_count;
    }
    granted += static_cast<int>(std::count_if(plan->inplace_of.begin(), plan->inplace_of.end(),
                                              [](int32_t d) { return d >= 0; }));
    expect_corruption_caught(trace, *plan);
  }
  std::printf(
      "[memory plan] %d random traces: arena / lower bound average %.4f, worst %.4f; "
      "%d in-place hints granted\n",
      kTraces, ratio_sum / std::max(1, ratio_count), ratio_max, granted);
}

}  // namespace
}  // namespace stitch::runtime
