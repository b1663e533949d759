// ConstantPool: owner of the named read-only blobs that sessions share.
// Part of runtime/; filled at load time, frozen before the first session runs.
#include "runtime/constant_pool.h"

#include <cstring>
#include <utility>

namespace stitch::runtime {

Expected<int32_t> ConstantPool::allocate(std::string name, int64_t size_bytes) {
  const std::string context = "constant '" + name + "'";
  if (frozen_) return error(context, ": the constant pool is frozen");
  if (name.empty()) return error("constant pool: empty name");
  if (ids_.count(name) != 0) return error(context, ": name already in the constant pool");
  Expected<AlignedBuffer> bytes = AlignedBuffer::allocate(size_bytes);
  if (!bytes) return bytes.status().with_context(context);
  const int32_t id = static_cast<int32_t>(blobs_.size());
  ids_.emplace(name, id);
  blobs_.push_back(Blob{std::move(name), std::move(bytes).value()});
  total_bytes_ += size_bytes;
  return id;
}

Expected<int32_t> ConstantPool::add(std::string name, const void* bytes, int64_t size_bytes) {
  if (bytes == nullptr && size_bytes > 0) return error("constant '", name, "': no data");
  STITCH_ASSIGN_OR_RETURN(const int32_t id, allocate(std::move(name), size_bytes));
  if (size_bytes > 0) std::memcpy(blobs_[id].bytes.data(), bytes, static_cast<size_t>(size_bytes));
  return id;
}

int32_t ConstantPool::find(std::string_view name) const {
  // Lookups happen at load time; a temporary string beats a transparent hasher for clarity.
  auto it = ids_.find(std::string(name));
  return it == ids_.end() ? kNotFound : it->second;
}

const ConstantPool::Blob& ConstantPool::blob(int32_t id) const {
  STITCH_CHECK(id >= 0 && id < size(), "constant id ", id, " of ", size());
  return blobs_[id];
}

const std::byte* ConstantPool::data(int32_t id) const { return blob(id).bytes.data(); }

int64_t ConstantPool::size_bytes(int32_t id) const { return blob(id).bytes.size(); }

const std::string& ConstantPool::name(int32_t id) const { return blob(id).name; }

std::byte* ConstantPool::mutable_data(int32_t id) {
  STITCH_CHECK(!frozen_, "constant '", blob(id).name, "' written after freeze()");
  return blobs_[id].bytes.data();
}

}  // namespace stitch::runtime
