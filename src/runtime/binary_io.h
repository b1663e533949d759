// Little-endian byte writing and bounds-checked reading for the artifact's binary files, a
// checksum, and whole-file helpers. Part of runtime/; plan_serialization and constants_file
// build on it. Every read says what it was reading and where, so a truncated or corrupt
// artifact gives an error that names the file and the field, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/status.h"

namespace stitch::runtime {

class ByteWriter {
 public:
  // The `bytes` low bytes of `v`, least significant first.
  void uint(uint64_t v, int bytes);
  void raw(const void* data, size_t n);
  void zeros(size_t n) { data_.append(n, '\0'); }
  size_t size() const { return data_.size(); }
  const std::string& data() const { return data_; }
  std::string take() { return std::move(data_); }

 private:
  std::string data_;
};

class ByteReader {
 public:
  // `what` names the file in errors.
  ByteReader(const void* data, size_t size, std::string what)
      : data_(static_cast<const std::byte*>(data)), size_(size), what_(std::move(what)) {}

  // A little-endian unsigned value of `bytes` bytes; `field` names it in the error.
  Status uint(uint64_t* v, int bytes, const char* field);
  Status raw(void* out, size_t n, const char* field);
  // Fails unless `count` items of at least `min_bytes_each` bytes can still follow: checked
  // before a container of that size is allocated, so a corrupt length cannot exhaust memory.
  Status check_count(uint64_t count, uint64_t min_bytes_each, const char* field) const;

  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  const std::string& what() const { return what_; }

 private:
  Status truncated(uint64_t needed, const char* field) const;

  const std::byte* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string what_;
};

// A 64-bit checksum (FNV-1a over 8-byte words, then the tail bytes): detects corruption, not
// tampering.
uint64_t checksum64(const void* data, size_t n);

// The size of a regular file; an error naming the path if it is missing or not a file.
Expected<uint64_t> regular_file_size(const std::string& path);
Expected<std::string> read_whole_file(const std::string& path);
// Writes `bytes` to `path` through a temporary file renamed over it, so a reader never sees half
// a file.
Status write_whole_file(const std::string& path, std::string_view bytes);

}  // namespace stitch::runtime
