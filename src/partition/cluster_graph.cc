// ClusterGraph: union-find over the OpDag's nodes, cluster neighbour lists, and the merge
// legality test on the contracted reachability. Part of partition/.
#include "partition/cluster_graph.h"

#include <algorithm>
#include <iterator>

#include "support/status.h"

namespace stitch::partition {

ClusterGraph::ClusterGraph(const OpDag& dag) : dag_(dag), reach_(dag) {
  int n = dag.num_nodes();
  parent_.resize(n);
  members_.resize(n);
  succs_.resize(n);
  preds_.resize(n);
  num_complex_.assign(n, 0);
  num_anchors_.assign(n, 0);
  has_opaque_.assign(n, 0);
  for (int v = 0; v < n; ++v) {
    parent_[v] = v;
    members_[v] = {v};
    succs_[v] = dag.node(v).succs;
    preds_[v] = dag.node(v).preds;
    num_complex_[v] = dag.op_class(v) == OpClass::kComplex ? 1 : 0;
    num_anchors_[v] = dag.is_anchor(v) ? 1 : 0;
    has_opaque_[v] = dag.op_class(v) == OpClass::kOpaque ? 1 : 0;
  }
}

int ClusterGraph::root(int node) const {
  int r = node;
  while (parent_[r] != r) r = parent_[r];
  while (parent_[node] != r) {
    int next = parent_[node];
    parent_[node] = r;
    node = next;
  }
  return r;
}

std::vector<int> ClusterGraph::live(const std::vector<int>& ids, int self) const {
  std::vector<int> out;
  out.reserve(ids.size());
  for (int id : ids) {
    int r = root(id);
    if (r != self) out.push_back(r);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<int> ClusterGraph::successors(int r) const { return live(succs_[r], r); }
std::vector<int> ClusterGraph::predecessors(int r) const { return live(preds_[r], r); }

bool ClusterGraph::can_merge(int a, int b) const {
  if (a == b) return false;
  for (int s : successors(a)) {
    if (s != b && reach_.reaches(s, b)) return false;
  }
  for (int s : successors(b)) {
    if (s != a && reach_.reaches(s, a)) return false;
  }
  return true;
}

int ClusterGraph::merge(int a, int b) {
  STITCH_CHECK(a == root(a) && b == root(b) && a != b, "merge of ", a, " and ", b);
  int keep = std::min(a, b);
  int gone = std::max(a, b);
  reach_.contract(keep, gone);
  parent_[gone] = keep;
  std::vector<int> merged;
  std::merge(members_[keep].begin(), members_[keep].end(), members_[gone].begin(),
             members_[gone].end(), std::back_inserter(merged));
  members_[keep] = std::move(merged);
  members_[gone].clear();
  members_[gone].shrink_to_fit();
  succs_[keep].insert(succs_[keep].end(), succs_[gone].begin(), succs_[gone].end());
  preds_[keep].insert(preds_[keep].end(), preds_[gone].begin(), preds_[gone].end());
  succs_[keep] = live(succs_[keep], keep);
  preds_[keep] = live(preds_[keep], keep);
  succs_[gone].clear();
  preds_[gone].clear();
  num_complex_[keep] += num_complex_[gone];
  num_anchors_[keep] += num_anchors_[gone];
  has_opaque_[keep] = has_opaque_[keep] || has_opaque_[gone];
  return keep;
}

bool ClusterGraph::feeds_privately(int from, int to) const {
  for (int v : members_[from]) {
    for (int t : dag_.node(v).outputs) {
      const DagTensor& tensor = dag_.tensor(t);
      bool read_by_to = false;
      bool read_elsewhere = false;
      for (int c : tensor.consumers) {
        int r = root(c);
        read_by_to = read_by_to || r == to;
        read_elsewhere = read_elsewhere || (r != to && r != from);
      }
      if (read_by_to && (read_elsewhere || tensor.is_graph_output)) return false;
    }
  }
  return true;
}

std::vector<int> ClusterGraph::assignment() const {
  std::vector<int> out(dag_.num_nodes());
  for (int v = 0; v < dag_.num_nodes(); ++v) out[v] = root(v);
  return out;
}

}  // namespace stitch::partition
