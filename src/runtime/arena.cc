// Arena: one 64-byte-aligned allocation sized by the memory plan.
// Part of runtime/; sessions bind kernel buffers to offsets in it.
#include "runtime/arena.h"

#include <utility>

namespace stitch::runtime {

Expected<Arena> Arena::create(int64_t size_bytes) {
  Expected<AlignedBuffer> buffer = AlignedBuffer::allocate(size_bytes);
  if (!buffer) return buffer.status().with_context("arena");
  return Arena(std::move(buffer).value());
}

Expected<Arena> Arena::for_plan(const MemoryPlan& plan) { return create(plan.arena_size); }

std::byte* Arena::at(int64_t offset, int64_t size_bytes) {
  STITCH_CHECK(offset >= 0 && size_bytes >= 0 && offset <= size() - size_bytes, "range [", offset,
               ", +", size_bytes, ") outside an arena of ", size(), " bytes");
  return data() + offset;
}

std::byte* Arena::buffer(const MemoryPlan& plan, int32_t index) {
  STITCH_CHECK(index >= 0 && index < static_cast<int32_t>(plan.offsets.size()) &&
                   plan.sizes.size() == plan.offsets.size(),
               "buffer ", index);
  return at(plan.offsets[index], plan.sizes[index]);
}

}  // namespace stitch::runtime
