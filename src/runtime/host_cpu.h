// Whether this machine can run kernels built for a target ISA. Part of runtime/: the loader
// refuses an artifact built for AVX-512 on a machine without it (else: SIGILL at the first run).
#pragma once

#include <string>

#include "support/status.h"

namespace stitch::runtime {

// `target` as toolchain::Target::name() spells it: "x86-64", "x86-64-avx2", "x86-64-avx512",
// "generic". An unknown name or a missing feature is an error that says which.
Status check_host_runs_target(const std::string& target);

}  // namespace stitch::runtime
