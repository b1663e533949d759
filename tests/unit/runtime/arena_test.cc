// Tests of the arena: alignment, errors, and a planned arena that keeps every buffer's bytes
// intact from definition to last use when a trace is replayed on it.
// Part of tests/unit/runtime.
#include "runtime/arena.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "runtime/aligned_buffer.h"

namespace stitch::runtime {
namespace {

bool aligned64(const void* p) { return reinterpret_cast<uintptr_t>(p) % 64 == 0; }

TEST(Arena, IsOneAlignedAllocation) {
  Expected<Arena> arena = Arena::create(1000);
  ASSERT_TRUE(arena.is_ok()) << arena.status().message();
  EXPECT_EQ(arena->size(), 1000);
  EXPECT_TRUE(aligned64(arena->data()));
  std::memset(arena->data(), 0xAB, 1000);
  EXPECT_EQ(arena->at(999, 1)[0], std::byte{0xAB});
}

// The VmFlags of the mapping that holds `p` in /proc/self/smaps ("" if not found).
std::string vm_flags_of(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto addr = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= addr && addr < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

// Buffers of 4 MiB and more start on a 2 MiB boundary and are advised as huge pages (the
// VmFlags "hg" of their mapping), where the kernel has transparent huge pages at all; smaller
// ones are only 64-byte aligned and not advised.
TEST(AlignedBuffer, LargeBuffersAskForHugePages) {
  Expected<AlignedBuffer> big = AlignedBuffer::allocate(9 * 1024 * 1024 + 100);
  ASSERT_TRUE(big.is_ok()) << big.status().message();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big->data()) % kHugePageBytes, 0u);
  std::memset(big->data(), 1, static_cast<size_t>(big->size()));  // usable to its last byte
  Expected<AlignedBuffer> small = AlignedBuffer::allocate(100 * 1024);
  ASSERT_TRUE(small.is_ok());
  EXPECT_TRUE(aligned64(small->data()));
#if defined(__linux__)
  if (std::filesystem::exists("/sys/kernel/mm/transparent_hugepage")) {
    EXPECT_NE(vm_flags_of(big->data()).find(" hg"), std::string::npos) << vm_flags_of(big->data());
  }
#endif
}

TEST(Arena, ZeroSizeHasAValidPointer) {
  Expected<Arena> arena = Arena::create(0);
  ASSERT_TRUE(arena.is_ok());
  EXPECT_NE(arena->data(), nullptr);
  EXPECT_TRUE(aligned64(arena->data()));
}

TEST(Arena, RejectsBadSizes) {
  Expected<Arena> negative = Arena::create(-5);
  ASSERT_FALSE(negative.is_ok());
  EXPECT_NE(negative.status().message().find("arena"), std::string::npos);
  EXPECT_FALSE(Arena::create(int64_t{1} << 62).is_ok());  // more than any machine has
}

TEST(ArenaDeathTest, OutOfRangeAccessIsABug) {
  Expected<Arena> arena = Arena::create(64);
  ASSERT_TRUE(arena.is_ok());
  EXPECT_DEATH(arena->at(32, 64), "outside an arena");
}

// True when buffer i still holds its pattern.
bool intact(Arena& arena, const MemoryPlan& plan, int i) {
  const std::byte* p = arena.buffer(plan, i);
  for (int64_t k = 0; k < plan.sizes[i]; ++k) {
    if (p[k] != std::byte(i)) return false;
  }
  return true;
}

// Replays random traces like kernels would: at step t, every buffer live from before t must be
// intact (inputs are read); then the buffers defined at t are written (an in-place output
// overwrites its dying donor); afterwards the new buffers and every buffer that outlives t must
// be intact. An overlap the plan allowed by mistake shows as a clobbered pattern.
TEST(Arena, ReplayedTracesKeepEveryBufferIntact) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    const int n = std::uniform_int_distribution<int>(1, 40)(rng);
    std::vector<BufferRequest> trace(n);
    for (int i = 0; i < n; ++i) {
      trace[i].size = std::uniform_int_distribution<int64_t>(1, 300)(rng);
      trace[i].alignment = int64_t{1} << std::uniform_int_distribution<int>(0, 6)(rng);
      trace[i].first_use = std::uniform_int_distribution<int>(0, 20)(rng);
      trace[i].last_use = trace[i].first_use + std::uniform_int_distribution<int>(0, 5)(rng);
      for (int j = 0; j < n; ++j) {  // every buffer dying at our definition may donate
        if (j != i) trace[i].inplace_candidates.push_back(j);
      }
    }
    Expected<MemoryPlan> plan = plan_memory(trace);
    ASSERT_TRUE(plan.is_ok());
    Expected<Arena> arena = Arena::for_plan(*plan);
    ASSERT_TRUE(arena.is_ok());
    for (int step = 0; step <= 25; ++step) {
      for (int i = 0; i < n; ++i) {
        if (trace[i].first_use < step && step <= trace[i].last_use) {
          ASSERT_TRUE(intact(*arena, *plan, i)) << "round " << round << " input " << i;
        }
      }
      for (int i = 0; i < n; ++i) {
        if (trace[i].first_use != step) continue;
        std::byte* p = arena->buffer(*plan, i);
        EXPECT_TRUE(reinterpret_cast<uintptr_t>(p) % trace[i].alignment == 0);
        std::memset(p, i, trace[i].size);
      }
      for (int i = 0; i < n; ++i) {
        if (trace[i].first_use == step || (trace[i].first_use < step && step < trace[i].last_use)) {
          ASSERT_TRUE(intact(*arena, *plan, i)) << "round " << round << " output " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace stitch::runtime
