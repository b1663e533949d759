// AlignedBuffer: owned 64-byte-aligned bytes from posix_memalign; large buffers on huge pages.
// Part of runtime/; the arena and the constant pool are built on it.
#include "runtime/aligned_buffer.h"

#include <algorithm>
#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace stitch::runtime {

void AlignedBuffer::FreeDeleter::operator()(std::byte* p) const { std::free(p); }

Expected<AlignedBuffer> AlignedBuffer::allocate(int64_t size_bytes) {
  // Beyond any 64-bit machine's user address space (2^47 to 2^48 bytes with 4-level paging);
  // refusing here keeps absurd sizes (a corrupt artifact) from reaching the allocator.
  constexpr int64_t kMax = int64_t{1} << 48;
  if (size_bytes < 0 || size_bytes > kMax) return error("bad buffer size ", size_bytes);
  // Zero rounds up to one line so that data() is never null.
  const int64_t rounded = std::max<int64_t>(
      kBufferAlignment, (size_bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment);
  // Weights and the arena are streamed through on every run. On 4 KiB pages a 9 MiB weight is
  // 2300 TLB entries, more than the second-level TLB holds, and the hardware prefetcher starts
  // over at every page; on 2 MiB pages it is 5. Such buffers are aligned to a huge page and
  // advised as huge (Linux's transparent huge pages in `madvise` mode, the common default,
  // back only advised ranges; in `never` mode the advice does nothing).
  const bool huge = rounded >= kHugePageMinBytes;
  void* p = nullptr;
  if (posix_memalign(&p, static_cast<size_t>(huge ? kHugePageBytes : kBufferAlignment),
                     static_cast<size_t>(rounded)) != 0) {
    p = nullptr;
  }
  if (p == nullptr) return error("out of memory allocating ", size_bytes, " bytes");
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Whole huge pages only: the tail stays on small pages rather than rounding every buffer up
  // to 2 MiB of memory. Advice is a hint; its failure changes nothing but speed.
  if (huge)
    madvise(p, static_cast<size_t>(rounded / kHugePageBytes * kHugePageBytes), MADV_HUGEPAGE);
#endif
  AlignedBuffer buffer;
  buffer.data_.reset(static_cast<std::byte*>(p));
  buffer.size_ = size_bytes;
  return buffer;
}

}  // namespace stitch::runtime
