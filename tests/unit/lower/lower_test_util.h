// A test-only executor of lowered subgraphs: lowers every subgraph of a partition, emits all
// kernels into one translation unit, compiles it with the toolchain, and runs the kernels in
// partition order, binding buffers by graph value. Part of tests/unit/lower/.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "lower/lower_subgraph.h"
#include "partition/graph_partition.h"
#include "support/status.h"
#include "support/tensor.h"

namespace stitch::lower::testing {

struct RunStats {
  int kernels = 0;
  double lower_ms = 0, emit_ms = 0, compile_ms = 0, run_ms = 0;
  size_t source_bytes = 0;
};

// Partitions `g` (already through the passes) with `policy`, lowers, compiles and runs it on
// `inputs` (bound to g.inputs() in order); returns the outputs in graph-output order.
Expected<std::vector<Tensor>> compile_and_run(const graph::Graph& g, partition::FusionPolicy policy,
                                              const std::vector<const Tensor*>& inputs,
                                              RunStats* stats = nullptr,
                                              const LowerOptions& options = {});

// A tensor of the value's type filled with deterministic pseudo-random data (floats in [-2, 2),
// integers in [0, 4), bools alternating at random).
Tensor random_tensor(DType dtype, const Shape& shape, uint32_t seed);

// Runs `g` in the reference interpreter and compiled under the none and arbitrary policies, and
// compares every output (gtest assertions): float outputs within relative L2 1e-4, others
// exactly; with `exact`, every output bit for bit.
void expect_compiled_matches_reference(const graph::Graph& g, const std::vector<Tensor>& inputs,
                                       bool exact = false);

// For a rewriting pass: runs `before` in the reference interpreter and `after` (the same graph
// after the pass) compiled under the none and arbitrary policies, and checks every float
// output within relative L2 1e-4; `label(i)` names output i in failure messages.
void expect_rewrite_matches_reference(const graph::Graph& before, const graph::Graph& after,
                                      const std::vector<Tensor>& inputs,
                                      const std::function<std::string(size_t)>& label);

}  // namespace stitch::lower::testing
