// ConstantPool: named, 64-byte-aligned, read-only blobs (weights, pre-packed weights, folded
// scales) that every session of a loaded model shares. Part of runtime/; the loader fills it
// and runs the init kernels into it once, then freezes it; kernels read blobs by id.
//
// Life cycle: while open, blobs are added (copied in, or allocated for an init kernel to write
// through mutable_data). freeze() ends that; afterwards the pool is immutable, so any number
// of sessions on any threads may read it without locks. Ids are dense, in order of addition.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/aligned_buffer.h"
#include "support/status.h"

namespace stitch::runtime {

class ConstantPool {
 public:
  static constexpr int32_t kNotFound = -1;

  // Copies size_bytes from `bytes` into a new blob; returns its id. Errors: the pool is frozen,
  // the name is empty or already used, the size is negative, out of memory.
  Expected<int32_t> add(std::string name, const void* bytes, int64_t size_bytes);
  // A new uninitialized blob for an init kernel to fill through mutable_data before freeze().
  Expected<int32_t> allocate(std::string name, int64_t size_bytes);
  // Makes the pool read-only (mutable_data and adding are then bugs or errors).
  void freeze() { frozen_ = true; }
  bool frozen() const { return frozen_; }

  // The id of the blob called `name`, or kNotFound.
  int32_t find(std::string_view name) const;
  int32_t size() const { return static_cast<int32_t>(blobs_.size()); }
  int64_t total_bytes() const { return total_bytes_; }

  // Accessors by id; an id not returned by this pool is a bug (checked).
  const std::byte* data(int32_t id) const;
  int64_t size_bytes(int32_t id) const;
  const std::string& name(int32_t id) const;
  std::byte* mutable_data(int32_t id);  // only before freeze()

 private:
  struct Blob {
    std::string name;
    AlignedBuffer bytes;
  };
  const Blob& blob(int32_t id) const;

  std::vector<Blob> blobs_;
  std::unordered_map<std::string, int32_t> ids_;
  int64_t total_bytes_ = 0;
  bool frozen_ = false;
};

}  // namespace stitch::runtime
