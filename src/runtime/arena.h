// Arena: the one allocation that holds every intermediate tensor of a session, laid out by the
// static memory plan. Part of runtime/; a session owns one and binds kernel buffers into it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/aligned_buffer.h"
#include "runtime/memory_plan.h"
#include "support/status.h"

namespace stitch::runtime {

class Arena {
 public:
  // One 64-byte-aligned allocation of size_bytes. Errors: negative size, out of memory.
  static Expected<Arena> create(int64_t size_bytes);
  // An arena of plan.arena_size bytes; plan offsets (aligned to <= 64 bytes) stay aligned.
  static Expected<Arena> for_plan(const MemoryPlan& plan);

  Arena() = default;
  std::byte* data() { return buffer_.data(); }
  const std::byte* data() const { return buffer_.data(); }
  int64_t size() const { return buffer_.size(); }

  // The storage at `offset` for `size_bytes` bytes; the range must lie inside the arena (a
  // plan that validate_plan accepted guarantees it; violations are bugs and abort).
  std::byte* at(int64_t offset, int64_t size_bytes);
  // The storage of buffer `index` of `plan`.
  std::byte* buffer(const MemoryPlan& plan, int32_t index);

 private:
  explicit Arena(AlignedBuffer buffer) : buffer_(std::move(buffer)) {}
  AlignedBuffer buffer_;
};

}  // namespace stitch::runtime
