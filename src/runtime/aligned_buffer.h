// AlignedBuffer: one owned, 64-byte-aligned block of bytes (cache line and AVX-512 vector).
// Part of runtime/; the arena and the constant pool are built on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "support/status.h"

namespace stitch::runtime {

inline constexpr int64_t kBufferAlignment = 64;
// Buffers of at least kHugePageMinBytes start on a huge page boundary and ask for huge pages.
inline constexpr int64_t kHugePageBytes = int64_t{2} << 20;
inline constexpr int64_t kHugePageMinBytes = 2 * kHugePageBytes;

class AlignedBuffer {
 public:
  // Allocates size_bytes (>= 0) bytes, uninitialized. Errors: negative size, out of memory.
  // A zero-size buffer still has a valid, aligned, non-null data().
  static Expected<AlignedBuffer> allocate(int64_t size_bytes);

  AlignedBuffer() = default;
  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  int64_t size() const { return size_; }

 private:
  struct FreeDeleter {
    void operator()(std::byte* p) const;
  };
  std::unique_ptr<std::byte, FreeDeleter> data_;
  int64_t size_ = 0;
};

}  // namespace stitch::runtime
