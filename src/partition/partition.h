// Partition: which subgraph (future kernel) every op of an OpDag belongs to, the three policies
// that compute one (none, single-anchor, arbitrary; DESIGN 3.4), and the checks every partition
// must pass. Part of partition/, on plain data; graph_partition.h applies it to a graph::Graph.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "partition/op_dag.h"
#include "support/status.h"

namespace stitch::partition {

struct Subgraph {
  std::vector<int> nodes;    // ascending: a topological order
  std::vector<int> anchors;  // the complex and reduce nodes among `nodes`
  std::vector<int> inputs;   // tensors read but not produced here (incl. constants), ascending
  std::vector<int> outputs;  // tensors produced here and read elsewhere or graph outputs
};

struct Partition {
  std::vector<int> subgraph_of;     // per node: index into `subgraphs`
  std::vector<Subgraph> subgraphs;  // in a topological order of the graph of subgraphs
};

// Budgets of the arbitrary policy: they keep every subgraph compilable and tunable.
struct ArbitraryOptions {
  int max_complex_per_subgraph = 4;
  int max_nodes_per_subgraph = 64;
  // Working set (working_set_bytes below), sized to an L2 cache. A merge may not take a
  // subgraph over the limit, except that a part already over it may still absorb what does not
  // grow it further (an epilogue of a big matmul): ws(a ∪ b) <= max(limit, ws(a), ws(b)). So a
  // single op is never prevented, and ws(s) <= max(limit, largest ws of one op in s) holds.
  int64_t max_working_set_bytes = int64_t{1} << 20;
};

// One op per subgraph.
Partition partition_none(const OpDag& dag);
// Each complex or reduce op anchors a subgraph with its injective prologue and epilogue (TVM /
// Hidet); opaque ops alone; remaining injective ops in maximal private chains.
Partition partition_single_anchor(const OpDag& dag);
// AGO: greedy merging of the pair that saves the most memory traffic, within the budgets.
Partition partition_arbitrary(const OpDag& dag, const ArbitraryOptions& options = {});

// Builds a Partition from a cluster label per node (any ints): subgraphs in a topological order
// (ties: smallest first node), with anchors, inputs and outputs filled in. A cyclic labelling
// still gives a Partition (validate() then reports it).
Partition make_partition(const OpDag& dag, const std::vector<int>& cluster_of);

// True iff the graph of subgraphs has no cycle (whatever the order of `subgraphs`).
bool is_acyclic(const Partition& partition, const OpDag& dag);
// Every node in exactly one subgraph and subgraph_of agreeing, nodes ascending within each,
// the graph of subgraphs acyclic and `subgraphs` in one of its topological orders.
Status validate(const Partition& partition, const OpDag& dag);

// Distinct bytes of the non-constant tensors a subgraph must hold: what it reads from outside,
// what it writes for outside (or as graph outputs), and the intermediates between two anchors
// inside (an anchor reads them and they derive from an anchor: the tile buffers of intensive
// fusion). Other intermediates cost nothing: post-scheduling fusion inlines prologues and
// epilogues. Weights do not count: the kernel streams them tile by tile. `in_set(v)` says
// whether node v is in the subgraph whose nodes are `nodes`.
int64_t working_set_bytes(const OpDag& dag, const std::vector<int>& nodes,
                          const std::function<bool(int)>& in_set);
int64_t working_set_bytes(const OpDag& dag, const std::vector<int>& nodes);

}  // namespace stitch::partition
