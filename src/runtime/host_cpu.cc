// CPU feature checks for loaded artifacts. Part of runtime/; mirrors toolchain::Target's levels
// (the runtime cannot link the toolchain).
#include "runtime/host_cpu.h"

namespace stitch::runtime {
namespace {

#if defined(__x86_64__)
constexpr bool kIsX86 = true;
bool has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl");
}
#else
constexpr bool kIsX86 = false;
bool has_avx2() { return false; }
bool has_avx512() { return false; }
#endif

}  // namespace

Status check_host_runs_target(const std::string& target) {
  bool ok;
  if (target == "generic") {
    ok = true;  // the compiler's defaults: dlopen itself refuses another architecture
  } else if (target == "x86-64") {
    ok = kIsX86;
  } else if (target == "x86-64-avx2") {
    ok = kIsX86 && has_avx2();
  } else if (target == "x86-64-avx512") {
    ok = kIsX86 && has_avx512();
  } else {
    return error("the artifact was built for target '", target,
                 "', which this runtime does not know");
  }
  if (ok) return Status::ok();
  return error("the artifact was built for target '", target,
               "', which this machine cannot run: compile it again with --target for this machine");
}

}  // namespace stitch::runtime
