// constants.bin: the constant pool of an artifact (weights), written by the compiler and read by
// the loader. Part of runtime/ (format: docs/artifact.md).
//
// File layout (all integers little-endian):
//   0  magic "STITCHCN" (8 bytes)
//   8  u32 format version (kConstantsFormatVersion)  12  u32 reserved, 0
//   16 u64 table size T                              24  u64 checksum64 of the table
//   32 table: u64 count, then per blob: u64 name length, name, u64 offset, u64 size,
//      u64 checksum64 of the blob
//   blobs at their offsets: 64-byte aligned (so the file could be mapped and used in place),
//   in id order, after the table; padding is zeros.
// Blob ids are their order in the table, the ids the plan's constant buffers refer to.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/constant_pool.h"
#include "support/status.h"

namespace stitch::runtime {

inline constexpr char kConstantsMagic[8] = {'S', 'T', 'I', 'T', 'C', 'H', 'C', 'N'};
inline constexpr uint32_t kConstantsFormatVersion = 1;

Status write_constants_file(const std::string& path, const ConstantPool& pool);

// Reads and checks every length, offset and checksum before trusting it; the pool comes back
// frozen.
Expected<std::shared_ptr<const ConstantPool>> read_constants_file(const std::string& path);

}  // namespace stitch::runtime
