// Static memory planner: greedy-by-size best-fit placement of buffer lifetimes in one arena.
// Part of runtime/; the algorithm and its invariants are described in memory_plan.h.
#include "runtime/memory_plan.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>

namespace stitch::runtime {
namespace {

// A set of buffers that share one offset: a chain of granted in-place hints, or one buffer.
struct Block {
  int64_t size = 0;
  int64_t alignment = 1;
  int32_t first_use = 0;
  int32_t last_use = 0;
  int64_t offset = -1;
};

bool is_power_of_two(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

int64_t align_up(int64_t x, int64_t alignment) {
  return (x + alignment - 1) / alignment * alignment;
}

bool lifetimes_overlap(int32_t a_first, int32_t a_last, int32_t b_first, int32_t b_last) {
  return a_first <= b_last && b_first <= a_last;
}

// Sizes are capped so that sums and aligned offsets cannot overflow int64.
constexpr int64_t kMaxBytes = int64_t{1} << 56;

Status check_trace(const std::vector<BufferRequest>& buffers) {
  const int64_t n = static_cast<int64_t>(buffers.size());
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const BufferRequest& b = buffers[i];
    if (b.size < 0 || b.size > kMaxBytes) return error("buffer ", i, ": bad size ", b.size);
    if (!is_power_of_two(b.alignment) || b.alignment > kMaxBytes) {
      return error("buffer ", i, ": alignment ", b.alignment, " is not a power of two");
    }
    if (b.first_use > b.last_use) {
      return error("buffer ", i, ": first use ", b.first_use, " after last use ", b.last_use);
    }
    for (int32_t c : b.inplace_candidates) {
      if (c < 0 || c >= n) return error("buffer ", i, ": in-place candidate ", c, " out of range");
    }
    total += b.size + b.alignment;
    if (total > kMaxBytes) return error("trace needs more than ", kMaxBytes, " bytes");
  }
  return Status::ok();
}

bool inplace_legal(const BufferRequest& donor, const BufferRequest& receiver) {
  return donor.size > 0 && receiver.size > 0 && donor.last_use == receiver.first_use &&
         donor.first_use < receiver.first_use && receiver.size <= donor.size;
}

// Grants in-place hints in order of definition (see the header for the rules). Returns the
// donor of each buffer, or -1.
std::vector<int32_t> resolve_inplace(const std::vector<BufferRequest>& buffers) {
  const int32_t n = static_cast<int32_t>(buffers.size());
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return buffers[a].first_use < buffers[b].first_use;
  });
  std::vector<int32_t> inplace_of(n, -1);
  std::vector<bool> donated(n, false);
  for (int32_t receiver : order) {
    for (int32_t donor : buffers[receiver].inplace_candidates) {
      if (donor == receiver || donated[donor]) continue;
      if (!inplace_legal(buffers[donor], buffers[receiver])) continue;
      inplace_of[receiver] = donor;
      donated[donor] = true;
      break;
    }
  }
  return inplace_of;
}

// Groups chains into blocks. Donors precede their receivers in first_use, so visiting buffers
// in that order sees a donor's block before its receiver joins it.
std::vector<Block> build_blocks(const std::vector<BufferRequest>& buffers,
                                const std::vector<int32_t>& inplace_of,
                                std::vector<int32_t>& block_of) {
  const int32_t n = static_cast<int32_t>(buffers.size());
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return buffers[a].first_use < buffers[b].first_use;
  });
  std::vector<Block> blocks;
  block_of.assign(n, -1);
  for (int32_t i : order) {
    const BufferRequest& b = buffers[i];
    if (b.size == 0) continue;  // zero-size buffers sit at offset 0 and join no block
    if (inplace_of[i] < 0) {
      block_of[i] = static_cast<int32_t>(blocks.size());
      blocks.push_back(Block{b.size, b.alignment, b.first_use, b.last_use});
      continue;
    }
    Block& block = blocks[block_of[inplace_of[i]]];
    block_of[i] = block_of[inplace_of[i]];
    block.size = std::max(block.size, b.size);
    block.alignment = std::max(block.alignment, b.alignment);
    block.last_use = std::max(block.last_use, b.last_use);
  }
  return blocks;
}

// Best-fit offset for `block` among the placed blocks whose lifetimes conflict with it.
int64_t best_fit_offset(const Block& block, const std::vector<Block>& blocks,
                        const std::vector<int32_t>& placed) {
  std::vector<std::pair<int64_t, int64_t>> taken;  // [offset, end) of conflicting blocks
  for (int32_t p : placed) {
    const Block& other = blocks[p];
    if (lifetimes_overlap(block.first_use, block.last_use, other.first_use, other.last_use)) {
      taken.emplace_back(other.offset, other.offset + other.size);
    }
  }
  std::sort(taken.begin(), taken.end());
  int64_t best = -1;
  int64_t best_gap = std::numeric_limits<int64_t>::max();
  int64_t prev_end = 0;  // end of everything taken below the gap being looked at
  for (const auto& [begin, end] : taken) {
    const int64_t candidate = align_up(prev_end, block.alignment);
    if (candidate + block.size <= begin && begin - prev_end < best_gap) {
      best_gap = begin - prev_end;
      best = candidate;
    }
    prev_end = std::max(prev_end, end);
  }
  return best >= 0 ? best : align_up(prev_end, block.alignment);
}

void place_blocks(std::vector<Block>& blocks) {
  std::vector<int32_t> order(blocks.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first; ties by start time so the result does not depend on the sort's whims.
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    if (blocks[a].size != blocks[b].size) return blocks[a].size > blocks[b].size;
    return blocks[a].first_use < blocks[b].first_use;
  });
  std::vector<int32_t> placed;
  placed.reserve(blocks.size());
  for (int32_t b : order) {
    blocks[b].offset = best_fit_offset(blocks[b], blocks, placed);
    placed.push_back(b);
  }
}

}  // namespace

Expected<MemoryPlan> plan_memory(const std::vector<BufferRequest>& buffers) {
  STITCH_RETURN_IF_ERROR(check_trace(buffers).with_context("memory plan"));
  MemoryPlan plan;
  plan.inplace_of = resolve_inplace(buffers);
  std::vector<int32_t> block_of;
  std::vector<Block> blocks = build_blocks(buffers, plan.inplace_of, block_of);
  place_blocks(blocks);
  plan.offsets.assign(buffers.size(), 0);
  plan.sizes.reserve(buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (block_of[i] >= 0) plan.offsets[i] = blocks[block_of[i]].offset;
    plan.sizes.push_back(buffers[i].size);
    plan.sum_of_sizes += buffers[i].size;
  }
  for (const Block& block : blocks) {
    plan.arena_size = std::max(plan.arena_size, block.offset + block.size);
  }
  plan.peak_live_bytes = peak_live_bytes(buffers, plan.inplace_of);
  return plan;
}

int64_t peak_live_bytes(const std::vector<BufferRequest>& buffers,
                        const std::vector<int32_t>& inplace_of) {
  // Sweep over (step, delta) events; all events of a step apply before the maximum is taken.
  std::vector<std::pair<int64_t, int64_t>> events;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const BufferRequest& b = buffers[i];
    // A buffer sharing its donor's storage adds no bytes at the step where both are live.
    const bool shares = i < inplace_of.size() && inplace_of[i] >= 0;
    const int64_t first = int64_t{b.first_use} + (shares ? 1 : 0);
    if (b.size == 0 || first > b.last_use) continue;
    events.emplace_back(first, b.size);
    events.emplace_back(int64_t{b.last_use} + 1, -b.size);
  }
  std::sort(events.begin(), events.end());
  int64_t live = 0;
  int64_t peak = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    live += events[i].second;
    if (i + 1 == events.size() || events[i + 1].first != events[i].first) {
      peak = std::max(peak, live);
    }
  }
  return peak;
}

namespace {

// Checks one buffer on its own: alignment, bounds, and the in-place contract with its donor.
Status validate_buffer(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan,
                       size_t i) {
  const BufferRequest& b = buffers[i];
  const int64_t offset = plan.offsets[i];
  if (plan.sizes[i] != b.size) return error("buffer ", i, ": plan size differs from the trace");
  if (offset < 0 || offset % b.alignment != 0) {
    return error("buffer ", i, ": offset ", offset, " not aligned to ", b.alignment);
  }
  if (b.size > 0 && offset + b.size > plan.arena_size) {
    return error("buffer ", i, ": [", offset, ", ", offset + b.size, ") outside the arena of ",
                 plan.arena_size, " bytes");
  }
  const int32_t donor = plan.inplace_of[i];
  if (donor < 0) return Status::ok();
  if (donor >= static_cast<int32_t>(buffers.size()) || donor == static_cast<int32_t>(i)) {
    return error("buffer ", i, ": bad in-place donor ", donor);
  }
  const BufferRequest& d = buffers[donor];
  if (d.last_use != b.first_use || d.first_use >= b.first_use) {
    return error("buffer ", i, ": in place of buffer ", donor, " whose lifetime [", d.first_use,
                 ", ", d.last_use, "] does not end where it starts at ", b.first_use);
  }
  if (offset < plan.offsets[donor] || offset + b.size > plan.offsets[donor] + d.size) {
    return error("buffer ", i, ": in place of buffer ", donor, " but not inside its storage");
  }
  return Status::ok();
}

// Byte-overlapping buffers i and j may share a step only at an in-place hand-over.
bool may_share_bytes(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan, size_t i,
                     size_t j) {
  const BufferRequest& a = buffers[i];
  const BufferRequest& b = buffers[j];
  if (!lifetimes_overlap(a.first_use, a.last_use, b.first_use, b.last_use)) return true;
  return (plan.inplace_of[j] == static_cast<int32_t>(i) && a.last_use == b.first_use) ||
         (plan.inplace_of[i] == static_cast<int32_t>(j) && b.last_use == a.first_use);
}

}  // namespace

Status validate_plan(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan) {
  if (plan.offsets.size() != buffers.size() || plan.inplace_of.size() != buffers.size() ||
      plan.sizes.size() != buffers.size()) {
    return error("memory plan has ", plan.offsets.size(), " offsets for ", buffers.size(),
                 " buffers");
  }
  std::vector<size_t> by_offset;
  for (size_t i = 0; i < buffers.size(); ++i) {
    STITCH_RETURN_IF_ERROR(validate_buffer(buffers, plan, i));
    if (buffers[i].size > 0) by_offset.push_back(i);
  }
  // Sweep in address order: every buffer that overlaps i's bytes and starts at or after i
  // starts before i ends, so the inner loop sees each overlapping pair exactly once.
  std::sort(by_offset.begin(), by_offset.end(),
            [&](size_t a, size_t b) { return plan.offsets[a] < plan.offsets[b]; });
  for (size_t x = 0; x < by_offset.size(); ++x) {
    const size_t i = by_offset[x];
    const int64_t end = plan.offsets[i] + buffers[i].size;
    for (size_t y = x + 1; y < by_offset.size() && plan.offsets[by_offset[y]] < end; ++y) {
      const size_t j = by_offset[y];
      if (!may_share_bytes(buffers, plan, i, j)) {
        return error("buffers ", i, " and ", j, " are live at the same step and share bytes");
      }
    }
  }
  return Status::ok();
}

}  // namespace stitch::runtime
