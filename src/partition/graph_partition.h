// The partitioner applied to a graph::Graph: builds the OpDag view, runs the fusion policy the
// user chose (`--fusion none|single|arbitrary`), and maps the result back to nodes and values.
// Part of partition/; the driver calls it after the graph passes, lowering reads its subgraphs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"
#include "partition/op_dag.h"
#include "partition/partition.h"
#include "support/status.h"

namespace stitch::partition {

enum class FusionPolicy { kNone, kSingle, kArbitrary };

// "none", "single" or "arbitrary"; anything else is an error naming the choices.
Expected<FusionPolicy> parse_fusion_policy(std::string_view name);
const char* fusion_policy_name(FusionPolicy policy);

struct PartitionOptions {
  FusionPolicy policy = FusionPolicy::kArbitrary;
  ArbitraryOptions arbitrary;
};

struct GraphSubgraph {
  std::vector<graph::Node*> nodes;     // in the graph's topological order
  std::vector<graph::Node*> anchors;   // complex and reduce ops
  std::vector<graph::Value*> inputs;   // values read from outside, constants included
  std::vector<graph::Value*> outputs;  // values read by later subgraphs or graph outputs
};

struct GraphPartition {
  FusionPolicy policy = FusionPolicy::kArbitrary;
  std::vector<GraphSubgraph> subgraphs;  // in an order that respects every data dependence
};

// True when `n` reads or writes a string tensor (it then runs in the runtime, not a kernel).
bool touches_strings(const graph::Node& n);

// The OpDag view of `graph`: one DAG node per graph node (same order), one tensor per value;
// op classes from the op registry (opaque for a node that touches strings), bytes from static value
// types (0 when unknown). `values` receives the Value behind each tensor id. Errors name the node
// (unknown op, node before its producer).
Expected<OpDag> build_op_dag(const graph::Graph& graph, std::vector<graph::Value*>* values);

// Partitions `graph` by `options.policy`; the result is validated before it is returned.
Expected<GraphPartition> partition_graph(const graph::Graph& graph,
                                         const PartitionOptions& options);

// One block per subgraph: anchors, inputs (constants as `const`), outputs, then each node as
// "name (Op)". Stable text for golden tests and `--print-after=partition`.
std::string partition_to_string(const graph::Graph& graph, const GraphPartition& partition);

}  // namespace stitch::partition
