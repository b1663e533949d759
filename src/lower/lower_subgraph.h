// Lowering of one partition subgraph to one kernel-IR function (DESIGN 2, 3.5). Part of
// lower/, between partition/ (which chose the subgraphs) and codegen/ (which emits C++).
//
// Each node of the subgraph is computed by its op template (lower/templates/), in the
// subgraph's topological order; several anchors run one after another inside the kernel (a
// later issue makes them share loops). Post-scheduling fusion keeps intermediates out of
// memory: injective producers used once (and pure index remaps however often) are inlined into
// their consumers' reads, and an elementwise chain after an anchor is fused into the anchor's
// stores (MatMul -> Add(bias) -> Relu stores relu(acc + b) once). Every other value produced
// and consumed inside is a scratch buffer allocated inside the kernel.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "kir/kir.h"
#include "partition/graph_partition.h"
#include "support/status.h"

namespace stitch::lower {

struct LowerOptions {
  // Inline injective producers and fuse epilogues; off, every node writes a buffer (a baseline
  // for tests and for debugging a fusion).
  bool fuse_injective = true;
};

struct LoweredKernel {
  kir::Kernel kernel;
  // The graph value each buffer parameter of `kernel` binds, in parameter order: the external
  // inputs the kernel reads (graph inputs, earlier subgraphs' outputs, constants), then the
  // subgraph's outputs.
  std::vector<graph::Value*> bindings;
  // The kernel's workspace buffers (lower/workspace.h), its last parameters after the
  // bindings: scratch of a constant size that the plan places in the arena for this step.
  std::vector<kir::Buffer> workspace;
};

// Errors (no kernel): a value without a static shape or of an unsupported dtype (naming the
// value), and "unsupported: no lowering for <op> (node '<name>')" for ops without a template.
Expected<LoweredKernel> lower_subgraph(const graph::Graph& g, const partition::GraphSubgraph& sg,
                                       const std::string& kernel_name,
                                       const LowerOptions& options = {});

// A C identifier made from a value or node name ("/conv1/Conv_output_0" -> "conv1_Conv_output_0").
std::string identifier_of(const std::string& name);

}  // namespace stitch::lower
