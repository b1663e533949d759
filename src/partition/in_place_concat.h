// Concats assembled in place: the memory plan gives each input of such a Concat the slice of the
// output's storage where the Concat would have copied it, so the kernels that produce the inputs
// write their results straight into the output and the Concat itself costs nothing (no kernel,
// no copy). Part of partition/: the partitioner leaves these nodes out of every kernel (they are
// opaque to fusion), lower_graph gives them no step, and the plan builder (driver/
// compiled_model.cc) places the inputs inside the output.
//
// ---- When a Concat qualifies ----
// - Every input is a contiguous byte range of the output: the dims before the axis multiply to 1
//   (batch 1 and a channel axis, plain or blocked NCHWc), and each range starts at a multiple of
//   64 bytes (the arena's alignment, so that no kernel sees a misaligned buffer).
// - Every input is an intermediate that an anchor's kernel writes: computed by a complex or
//   reduce op (Conv, MatMul, pooling), directly or through a few injective ops (its epilogue),
//   so it is in memory anyway. Inputs that injective ops compute from graph inputs are better
//   left to fusion, which puts them, the Concat and its consumers into one kernel and stores
//   nothing. Not a graph input, output or constant, not a value of an outer scope, not produced
//   by an op the runtime runs (opaque) or by another Concat (nesting would need slices of
//   slices), and read by no other Concat (a value has one place). Each appears once.
// - The output is an intermediate (graph outputs are allocated per run, outside the arena) of at
//   least kMinInPlaceConcatBytes: below that, the copy is cheaper than the fusion it prevents
//   (the Concat can no longer sit inside the kernel of its producers or consumers).
// The decision is a pure function of the node and its neighbours, so the partitioner, lower_graph
// and the plan builder agree on it without passing anything along.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "graph/graph.h"

namespace stitch::partition {

inline constexpr int64_t kMinInPlaceConcatBytes = 64 * 1024;

// The byte offset of each input's slice within the output when `n` is a Concat assembled in
// place (see above), in input order; nullopt otherwise.
std::optional<std::vector<int64_t>> in_place_concat_offsets(const graph::Node& n);

}  // namespace stitch::partition
