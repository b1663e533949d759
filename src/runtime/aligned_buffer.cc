// AlignedBuffer: owned 64-byte-aligned bytes from std::aligned_alloc.
// Part of runtime/; the arena and the constant pool are built on it.
#include "runtime/aligned_buffer.h"

#include <algorithm>
#include <cstdlib>

namespace stitch::runtime {

void AlignedBuffer::FreeDeleter::operator()(std::byte* p) const { std::free(p); }

Expected<AlignedBuffer> AlignedBuffer::allocate(int64_t size_bytes) {
  // Beyond any 64-bit machine's user address space (2^47 to 2^48 bytes with 4-level paging);
  // refusing here keeps absurd sizes (a corrupt artifact) from reaching the allocator.
  constexpr int64_t kMax = int64_t{1} << 48;
  if (size_bytes < 0 || size_bytes > kMax) return error("bad buffer size ", size_bytes);
  // aligned_alloc wants a multiple of the alignment; zero rounds up to one line so that data()
  // is never null.
  const int64_t rounded = std::max<int64_t>(
      kBufferAlignment, (size_bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment);
  void* p = std::aligned_alloc(kBufferAlignment, static_cast<size_t>(rounded));
  if (p == nullptr) return error("out of memory allocating ", size_bytes, " bytes");
  AlignedBuffer buffer;
  buffer.data_.reset(static_cast<std::byte*>(p));
  buffer.size_ = size_bytes;
  return buffer;
}

}  // namespace stitch::runtime
