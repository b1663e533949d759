// Static memory planner: places every intermediate buffer of a compiled model at an offset in one
// arena. Part of runtime/; lower/ builds the trace from the kernel order, the runtime allocates.
//
// ---- What it computes ----
// The input is a trace: for each buffer its size, alignment and lifetime [first_use, last_use]
// in kernel steps (inclusive at both ends: a buffer is live at every step from the kernel that
// writes it to the last kernel that reads it). Two buffers conflict when their lifetimes share a
// step; conflicting buffers must not share a byte. The output is an offset per buffer and the
// arena size (the largest offset + size).
//
// ---- Placement: greedy by size with best fit (Pisarchyk & Lee, 2020; TFLite's planner) ----
// The whole trace is known ahead of time, so instead of replaying alloc/free in time order
// (oneDNN Graph Compiler's free-list planner, which must place a buffer before it knows what
// comes later) we place the largest blocks first: big buffers decide the arena size and are the
// hardest to fit into holes left by others. For each block, in order of size descending, we look
// at the already placed blocks whose lifetimes conflict with it, walk the gaps between them in
// address order, and take the smallest gap it fits in (best fit); if none fits it goes after the
// highest conflicting block.
// Invariant after each placement: no two placed blocks that conflict share a byte, and every
// offset is a multiple of its block's alignment. Hence arena >= the lower bound (the most bytes
// live at one step) and arena <= sum over blocks of size rounded up to the largest alignment.
//
// ---- In-place reuse ----
// A hint "B may reuse A" (an elementwise kernel overwriting its input) is granted when A dies
// exactly at B's definition step (A.last_use == B.first_use), A was defined strictly earlier
// (A.first_use < B.first_use, which rules out cycles and chains whose ends overlap), B fits in A
// (B.size <= A.size), and A has not already been given to another buffer. Granted hints form
// chains A -> B -> C that share one offset; a chain is placed as one block whose size is that of
// its head (the largest member) and whose lifetime is the union of its members' lifetimes.
// Hints are resolved in order of first_use, so a donor's own chain is known when it donates.
//
// Cost: O(n^2) in the number of buffers (each placement scans the placed blocks); it runs once
// per compiled model, about 1 ms for 1,000 buffers and 0.5 s for 20,000.
#pragma once

#include <cstdint>
#include <vector>

#include "support/status.h"

namespace stitch::runtime {

// One intermediate buffer of the trace.
struct BufferRequest {
  int64_t size = 0;        // bytes; 0 is allowed (offset 0, takes no space)
  int64_t alignment = 64;  // bytes; a power of two
  int32_t first_use = 0;   // step of the kernel that defines it
  int32_t last_use = 0;    // step of the last kernel that reads it (>= first_use)
  // Buffers whose storage this one may take over, in order of preference (indices into the
  // trace). Illegal or already-taken donors are skipped, never an error.
  std::vector<int32_t> inplace_candidates;
};

struct MemoryPlan {
  std::vector<int64_t> offsets;     // one per buffer, into the arena
  std::vector<int64_t> sizes;       // one per buffer (from the trace: the runtime needs no trace)
  std::vector<int32_t> inplace_of;  // the donor whose storage a buffer took over, or -1
  int64_t arena_size = 0;           // bytes the arena must hold
  int64_t sum_of_sizes = 0;         // what a plan without any reuse would need (no padding)
  int64_t peak_live_bytes = 0;      // the most bytes live at one step: a lower bound on arena
};

// Plans the trace. Errors: negative size, alignment not a power of two, first_use > last_use,
// or an in-place candidate index out of range (the message names the buffer).
Expected<MemoryPlan> plan_memory(const std::vector<BufferRequest>& buffers);

// Checks a plan against its trace: every offset aligned and non-negative, every buffer inside
// the arena, and no two conflicting buffers sharing a byte unless one took the other over in
// place at the step where the donor dies. Independent of plan_memory's algorithm; the tests
// and the runtime (on loading an artifact) use it.
Status validate_plan(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan);

// The most bytes live at one step; buffers in `inplace_of` are not counted at the step where
// they share their donor's storage. A lower bound on the arena size of any valid plan.
int64_t peak_live_bytes(const std::vector<BufferRequest>& buffers,
                        const std::vector<int32_t>& inplace_of);

}  // namespace stitch::runtime
