// Kernel-level scratch buffers become workspace parameters that the execution plan places in
// the arena (the oneDNN Graph Compiler's static memory planning, DESIGN 3.6). Part of lower/.
//
// Why: a scratch buffer allocated inside a kernel (the intermediate between two anchors of a
// multi-anchor subgraph, a materialized input of a conv) is fresh heap memory on every run, and
// above a few hundred KiB glibc maps it anew each time: a 3 MiB scratch cost about 2 ms of page
// faults and zeroing per run, more than the FMAs around it. In the arena it is allocated once,
// and the memory planner lets it share bytes with the intermediates of other steps.
//
// What: an Allocate of a constant size above kMinWorkspaceBytes that runs once per kernel call
// (not inside a loop or a conditional) is removed, and its buffer is appended to the kernel's
// parameters; per-iteration scratch (a tile's accumulators) stays where it is.
#pragma once

#include <cstdint>
#include <vector>

#include "kir/kir.h"

namespace stitch::lower {

// Smaller scratch stays inside the kernel (on the stack up to the emitter's limit).
inline constexpr int64_t kMinWorkspaceBytes = 16 * 1024;

// `body` without its hoisted Allocates; the hoisted buffers are appended to `workspace` in the
// order they appear.
kir::Stmt hoist_workspace(const kir::Stmt& body, std::vector<kir::Buffer>* workspace);

}  // namespace stitch::lower
