// Reachability on a DAG and on the DAG of clusters it contracts into, as a bitset transitive
// closure. Part of partition/: the legality test of every merge (DESIGN 3.4) asks it.
//
// Invariant: ids are the node indices of the OpDag; after contractions an id stands for the
// cluster it survives as ("live"), dead ids have empty rows and are never asked about. For live
// x, y: reaches(x, y) <=> there is a path of length >= 1 from x to y in the contracted DAG. A
// contraction of a and b into a keeps this true by (1) row[a] |= row[b], minus a and b, and
// (2) every row that held a or b gains the new row[a] and holds a instead of b: a path through
// the merged cluster enters it once (the DAG stays acyclic) and leaves it from a or from b.
// Memory is n^2 bits (1,000 nodes: 125 KB); a contraction costs O(n + hits * n / 64).
#pragma once

#include <cstdint>
#include <vector>

#include "partition/op_dag.h"

namespace stitch::partition {

class Reachability {
 public:
  explicit Reachability(const OpDag& dag);

  bool reaches(int from, int to) const {
    return (rows_[row_index(from) + (to >> 6)] >> (to & 63)) & 1;
  }
  // Contracts the live clusters `keep` and `gone` into `keep` (they must not be the ends of a
  // path through a third cluster, else the result would hold a cycle).
  void contract(int keep, int gone);

 private:
  size_t row_index(int id) const { return static_cast<size_t>(id) * words_; }
  void set(int from, int to) { rows_[row_index(from) + (to >> 6)] |= uint64_t{1} << (to & 63); }
  void clear(int from, int to) {
    rows_[row_index(from) + (to >> 6)] &= ~(uint64_t{1} << (to & 63));
  }

  int n_ = 0;
  size_t words_ = 0;
  std::vector<uint64_t> rows_;
};

// The same question answered without a closure, for checking it: a DFS from `from` over
// successors that prunes every node whose topological index exceeds `to` (no path from there
// can come back to `to`). Plain DAG, no contraction.
bool reaches_by_dfs(const OpDag& dag, int from, int to);

}  // namespace stitch::partition
