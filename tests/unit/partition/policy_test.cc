// The three policies and the partition checks on hand-made DAGs: the legality rule (diamonds),
// priorities, budgets, the single-anchor prologue/epilogue rules, and validate() catching bad
// partitions. Part of tests/unit/partition/.
#include <gtest/gtest.h>

#include "dag_test_util.h"
#include "partition/cluster_graph.h"
#include "partition/partition.h"

namespace stitch::partition {
namespace {

using testing::DagBuilder;

bool together(const Partition& p, int a, int b) { return p.subgraph_of[a] == p.subgraph_of[b]; }

// A -> B and A -> X -> B with X opaque: A and B may not merge, or X would both follow and
// precede their subgraph.
TEST(Legality, DiamondWithOpaqueMiddleKeepsEndsApart) {
  DagBuilder b;
  int a = b.inj({}, 4096);
  int x = b.opaque({a});
  int e = b.inj({a, x}, 4096);
  OpDag dag = b.finish();
  ClusterGraph cg(dag);
  EXPECT_FALSE(cg.can_merge(a, e));
  EXPECT_TRUE(cg.can_merge(a, x));
  EXPECT_TRUE(cg.can_merge(x, e));
  for (const Partition& p : {partition_single_anchor(dag), partition_arbitrary(dag)}) {
    ASSERT_TRUE(validate(p, dag).is_ok()) << validate(p, dag).message();
    EXPECT_FALSE(together(p, a, e));
    EXPECT_EQ(p.subgraphs.size(), 3u);
  }
}

TEST(Legality, DiamondMergesWhole) {
  DagBuilder b;
  int a = b.complex({}, 4096);
  int x = b.inj({a}, 4096);
  int e = b.complex({a, x}, 4096);
  OpDag dag = b.finish();
  ClusterGraph cg(dag);
  EXPECT_FALSE(cg.can_merge(a, e));
  int ax = cg.merge(a, x);
  EXPECT_TRUE(cg.can_merge(ax, e));  // once X is inside, the path no longer leaves
  Partition p = partition_arbitrary(dag);
  EXPECT_EQ(p.subgraphs.size(), 1u);
  EXPECT_EQ(p.subgraphs[0].anchors, (std::vector<int>{a, e}));
}

TEST(Legality, NonAdjacentPairOnAPathIsIllegal) {
  DagBuilder b;
  int a = b.inj({});
  int x = b.inj({a});
  int c = b.inj({x});
  int lone = b.inj({});
  OpDag dag = b.finish();
  ClusterGraph cg(dag);
  EXPECT_FALSE(cg.can_merge(a, c));
  EXPECT_FALSE(cg.can_merge(c, a));
  EXPECT_TRUE(cg.can_merge(a, lone));
}

TEST(Validate, CatchesCycleMissingAndDuplicateNodes) {
  DagBuilder b;
  int a = b.inj({});
  int x = b.inj({a});
  int e = b.inj({x});
  OpDag dag = b.finish();
  Partition cyclic = make_partition(dag, {0, 1, 0});  // {a, e} around x
  EXPECT_FALSE(is_acyclic(cyclic, dag));
  EXPECT_NE(validate(cyclic, dag).message().find("cycle"), std::string::npos);

  Partition good = make_partition(dag, {0, 0, 1});
  EXPECT_TRUE(is_acyclic(good, dag));
  EXPECT_TRUE(validate(good, dag).is_ok());
  Partition missing = good;
  missing.subgraphs[1].nodes.clear();
  EXPECT_FALSE(validate(missing, dag).is_ok());
  Partition duplicate = good;
  duplicate.subgraphs[1].nodes = {x, e};
  EXPECT_NE(validate(duplicate, dag).message().find("two subgraphs"), std::string::npos);
  Partition misordered = good;
  std::swap(misordered.subgraphs[0], misordered.subgraphs[1]);
  misordered.subgraph_of = {1, 1, 0};
  EXPECT_TRUE(is_acyclic(misordered, dag));
  EXPECT_NE(validate(misordered, dag).message().find("later subgraph"), std::string::npos);
}

TEST(MakePartition, OrdersSubgraphsTopologicallyAndFillsBoundaries) {
  DagBuilder b;
  int in = b.input(64);
  int w = b.input(64, /*is_constant=*/true);
  int a = b.op(OpClass::kInjective, {}, 100, {in});
  int c = b.op(OpClass::kComplex, {a}, 100, {w});
  int x = b.inj({a});
  int e = b.inj({c, x});
  OpDag dag = b.finish();
  // Labels chosen so that sorting by label would put {x} first, which is not topological.
  Partition p = make_partition(dag, {5, 5, 1, 9});
  ASSERT_TRUE(validate(p, dag).is_ok()) << validate(p, dag).message();
  ASSERT_EQ(p.subgraphs.size(), 3u);
  EXPECT_EQ(p.subgraphs[0].nodes, (std::vector<int>{a, c}));
  EXPECT_EQ(p.subgraphs[0].anchors, (std::vector<int>{c}));
  EXPECT_EQ(p.subgraphs[0].inputs, (std::vector<int>{in, w}));
  EXPECT_EQ(p.subgraphs[0].outputs, (std::vector<int>{b.output_of(a), b.output_of(c)}));
  EXPECT_EQ(p.subgraphs[1].nodes, (std::vector<int>{x}));
  EXPECT_EQ(p.subgraphs[2].outputs, (std::vector<int>{b.output_of(e)}));  // graph output
}

TEST(PolicyNone, OneOpPerSubgraph) {
  DagBuilder b;
  int a = b.complex({});
  b.inj({a});
  b.inj({a});
  OpDag dag = b.finish();
  Partition p = partition_none(dag);
  ASSERT_TRUE(validate(p, dag).is_ok());
  EXPECT_EQ(p.subgraphs.size(), 3u);
}

// in_op -> conv -> add -> relu -> conv2 -> softmax, relu also read by a residual add.
TEST(PolicySingle, PrologueAndEpilogueChains) {
  DagBuilder b;
  int pre = b.inj({});
  int conv = b.complex({pre});
  int add = b.inj({conv});
  int relu = b.inj({add});
  int conv2 = b.complex({relu});
  int soft = b.reduce({conv2});
  int residual = b.inj({relu, soft});
  OpDag dag = b.finish();
  Partition p = partition_single_anchor(dag);
  ASSERT_TRUE(validate(p, dag).is_ok());
  EXPECT_EQ(p.subgraphs[p.subgraph_of[conv]].nodes, (std::vector<int>{pre, conv, add, relu}));
  EXPECT_EQ(p.subgraphs[p.subgraph_of[conv2]].nodes, (std::vector<int>{conv2}));  // soft: anchor
  EXPECT_EQ(p.subgraphs[p.subgraph_of[soft]].nodes, (std::vector<int>{soft, residual}));
  EXPECT_EQ(p.subgraphs.size(), 3u);
}

TEST(PolicySingle, SharedOrGraphOutputIntermediatesDoNotFuse) {
  DagBuilder b;
  int conv = b.complex({});
  int relu = b.inj({conv});  // conv's output is also a graph output: not fused
  b.mark_output(conv);
  int conv2 = b.complex({relu});
  int use1 = b.inj({conv2});  // conv2's output read twice: neither consumer fuses
  int use2 = b.inj({conv2});
  int tail = b.inj({use2});  // but use2 -> tail is a private injective chain
  OpDag dag = b.finish();
  Partition p = partition_single_anchor(dag);
  ASSERT_TRUE(validate(p, dag).is_ok());
  EXPECT_FALSE(together(p, conv, relu));
  EXPECT_TRUE(together(p, relu, conv2));  // prologue: relu is read by conv2 alone
  EXPECT_FALSE(together(p, conv2, use1));
  EXPECT_FALSE(together(p, conv2, use2));
  EXPECT_TRUE(together(p, use2, tail));
  EXPECT_FALSE(together(p, use1, use2));
}

TEST(PolicySingle, OpaqueAloneAndAnchorsNeverMeet) {
  DagBuilder b;
  int a = b.complex({});
  int o = b.opaque({a});
  int r = b.reduce({o});
  int c = b.complex({r});
  OpDag dag = b.finish();
  Partition p = partition_single_anchor(dag);
  EXPECT_EQ(p.subgraphs.size(), 4u);
  EXPECT_FALSE(together(p, a, o) || together(p, o, r) || together(p, r, c));
}

// P writes a big tensor to Q and a small one to R; with room for one merge, Q wins.
TEST(PolicyArbitrary, MergesTheEdgeThatSavesMostTrafficFirst) {
  DagBuilder b;
  int p = b.complex({});
  int q_in = b.dag().add_output_tensor(p, 100000);
  int r_in = b.dag().add_output_tensor(p, 10);
  int q = b.op(OpClass::kInjective, {}, 100, {q_in});
  int r = b.op(OpClass::kInjective, {}, 100, {r_in});
  OpDag dag = b.finish();
  ArbitraryOptions opt;
  opt.max_nodes_per_subgraph = 2;
  Partition part = partition_arbitrary(dag, opt);
  ASSERT_TRUE(validate(part, dag).is_ok());
  EXPECT_TRUE(together(part, p, q));
  EXPECT_FALSE(together(part, p, r));
}

TEST(PolicyArbitrary, SiblingsSharingAnActivationMergeButNotOverAConstant) {
  DagBuilder b;
  int x = b.input(50000);
  int w = b.input(50000, /*is_constant=*/true);
  int q = b.op(OpClass::kComplex, {}, 100, {x});
  int k = b.op(OpClass::kComplex, {}, 100, {x});
  int u = b.op(OpClass::kComplex, {}, 100, {w});
  int v = b.op(OpClass::kComplex, {}, 100, {w});
  OpDag dag = b.finish();
  Partition p = partition_arbitrary(dag);
  ASSERT_TRUE(validate(p, dag).is_ok());
  EXPECT_TRUE(together(p, q, k));
  EXPECT_FALSE(together(p, u, v));
  EXPECT_EQ(p.subgraphs.size(), 3u);
}

TEST(PolicyArbitrary, ComplexBudget) {
  DagBuilder b;
  int prev = b.complex({});
  for (int i = 0; i < 9; ++i) prev = b.complex({prev});
  OpDag dag = b.finish();
  ArbitraryOptions opt;
  opt.max_complex_per_subgraph = 4;
  Partition p = partition_arbitrary(dag, opt);
  ASSERT_TRUE(validate(p, dag).is_ok());
  EXPECT_EQ(p.subgraphs.size(), 3u);  // 10 complex ops: 4 + 4 + 2 at best
  for (const Subgraph& sg : p.subgraphs) EXPECT_LE(sg.anchors.size(), 4u);
}

TEST(WorkingSet, CountsBoundaryAndAnchorToAnchorIntermediatesOnly) {
  DagBuilder b;
  int x = b.input(1000);
  int w = b.input(5000, /*is_constant=*/true);
  int a = b.op(OpClass::kInjective, {}, 10, {x, w});
  int c = b.inj({a}, 20);
  int m = b.complex({c}, 40);
  int d = b.inj({m, a}, 80);
  int r = b.reduce({d}, 160);
  OpDag dag = b.finish();
  EXPECT_EQ(working_set_bytes(dag, {a}), 1000 + 10);                 // the constant is free
  EXPECT_EQ(working_set_bytes(dag, {a, c}), 1000 + 10 + 20);         // a's output also read by d
  EXPECT_EQ(working_set_bytes(dag, {c, m}), 10 + 40);                // c -> m: a prologue
  EXPECT_EQ(working_set_bytes(dag, {a, c, m, d}), 1000 + 80);        // m -> d: an epilogue
  EXPECT_EQ(working_set_bytes(dag, {m, d, r}), 20 + 10 + 80 + 160);  // m ~> r: held
}

// a (complex) -> e (injective) -> c (complex), with megabyte tensors: the epilogue e may join
// the already-too-big a, but nothing may grow {a, e} further.
TEST(PolicyArbitrary, WorkingSetBudgetNeverBlocksASingleOp) {
  DagBuilder b;
  int x = b.input(700000);
  int a = b.op(OpClass::kComplex, {}, 700000, {x});  // 1.4 MB alone
  int e = b.inj({a}, 700000);
  int c = b.complex({e}, 100);
  OpDag dag = b.finish();
  Partition p = partition_arbitrary(dag);  // 1 MiB limit
  ASSERT_TRUE(validate(p, dag).is_ok());
  EXPECT_TRUE(together(p, a, e));
  EXPECT_FALSE(together(p, e, c));
  EXPECT_EQ(working_set_bytes(dag, p.subgraphs[p.subgraph_of[a]].nodes), 1400000);
  ArbitraryOptions roomy;
  roomy.max_working_set_bytes = 2500000;
  EXPECT_EQ(partition_arbitrary(dag, roomy).subgraphs.size(), 1u);
}

TEST(PolicyArbitrary, OpaqueNeverMerges) {
  DagBuilder b;
  int a = b.inj({});
  int o = b.opaque({a});
  b.inj({o});
  OpDag dag = b.finish();
  EXPECT_EQ(partition_arbitrary(dag).subgraphs.size(), 3u);
}

TEST(Policies, EmptyDag) {
  OpDag dag;
  EXPECT_TRUE(partition_none(dag).subgraphs.empty());
  EXPECT_TRUE(partition_single_anchor(dag).subgraphs.empty());
  EXPECT_TRUE(partition_arbitrary(dag).subgraphs.empty());
  EXPECT_TRUE(validate(partition_arbitrary(dag), dag).is_ok());
}

}  // namespace
}  // namespace stitch::partition
