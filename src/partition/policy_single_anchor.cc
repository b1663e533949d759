// The `single` fusion policy (TVM / Hidet): one complex or reduce anchor per subgraph, with the
// injective ops around it fused as prologue and epilogue. Part of partition/.
//
// Rules, applied in this order so that results are deterministic:
//  1. Epilogues: for each anchor in topological order, an injective consumer joins when every
//     tensor it reads from the anchor's subgraph is read by nobody else and is not a graph
//     output (the intermediate then never reaches memory); repeated, so chains join.
//  2. Prologues: for each anchor, an injective producer joins when all it produces is read by
//     the anchor's subgraph alone; repeated, so chains join.
//  3. Injective ops left over form injective-only subgraphs along private chains.
// Opaque ops stay alone, and two anchors never meet. Every merge also passes the cycle rule
// (ClusterGraph::can_merge); the index-map conditions of DESIGN 3.4 are lowering's to refine.
#include "partition/cluster_graph.h"
#include "partition/partition.h"

namespace stitch::partition {
namespace {

bool injective_only(const ClusterGraph& cg, int r) {
  return cg.num_anchors(r) == 0 && !cg.has_opaque(r);
}

// Absorbs one injective neighbour of `k` that satisfies the rule; returns the new root, or -1.
int absorb_epilogue(ClusterGraph& cg, int k) {
  for (int c : cg.successors(k)) {
    if (injective_only(cg, c) && cg.feeds_privately(k, c) && cg.can_merge(k, c)) {
      return cg.merge(k, c);
    }
  }
  return -1;
}

int absorb_prologue(ClusterGraph& cg, int k) {
  for (int p : cg.predecessors(k)) {
    if (!injective_only(cg, p)) continue;
    std::vector<int> readers = cg.successors(p);
    if (readers.size() == 1 && readers[0] == k && cg.feeds_privately(p, k) && cg.can_merge(p, k)) {
      return cg.merge(p, k);
    }
  }
  return -1;
}

// Grows the cluster holding `node` with `absorb` until nothing more joins.
void grow(ClusterGraph& cg, int node, int (*absorb)(ClusterGraph&, int)) {
  int k = cg.root(node);
  for (int next = absorb(cg, k); next >= 0; next = absorb(cg, k)) k = next;
}

void merge_injective_chains(ClusterGraph& cg) {
  const OpDag& dag = cg.dag();
  for (int v = 0; v < dag.num_nodes(); ++v) {
    if (!injective_only(cg, cg.root(v))) continue;
    for (int q : cg.predecessors(cg.root(v))) {
      int r = cg.root(v);
      if (injective_only(cg, q) && cg.feeds_privately(q, r) && cg.can_merge(q, r)) cg.merge(q, r);
    }
  }
}

}  // namespace

Partition partition_single_anchor(const OpDag& dag) {
  ClusterGraph cg(dag);
  for (int v = 0; v < dag.num_nodes(); ++v) {
    if (dag.is_anchor(v)) grow(cg, v, absorb_epilogue);
  }
  for (int v = 0; v < dag.num_nodes(); ++v) {
    if (dag.is_anchor(v)) grow(cg, v, absorb_prologue);
  }
  merge_injective_chains(cg);
  return make_partition(dag, cg.assignment());
}

}  // namespace stitch::partition
