// OpDag: the plain-data view of a graph that the partitioning algorithms work on (nodes with an
// op class, the tensors between them, their sizes). Part of partition/; graph_partition.h builds
// it from a graph::Graph, the property tests build random ones.
//
// Invariants: nodes are numbered 0..n-1 in a topological order (a tensor's producer has a
// smaller index than each of its consumers); tensors are either produced by exactly one node or
// external (graph inputs and constants, producer == -1); `preds` / `succs` list each neighbour
// node once, in ascending order.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/op_registry.h"

namespace stitch::partition {

using graph::OpClass;

struct DagTensor {
  int producer = -1;  // node index, or -1 for a graph input or a constant
  int64_t bytes = 0;  // 0 when the size is unknown
  bool is_constant = false;
  bool is_graph_output = false;
  std::vector<int> consumers;  // node indices, ascending, each once
};

struct DagNode {
  OpClass op_class = OpClass::kOpaque;
  std::vector<int> inputs;   // tensor ids, each once, in order of first use
  std::vector<int> outputs;  // tensor ids
  std::vector<int> preds;    // producer nodes of the inputs, ascending, each once
  std::vector<int> succs;    // consumer nodes of the outputs, ascending, each once
};

class OpDag {
 public:
  // Nodes must be added in a topological order: a node may only use tensors that exist.
  int add_node(OpClass op_class);
  // A tensor that no node produces (graph input, or a constant when `is_constant`).
  int add_external_tensor(int64_t bytes, bool is_constant = false);
  // A new output tensor of `producer`.
  int add_output_tensor(int producer, int64_t bytes);
  // `node` reads `tensor`; the tensor must exist and come from an earlier node or outside.
  void add_use(int node, int tensor);
  void mark_graph_output(int tensor);

  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  int num_tensors() const { return static_cast<int>(tensors_.size()); }
  const DagNode& node(int i) const { return nodes_[i]; }
  const DagTensor& tensor(int i) const { return tensors_[i]; }
  OpClass op_class(int i) const { return nodes_[i].op_class; }
  // Complex and reduce ops: the ops a subgraph is built around (DESIGN 3.4).
  bool is_anchor(int i) const;
  // Bytes of the tensors produced by `src` and read by `dst` (the edge's traffic).
  int64_t edge_bytes(int src, int dst) const;

 private:
  std::vector<DagNode> nodes_;
  std::vector<DagTensor> tensors_;
};

}  // namespace stitch::partition
