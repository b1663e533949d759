// Loop unrolling: a Loop whose body has shapes that depend on the iteration (a Slice at the
// iteration index, say) cannot run as one compiled body, so it is replaced by a copy of the body
// per iteration, where the iteration index is a constant and every shape is static. Only
// loops that run exactly their trip count are unrolled: the trip count is a constant (a graph
// input the compiler specialized on, with a guard), the initial condition is absent or a true
// constant, and the body passes its condition through unchanged or returns a true constant.
// Scan outputs become a Concat of the iterations' outputs, each Unsqueezed on axis 0.
// Limits (kMaxUnrolledIterations, kMaxUnrolledNodes) keep the graph small; a loop over them, or
// with nested bodies, stays a Loop (and then needs a statically shaped body to compile).
// Part of passes/ (first in the simplification group, so that the copies fold).
#pragma once

#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

inline constexpr int64_t kMaxUnrolledIterations = 64;
inline constexpr int64_t kMaxUnrolledNodes = 4096;  // iterations × body nodes

std::unique_ptr<Pass> make_unroll_loops_pass();

}  // namespace stitch::passes
