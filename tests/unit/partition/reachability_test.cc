// Reachability and cluster contraction: the bitset closure against a pruned DFS, its update
// under contraction against a from-scratch search, and ClusterGraph::can_merge against the
// definition (a merge is legal iff the contracted graph stays acyclic). Part of
// tests/unit/partition/.
#include "partition/reachability.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "dag_test_util.h"
#include "partition/cluster_graph.h"

namespace stitch::partition {
namespace {

using testing::DagBuilder;
using testing::random_dag;

TEST(Reachability, ChainAndDiamond) {
  DagBuilder b;
  int a = b.inj({});
  int x = b.inj({a});
  int y = b.inj({a});
  int d = b.inj({x, y});
  int lone = b.inj({});
  OpDag dag = b.finish();
  Reachability r(dag);
  EXPECT_TRUE(r.reaches(a, x));
  EXPECT_TRUE(r.reaches(a, d));
  EXPECT_TRUE(r.reaches(y, d));
  EXPECT_FALSE(r.reaches(x, y));
  EXPECT_FALSE(r.reaches(d, a));
  EXPECT_FALSE(r.reaches(a, a));  // paths have length >= 1; the DAG has no cycle
  EXPECT_FALSE(r.reaches(a, lone));
  EXPECT_TRUE(reaches_by_dfs(dag, a, d));
  EXPECT_FALSE(reaches_by_dfs(dag, x, y));
}

TEST(Reachability, ClosureMatchesDfsOnRandomDags) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    OpDag dag = random_dag(rng, {1, 80});
    Reachability r(dag);
    for (int a = 0; a < dag.num_nodes(); ++a) {
      for (int b = 0; b < dag.num_nodes(); ++b) {
        ASSERT_EQ(r.reaches(a, b), reaches_by_dfs(dag, a, b)) << iter << ": " << a << "->" << b;
      }
    }
  }
}

// The graph of clusters for a node -> root assignment, recomputed from the DAG.
std::map<int, std::set<int>> cluster_edges(const OpDag& dag, const std::vector<int>& root) {
  std::map<int, std::set<int>> succs;
  for (int v = 0; v < dag.num_nodes(); ++v) {
    succs[root[v]];
    for (int s : dag.node(v).succs) {
      if (root[s] != root[v]) succs[root[v]].insert(root[s]);
    }
  }
  return succs;
}

// Clusters reachable from `from` by paths of length >= 1.
std::set<int> reachable(const std::map<int, std::set<int>>& succs, int from) {
  std::set<int> seen;
  std::vector<int> stack(succs.at(from).begin(), succs.at(from).end());
  while (!stack.empty()) {
    int v = stack.back();
    stack.pop_back();
    if (!seen.insert(v).second) continue;
    stack.insert(stack.end(), succs.at(v).begin(), succs.at(v).end());
  }
  return seen;
}

// The definition of legality: the graph after merging a and b has no cycle through them.
bool merge_keeps_acyclic(const OpDag& dag, std::vector<int> root, int a, int b) {
  for (int& r : root) {
    if (r == b) r = a;
  }
  auto succs = cluster_edges(dag, root);
  return reachable(succs, a).count(a) == 0;
}

TEST(ClusterGraph, ContractionAndLegalityMatchTheDefinition) {
  std::mt19937 rng(11);
  int legal = 0, illegal = 0;
  for (int iter = 0; iter < 200; ++iter) {
    OpDag dag = random_dag(rng, {2, 30});
    ClusterGraph cg(dag);
    for (int step = 0; step < 3 * dag.num_nodes(); ++step) {
      std::uniform_int_distribution<int> pick(0, dag.num_nodes() - 1);
      int a = cg.root(pick(rng));
      int b = cg.root(pick(rng));
      if (a == b) continue;
      std::vector<int> root = cg.assignment();
      bool expected = merge_keeps_acyclic(dag, root, a, b);
      ASSERT_EQ(cg.can_merge(a, b), expected) << iter << ": " << a << " + " << b;
      if (!expected) {
        ++illegal;
        continue;
      }
      ++legal;
      cg.merge(a, b);
      root = cg.assignment();
      auto succs = cluster_edges(dag, root);
      for (const auto& [x, unused] : succs) {
        std::set<int> from_x = reachable(succs, x);
        for (const auto& [y, unused2] : succs) {
          ASSERT_EQ(cg.reaches(x, y), from_x.count(y) == 1) << iter << ": " << x << "->" << y;
        }
      }
    }
  }
  // Both outcomes must have been exercised for the comparison to mean anything.
  EXPECT_GT(legal, 1000);
  EXPECT_GT(illegal, 1000);
}

}  // namespace
}  // namespace stitch::partition
