// Lowering a whole partitioned graph into plan steps: a kernel per subgraph, a host step for
// an op whose output shape depends on data (runtime/host_ops/), and a control step for If, Loop
// and Scan, whose bodies are compiled here recursively as graphs of their own (optimized,
// partitioned and lowered like the top-level graph; graph/body_graph.h), and a step without
// work for a Concat that the memory plan assembles in place. Part of driver/;
// compiled_model.cc turns the steps into an execution plan and one kernels library.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "driver/compile_pipeline.h"
#include "graph/graph.h"
#include "lower/lower_subgraph.h"
#include "partition/graph_partition.h"
#include "runtime/host_ops/host_ops.h"

namespace stitch::driver {

struct PlannedStep;

// One body of a control step, compiled: its standalone graph (formal inputs, then the outer
// values it captures, by name) and its steps.
struct CompiledBody {
  std::unique_ptr<graph::Graph> graph;
  std::vector<PlannedStep> steps;
};

// A step of the plan before it has buffers.
struct PlannedStep {
  std::optional<lower::LoweredKernel> kernel;  // a kernel step
  const graph::Node* host = nullptr;           // a host step, or a control step's node
  std::vector<CompiledBody> bodies;            // control steps: If (then, else); Loop, Scan
  std::vector<std::string> captures;           // control steps: outer names the bodies read
  // A Concat assembled in place (partition/in_place_concat.h): no work at run time; the plan
  // places its inputs inside its output.
  const graph::Node* in_place_concat = nullptr;
  bool is_control() const { return host && !bodies.empty(); }
};

// True for an op the runtime runs itself rather than as a kernel: a host op, a control-flow op
// or a Cast/CastLike from or to strings. The partitioner leaves such nodes alone.
bool runs_in_runtime(const graph::Node& n);
// The host op (runtime/host_ops/) that runs `n`: its op type, "StringCast" for a Cast or
// CastLike on strings; empty when no host op runs it.
std::string host_op_of(const graph::Node& n);
// The integer attributes of the host step that runs `n` (a StringCast's target type as "to").
std::vector<runtime::host_ops::HostAttribute> host_attributes_of(const graph::Node& n);

struct LowerGraphOptions {
  CompileOptions pipeline;  // for bodies: their passes and partition policy
  lower::LowerOptions lower;
  std::string kernel_prefix;  // every kernel name starts with it
};

// Lowers every subgraph of `p`, recursing into control-flow bodies. Collects every
// "unsupported" problem so that the user sees all of them at once.
Expected<std::vector<PlannedStep>> lower_graph(const graph::Graph& g,
                                               const partition::GraphPartition& p,
                                               const LowerGraphOptions& options);

// The kernels of `steps` and of their bodies, in plan order.
std::vector<kir::Kernel> kernels_of(const std::vector<PlannedStep>& steps);

}  // namespace stitch::driver
