// constants.bin writing and reading. Part of runtime/.
#include "runtime/constants_file.h"

#include <cstring>
#include <fstream>
#include <vector>

#include "runtime/aligned_buffer.h"
#include "runtime/binary_io.h"

namespace stitch::runtime {
namespace {

constexpr uint64_t kHeaderBytes = 32;
constexpr uint64_t kEntryFixedBytes = 32;  // name length, offset, size, checksum

uint64_t align_up(uint64_t n) {
  const uint64_t a = static_cast<uint64_t>(kBufferAlignment);
  return (n + a - 1) / a * a;
}

struct Entry {
  std::string name;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t checksum = 0;
};

Expected<std::vector<Entry>> parse_table(std::string_view table, const std::string& what) {
  ByteReader in(table.data(), table.size(), what);
  uint64_t count = 0;
  STITCH_RETURN_IF_ERROR(in.uint(&count, 8, "the number of constants"));
  STITCH_RETURN_IF_ERROR(in.check_count(count, kEntryFixedBytes, "the constant table"));
  std::vector<Entry> entries(count);
  for (Entry& e : entries) {
    uint64_t name_size = 0;
    STITCH_RETURN_IF_ERROR(in.uint(&name_size, 8, "a constant's name length"));
    STITCH_RETURN_IF_ERROR(in.check_count(name_size, 1, "a constant's name"));
    e.name.resize(name_size);
    STITCH_RETURN_IF_ERROR(in.raw(e.name.data(), name_size, "a constant's name"));
    STITCH_RETURN_IF_ERROR(in.uint(&e.offset, 8, "a constant's offset"));
    STITCH_RETURN_IF_ERROR(in.uint(&e.size, 8, "a constant's size"));
    STITCH_RETURN_IF_ERROR(in.uint(&e.checksum, 8, "a constant's checksum"));
  }
  if (in.remaining() != 0) return error(what, " is corrupt: bytes left after the constant table");
  return entries;
}

Status check_entry(const Entry& e, uint64_t data_start, uint64_t file_size,
                   const std::string& what) {
  if (e.offset % kBufferAlignment != 0 || e.offset < data_start || e.size > file_size ||
      e.offset > file_size - e.size) {
    return error(what, " is truncated or corrupt: constant '", e.name, "' (", e.size,
                 " bytes at offset ", e.offset, ") lies outside the file's ", file_size, " bytes");
  }
  return Status::ok();
}

Status read_at(std::ifstream& in, uint64_t offset, void* out, uint64_t n, const std::string& what) {
  in.seekg(static_cast<std::streamoff>(offset));
  if (n > 0 && !in.read(static_cast<char*>(out), static_cast<std::streamsize>(n))) {
    return error("cannot read ", n, " bytes at offset ", offset, " of ", what);
  }
  return Status::ok();
}

}  // namespace

Status write_constants_file(const std::string& path, const ConstantPool& pool) {
  ByteWriter table;
  uint64_t table_size = 8;
  for (int32_t id = 0; id < pool.size(); ++id)
    table_size += kEntryFixedBytes + pool.name(id).size();
  uint64_t offset = align_up(kHeaderBytes + table_size);
  table.uint(static_cast<uint64_t>(pool.size()), 8);
  std::vector<uint64_t> offsets;
  for (int32_t id = 0; id < pool.size(); ++id) {
    const uint64_t size = static_cast<uint64_t>(pool.size_bytes(id));
    table.uint(pool.name(id).size(), 8);
    table.raw(pool.name(id).data(), pool.name(id).size());
    table.uint(offset, 8);
    table.uint(size, 8);
    table.uint(checksum64(pool.data(id), size), 8);
    offsets.push_back(offset);
    offset = align_up(offset + size);
  }
  ByteWriter file;
  file.raw(kConstantsMagic, sizeof kConstantsMagic);
  file.uint(kConstantsFormatVersion, 4);
  file.uint(0, 4);
  file.uint(table.size(), 8);
  file.uint(checksum64(table.data().data(), table.size()), 8);
  file.raw(table.data().data(), table.size());
  for (int32_t id = 0; id < pool.size(); ++id) {
    file.zeros(offsets[id] - file.size());
    file.raw(pool.data(id), static_cast<size_t>(pool.size_bytes(id)));
  }
  return write_whole_file(path, file.data());
}

Expected<std::shared_ptr<const ConstantPool>> read_constants_file(const std::string& path) {
  const std::string what = "constants file '" + path + "'";
  STITCH_ASSIGN_OR_RETURN(uint64_t file_size, regular_file_size(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return error("cannot open ", what);
  if (file_size < kHeaderBytes) return error(what, " is truncated (", file_size, " bytes)");
  char header[kHeaderBytes];
  STITCH_RETURN_IF_ERROR(read_at(in, 0, header, kHeaderBytes, what));
  ByteReader h(header, kHeaderBytes, what);
  char magic[sizeof kConstantsMagic];
  uint64_t version = 0, reserved = 0, table_size = 0, table_checksum = 0;
  STITCH_RETURN_IF_ERROR(h.raw(magic, sizeof magic, "the magic number"));
  if (std::memcmp(magic, kConstantsMagic, sizeof magic) != 0) {
    return error(what, " is not a stitch constants file (bad magic number)");
  }
  STITCH_RETURN_IF_ERROR(h.uint(&version, 4, "the format version"));
  if (version != kConstantsFormatVersion) {
    return error(what, " has format version ", version, ", this runtime reads version ",
                 kConstantsFormatVersion, ": compile the model again with this stitch");
  }
  STITCH_RETURN_IF_ERROR(h.uint(&reserved, 4, "the header"));
  STITCH_RETURN_IF_ERROR(h.uint(&table_size, 8, "the table size"));
  STITCH_RETURN_IF_ERROR(h.uint(&table_checksum, 8, "the table checksum"));
  if (table_size > file_size - kHeaderBytes) {
    return error(what, " is truncated or corrupt: a ", table_size, "-byte table in a ", file_size,
                 "-byte file");
  }
  std::string table(table_size, '\0');
  STITCH_RETURN_IF_ERROR(read_at(in, kHeaderBytes, table.data(), table_size, what));
  if (checksum64(table.data(), table.size()) != table_checksum) {
    return error(what, " is corrupt (table checksum mismatch)");
  }
  STITCH_ASSIGN_OR_RETURN(std::vector<Entry> entries, parse_table(table, what));
  auto pool = std::make_shared<ConstantPool>();
  for (const Entry& e : entries) {
    STITCH_RETURN_IF_ERROR(check_entry(e, kHeaderBytes + table_size, file_size, what));
    STITCH_ASSIGN_OR_RETURN(int32_t id, pool->allocate(e.name, static_cast<int64_t>(e.size)));
    STITCH_RETURN_IF_ERROR(read_at(in, e.offset, pool->mutable_data(id), e.size, what));
    if (checksum64(pool->data(id), e.size) != e.checksum) {
      return error(what, " is corrupt: constant '", e.name, "' fails its checksum");
    }
  }
  pool->freeze();
  return std::shared_ptr<const ConstantPool>(std::move(pool));
}

}  // namespace stitch::runtime
