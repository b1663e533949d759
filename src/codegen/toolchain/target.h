// The instruction set generated kernels are compiled for, and the compiler flags that select it.
// Part of codegen/toolchain/; the emitter reads the same Target to pick intrinsics.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "support/status.h"

namespace stitch::toolchain {

// ISA levels, each a superset of the one before. A level rather than a set of feature bits: the
// emitter has one code path per level, and a level always has a name that parses back.
enum class Isa {
  kX86_64,        // SSE2 baseline: runs on every x86-64
  kX86_64Avx2,    // + AVX, AVX2, FMA (Haswell, Zen and later)
  kX86_64Avx512,  // + AVX-512 F, BW, VL (Skylake-SP, Ice Lake, Zen 4 and later)
  kGeneric,       // not x86-64: the compiler's defaults, no ISA-specific code
};

class Target {
 public:
  Target() = default;
  explicit Target(Isa isa) : isa_(isa) {}

  // The best level the machine we run on supports (CPUID through __builtin_cpu_supports, which
  // also checks that the OS saves the AVX / AVX-512 registers).
  static Target host();
  // "host", "x86-64", "x86-64-avx2", "x86-64-avx512" or "generic"; anything else is an error
  // listing the known names.
  static Expected<Target> parse(std::string_view name);
  // Names parse() accepts besides "host".
  static std::vector<std::string> known_names();

  Isa isa() const { return isa_; }
  // The canonical name: parse(t.name()) == t.
  std::string name() const;
  bool has_avx2() const { return isa_ == Isa::kX86_64Avx2 || isa_ == Isa::kX86_64Avx512; }
  bool has_fma() const { return has_avx2(); }
  bool has_avx512() const { return isa_ == Isa::kX86_64Avx512; }
  // Width of the widest SIMD register the emitter may use, in bytes.
  int vector_bytes() const;

  // Flags to compile one generated C++17 translation unit into position-independent code.
  std::vector<std::string> compile_flags() const;
  // Flags to link the objects into a shared object that dlopen can load.
  std::vector<std::string> link_flags() const;

  bool operator==(const Target& other) const = default;

 private:
  Isa isa_ = Isa::kX86_64;
};

}  // namespace stitch::toolchain
