// Stable 64-bit content hashing (FNV-1a) for the toolchain's content-addressed cache.
// Part of codegen/toolchain/.
#include "codegen/toolchain/hash.h"

namespace stitch::toolchain {

uint64_t fnv1a64(std::string_view bytes, uint64_t state) {
  for (unsigned char c : bytes) {
    state ^= c;
    state *= kFnvPrime;
  }
  return state;
}

Hasher& Hasher::add(uint64_t value) {
  // Little-endian bytes, written out by hand so the digest does not depend on the host's order.
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  state_ = fnv1a64(std::string_view(bytes, 8), state_);
  return *this;
}

Hasher& Hasher::add(std::string_view field) {
  add(static_cast<uint64_t>(field.size()));
  state_ = fnv1a64(field, state_);
  return *this;
}

std::string Hasher::hex_digest() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 0; i < 16; ++i) out[15 - i] = kDigits[(state_ >> (4 * i)) & 0xf];
  return out;
}

}  // namespace stitch::toolchain
