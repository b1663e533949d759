// Byte-level I/O for the artifact files. Part of runtime/.
#include "runtime/binary_io.h"

#include <cstring>
#include <filesystem>
#include <fstream>

namespace stitch::runtime {

void ByteWriter::uint(uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) data_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void ByteWriter::raw(const void* data, size_t n) {
  if (n > 0) data_.append(static_cast<const char*>(data), n);
}

Status ByteReader::truncated(uint64_t needed, const char* field) const {
  return error(what_, " is truncated or corrupt: ", field, " needs ", needed, " bytes at offset ",
               pos_, ", only ", remaining(), " remain");
}

Status ByteReader::uint(uint64_t* v, int bytes, const char* field) {
  if (remaining() < static_cast<size_t>(bytes)) return truncated(bytes, field);
  uint64_t x = 0;
  for (int i = 0; i < bytes; ++i) x |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
  pos_ += bytes;
  *v = x;
  return Status::ok();
}

Status ByteReader::raw(void* out, size_t n, const char* field) {
  if (remaining() < n) return truncated(n, field);
  if (n > 0) std::memcpy(out, data_ + pos_, n);
  pos_ += n;
  return Status::ok();
}

Status ByteReader::check_count(uint64_t count, uint64_t min_bytes_each, const char* field) const {
  uint64_t each = min_bytes_each == 0 ? 1 : min_bytes_each;
  if (count > remaining() / each) {
    return error(what_, " is truncated or corrupt: ", field, " claims ", count,
                 " entries at offset ", pos_, ", only ", remaining(), " bytes remain");
  }
  return Status::ok();
}

uint64_t checksum64(const void* data, size_t n) {
  constexpr uint64_t kPrime = 0x100000001b3ull;
  uint64_t h = 0xcbf29ce484222325ull;
  const auto* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);  // host order: artifacts are read on the host kind they target
    h = (h ^ w) * kPrime;
    h ^= h >> 29;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * kPrime;
  return h ^ n;
}

Expected<uint64_t> regular_file_size(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return error("'", path, "' does not exist");
  if (!std::filesystem::is_regular_file(status)) return error("'", path, "' is not a file");
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return error("cannot read '", path, "': ", ec.message());
  return size;
}

Expected<std::string> read_whole_file(const std::string& path) {
  STITCH_ASSIGN_OR_RETURN(uint64_t size, regular_file_size(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return error("cannot open '", path, "'");
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    return error("cannot read '", path, "'");
  }
  return bytes;
}

Status write_whole_file(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return error("cannot create '", tmp, "'");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) return error("cannot write '", tmp, "' (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return error("cannot rename '", tmp, "' to '", path, "': ", ec.message());
  return Status::ok();
}

}  // namespace stitch::runtime
