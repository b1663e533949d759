// The partition invariants on 10,000 seeded random DAGs (1-60 nodes, mixed op classes, chains,
// diamonds, skip connections, shared inputs), for each policy: every op in exactly one subgraph,
// the graph of subgraphs acyclic and listed in topological order, opaque ops alone, boundaries
// consistent, `single` with at most one anchor per subgraph, `arbitrary` within its budgets.
// Part of tests/unit/partition/.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "dag_test_util.h"
#include "partition/partition.h"

namespace stitch::partition {
namespace {

constexpr int kNumDags = 10000;

// Checks shared by every policy; returns false (after recording failures) to stop early.
::testing::AssertionResult common_properties(const Partition& p, const OpDag& dag) {
  Status s = validate(p, dag);
  if (!s.is_ok()) return ::testing::AssertionFailure() << s.message();
  for (size_t i = 0; i < p.subgraphs.size(); ++i) {
    const Subgraph& sg = p.subgraphs[i];
    for (int v : sg.nodes) {
      if (dag.op_class(v) == OpClass::kOpaque && sg.nodes.size() != 1) {
        return ::testing::AssertionFailure() << "opaque node " << v << " shares subgraph " << i;
      }
    }
    // Every input made by another subgraph must be among that subgraph's outputs.
    for (int t : sg.inputs) {
      int producer = dag.tensor(t).producer;
      if (producer < 0) continue;
      const auto& outs = p.subgraphs[p.subgraph_of[producer]].outputs;
      if (std::find(outs.begin(), outs.end(), t) == outs.end()) {
        return ::testing::AssertionFailure() << "tensor " << t << " read by subgraph " << i
                                             << " is not an output of its producer's subgraph";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult within_budgets(const Partition& p, const OpDag& dag,
                                          const ArbitraryOptions& opt) {
  for (size_t i = 0; i < p.subgraphs.size(); ++i) {
    const Subgraph& sg = p.subgraphs[i];
    int complex = 0;
    for (int v : sg.nodes) complex += dag.op_class(v) == OpClass::kComplex ? 1 : 0;
    // A part already over the working-set limit may absorb what does not grow it, so the
    // bound is the limit or the largest single op's working set.
    int64_t limit = opt.max_working_set_bytes;
    for (int v : sg.nodes) limit = std::max(limit, working_set_bytes(dag, {v}));
    int64_t ws = working_set_bytes(dag, sg.nodes);
    bool ok = complex <= opt.max_complex_per_subgraph &&
              static_cast<int>(sg.nodes.size()) <= opt.max_nodes_per_subgraph && ws <= limit;
    if (!ok) {
      return ::testing::AssertionFailure()
             << "subgraph " << i << ": " << sg.nodes.size() << " nodes, " << complex << " complex, "
             << ws << " bytes";
    }
  }
  return ::testing::AssertionSuccess();
}

// Budgets that vary with the DAG, so that every limit binds somewhere.
ArbitraryOptions random_budgets(std::mt19937& rng) {
  ArbitraryOptions opt;
  opt.max_complex_per_subgraph = std::uniform_int_distribution<int>(1, 5)(rng);
  opt.max_nodes_per_subgraph = std::uniform_int_distribution<int>(2, 64)(rng);
  static const int64_t kLimits[] = {1 << 16, 1 << 20, 4 << 20, int64_t{1} << 40};
  opt.max_working_set_bytes = kLimits[std::uniform_int_distribution<int>(0, 3)(rng)];
  return opt;
}

TEST(PartitionProperties, RandomDags) {
  std::mt19937 rng(20240601);
  int64_t nodes = 0, single_subgraphs = 0, arbitrary_subgraphs = 0;
  for (int iter = 0; iter < kNumDags; ++iter) {
    OpDag dag = testing::random_dag(rng);
    nodes += dag.num_nodes();

    Partition none = partition_none(dag);
    ASSERT_TRUE(common_properties(none, dag)) << "none, dag " << iter;
    ASSERT_EQ(static_cast<int>(none.subgraphs.size()), dag.num_nodes());

    Partition single = partition_single_anchor(dag);
    ASSERT_TRUE(common_properties(single, dag)) << "single, dag " << iter;
    for (const Subgraph& sg : single.subgraphs) ASSERT_LE(sg.anchors.size(), 1u) << iter;
    single_subgraphs += single.subgraphs.size();

    ArbitraryOptions opt = iter % 2 == 0 ? ArbitraryOptions{} : random_budgets(rng);
    Partition arbitrary = partition_arbitrary(dag, opt);
    ASSERT_TRUE(common_properties(arbitrary, dag)) << "arbitrary, dag " << iter;
    ASSERT_TRUE(within_budgets(arbitrary, dag, opt)) << "arbitrary, dag " << iter;
    arbitrary_subgraphs += arbitrary.subgraphs.size();
  }
  // The policies must actually fuse on this corpus, or the properties above prove little.
  EXPECT_LT(single_subgraphs, nodes * 19 / 20);
  EXPECT_LT(arbitrary_subgraphs, single_subgraphs);
  std::printf("%d DAGs, %lld nodes: %lld subgraphs (single), %lld (arbitrary)\n", kNumDags,
              static_cast<long long>(nodes), static_cast<long long>(single_subgraphs),
              static_cast<long long>(arbitrary_subgraphs));
}

// A DAG of the size of BERT-base (about 1,000 ops) goes through every policy; a regression in
// complexity shows up as this test's time in ctest.
TEST(PartitionProperties, LargeDag) {
  std::mt19937 rng(5);
  OpDag dag = testing::random_dag(rng, {2000, 2000});
  ASSERT_TRUE(common_properties(partition_single_anchor(dag), dag));
  Partition p = partition_arbitrary(dag);
  ASSERT_TRUE(common_properties(p, dag));
  ASSERT_TRUE(within_budgets(p, dag, {}));
}

}  // namespace
}  // namespace stitch::partition
