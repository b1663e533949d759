// The instruction set generated kernels are compiled for, and the compiler flags that select it.
// Part of codegen/toolchain/.
#include "codegen/toolchain/target.h"

namespace stitch::toolchain {
namespace {

struct NamedIsa {
  const char* name;
  Isa isa;
};
constexpr NamedIsa kNames[] = {{"x86-64", Isa::kX86_64},
                               {"x86-64-avx2", Isa::kX86_64Avx2},
                               {"x86-64-avx512", Isa::kX86_64Avx512},
                               {"generic", Isa::kGeneric}};

// Flags that do not depend on the ISA. Why each:
//   -std=c++17          generated code is C++17 (DESIGN 3.6), whatever the compiler's default.
//   -O3                 vectorizes and unrolls the scalar remainder and epilogue loops that the
//                       emitter leaves to the compiler.
//   -fPIC               the objects go into a shared object loaded at any address.
//   -ffp-contract=fast  lets a*b+c become one FMA across statements. GCC turns contraction off
//                       under a strict -std=c++17 (it is on only in GNU modes), which would make
//                       the scalar tails round differently from the vector bodies; tests compare
//                       with the reference interpreter under a tolerance that allows it.
//   -fno-math-errno     sqrtf, fabsf and friends compile to one instruction instead of a libm
//                       call kept only to set errno, which kernels never read.
//   -fdiagnostics-color=never  errors are captured into logs and messages, not a terminal.
// Not used: -ffast-math (reassociation changes reductions beyond the per-dtype tolerances and
// breaks NaN/Inf semantics that ONNX ops define); -fvisibility=hidden (kernels are found by
// name with dlsym); -Wl,-z,defs (kernels may call into the runtime that loads them).
constexpr const char* kCommonFlags[] = {"-std=c++17",      "-O3",
                                        "-fPIC",           "-ffp-contract=fast",
                                        "-fno-math-errno", "-fdiagnostics-color=never"};

// -march=x86-64 pins the baseline so that the compiler's configured default (some distributions
// build for x86-64-v2 or -v3) never sneaks instructions into a binary meant for an older
// machine; the -m flags then add exactly the features of the level, nothing the Target does not
// promise. -mtune schedules for the first CPU family that has the level, since plain
// -march=x86-64 would tune for a generic mix of old cores.
void add_isa_flags(Isa isa, std::vector<std::string>* flags) {
  if (isa == Isa::kGeneric) return;
  flags->push_back("-march=x86-64");
  if (isa == Isa::kX86_64) return;
  flags->insert(flags->end(), {"-mavx", "-mavx2", "-mfma"});
  if (isa == Isa::kX86_64Avx2) {
    flags->push_back("-mtune=haswell");
    return;
  }
  // GCC's Skylake-AVX512 tuning auto-vectorizes with 256-bit registers only (frequency drops on
  // Skylake); the emitter's own loops use 512-bit registers on this level (vector_bytes() == 64),
  // so let the compiler-vectorized remainders match them.
  flags->insert(flags->end(), {"-mavx512f", "-mavx512bw", "-mavx512vl", "-mtune=skylake-avx512",
                               "-mprefer-vector-width=512"});
}

}  // namespace

Target Target::host() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl");
  if (avx512) return Target(Isa::kX86_64Avx512);
  if (avx2) return Target(Isa::kX86_64Avx2);
  return Target(Isa::kX86_64);
#else
  return Target(Isa::kGeneric);
#endif
}

Expected<Target> Target::parse(std::string_view name) {
  if (name == "host") return host();
  for (const NamedIsa& entry : kNames) {
    if (name == entry.name) return Target(entry.isa);
  }
  std::string known = "host";
  for (const std::string& n : known_names()) known += ", " + n;
  return error("unknown target '", name, "' (known targets: ", known, ")");
}

std::vector<std::string> Target::known_names() {
  std::vector<std::string> names;
  for (const NamedIsa& entry : kNames) names.push_back(entry.name);
  return names;
}

std::string Target::name() const {
  for (const NamedIsa& entry : kNames) {
    if (entry.isa == isa_) return entry.name;
  }
  STITCH_CHECK(false, "Isa without a name: ", static_cast<int>(isa_));
  return "";
}

int Target::vector_bytes() const {
  if (has_avx512()) return 64;
  if (has_avx2()) return 32;
  return 16;  // SSE2 on x86-64; generic targets assume 128-bit vectors (NEON is 128 too)
}

std::vector<std::string> Target::compile_flags() const {
  std::vector<std::string> flags(std::begin(kCommonFlags), std::end(kCommonFlags));
  add_isa_flags(isa_, &flags);
  return flags;
}

std::vector<std::string> Target::link_flags() const {
  // The objects are already position-independent (-fPIC above); -shared makes the .so.
  return {"-shared"};
}

}  // namespace stitch::toolchain
