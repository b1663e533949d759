// ClusterGraph: an OpDag's nodes grouped into clusters that only grow by merging two at a time,
// with the legality rule that keeps the graph of clusters acyclic (DESIGN 3.4). Part of
// partition/; the single-anchor and arbitrary policies build their subgraphs on it.
//
// Invariants: every node is in exactly one cluster, named by its root, the cluster's smallest node
// index (a merge keeps the smaller root); the graph of clusters is acyclic as long as every merge
// passed can_merge(); neighbour lists may hold stale ids that root() maps to live clusters.
#pragma once

#include <vector>

#include "partition/op_dag.h"
#include "partition/reachability.h"

namespace stitch::partition {

class ClusterGraph {
 public:
  explicit ClusterGraph(const OpDag& dag);

  const OpDag& dag() const { return dag_; }
  // The live cluster holding `node`.
  int root(int node) const;
  // Nodes of a live cluster, ascending (a topological order).
  const std::vector<int>& members(int root) const { return members_[root]; }
  int size(int root) const { return static_cast<int>(members_[root].size()); }
  int num_complex(int root) const { return num_complex_[root]; }
  int num_anchors(int root) const { return num_anchors_[root]; }
  bool has_opaque(int root) const { return has_opaque_[root]; }
  // Distinct live clusters that read a tensor of `root` / that `root` reads from.
  std::vector<int> successors(int root) const;
  std::vector<int> predecessors(int root) const;
  bool reaches(int from_root, int to_root) const { return reach_.reaches(from_root, to_root); }

  // Legal iff no path between a and b passes through a third cluster: for an edge a -> b no
  // a ~> x ~> b; for clusters that are not adjacent, neither a ~> b nor b ~> a.
  bool can_merge(int a, int b) const;
  // Merges two live clusters (checked with can_merge); returns the surviving root.
  int merge(int a, int b);
  // True when every tensor that `from` produces and `to` reads is read only inside from ∪ to
  // and is not a graph output: merging makes those tensors disappear from memory.
  bool feeds_privately(int from, int to) const;
  // The cluster root of every node.
  std::vector<int> assignment() const;

 private:
  std::vector<int> live(const std::vector<int>& ids, int self) const;

  const OpDag& dag_;
  mutable std::vector<int> parent_;  // union-find with path compression
  std::vector<std::vector<int>> members_;
  std::vector<std::vector<int>> succs_;
  std::vector<std::vector<int>> preds_;
  std::vector<int> num_complex_;
  std::vector<int> num_anchors_;
  std::vector<char> has_opaque_;
  Reachability reach_;
};

}  // namespace stitch::partition
