// Bitset transitive closure of an OpDag, kept exact under contraction of clusters, and a pruned
// DFS that answers the same question on the plain DAG. Part of partition/.
#include "partition/reachability.h"

#include "support/status.h"

namespace stitch::partition {

Reachability::Reachability(const OpDag& dag)
    : n_(dag.num_nodes()), words_((static_cast<size_t>(dag.num_nodes()) + 63) / 64) {
  rows_.assign(static_cast<size_t>(n_) * words_, 0);
  // Reverse topological order: every successor's row is final before it is read.
  for (int v = n_ - 1; v >= 0; --v) {
    for (int s : dag.node(v).succs) {
      set(v, s);
      for (size_t w = 0; w < words_; ++w) rows_[row_index(v) + w] |= rows_[row_index(s) + w];
    }
  }
}

void Reachability::contract(int keep, int gone) {
  STITCH_CHECK(keep != gone && keep >= 0 && gone >= 0 && keep < n_ && gone < n_, "contract ", keep,
               " and ", gone);
  uint64_t* k = &rows_[row_index(keep)];
  uint64_t* g = &rows_[row_index(gone)];
  for (size_t w = 0; w < words_; ++w) {
    k[w] |= g[w];
    g[w] = 0;
  }
  clear(keep, keep);
  clear(keep, gone);
  for (int c = 0; c < n_; ++c) {
    if (c == keep || !(reaches(c, keep) || reaches(c, gone))) continue;
    uint64_t* r = &rows_[row_index(c)];
    for (size_t w = 0; w < words_; ++w) r[w] |= k[w];
    clear(c, gone);
    set(c, keep);
  }
}

bool reaches_by_dfs(const OpDag& dag, int from, int to) {
  if (from >= to) return false;  // topological numbering: paths only go up
  std::vector<char> seen(dag.num_nodes(), 0);
  std::vector<int> stack = {from};
  while (!stack.empty()) {
    int v = stack.back();
    stack.pop_back();
    for (int s : dag.node(v).succs) {
      if (s == to) return true;
      if (s > to || seen[s]) continue;
      seen[s] = 1;
      stack.push_back(s);
    }
  }
  return false;
}

}  // namespace stitch::partition
