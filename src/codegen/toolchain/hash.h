// Stable 64-bit content hashing (FNV-1a) for the toolchain's content-addressed cache.
// Part of codegen/toolchain/; the cache key of a build is a Hasher digest of its inputs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stitch::toolchain {

inline constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ull;
inline constexpr uint64_t kFnvPrime = 0x100000001b3ull;

// FNV-1a over bytes. Chosen because it is a few lines, has published test vectors and gives the
// same value on every platform and run (std::hash promises neither), which a cache on disk needs.
uint64_t fnv1a64(std::string_view bytes, uint64_t state = kFnvOffsetBasis);

// Hashes a sequence of fields. Each field is length-prefixed so that ("ab", "c") and ("a", "bc")
// differ: without it two different builds could share a key.
class Hasher {
 public:
  Hasher& add(std::string_view field);
  Hasher& add(uint64_t value);
  uint64_t digest() const { return state_; }
  // 16 lowercase hex digits, usable as a file name.
  std::string hex_digest() const;

 private:
  uint64_t state_ = kFnvOffsetBasis;
};

}  // namespace stitch::toolchain
