// Tests of task mappings: the documented assignments, the partition property on random
// compositions, and emit() agreeing with tasks_of() when the emitted IR is run.
// Part of tests/unit/kir/.
#include "kir/task_mapping.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "eval.h"
#include "kir/printer.h"

namespace stitch::kir {
namespace {

using Tasks = std::vector<std::vector<int64_t>>;

TEST(TaskMapping, SpatialAndRepeatAtoms) {
  TaskMapping s = spatial({2, 3});
  EXPECT_EQ(s.num_workers(), 6);
  EXPECT_EQ(s.task_shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(s.tasks_of(4), (Tasks{{1, 1}}));
  TaskMapping r = repeat({2, 2});
  EXPECT_EQ(r.num_workers(), 1);
  EXPECT_EQ(r.tasks_of(0), (Tasks{{0, 0}, {0, 1}, {1, 0}, {1, 1}}));
}

// The example documented in task_mapping.h.
TEST(TaskMapping, SpatialTimesRepeatGivesBlocks) {
  TaskMapping m = spatial({4, 2}) * repeat({2, 2});
  EXPECT_EQ(m.to_string(), "spatial(4, 2) * repeat(2, 2)");
  EXPECT_EQ(m.num_workers(), 8);
  EXPECT_EQ(m.task_shape(), (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(m.tasks_of(0), (Tasks{{0, 0}, {0, 1}, {1, 0}, {1, 1}}));
  EXPECT_EQ(m.tasks_of(1), (Tasks{{0, 2}, {0, 3}, {1, 2}, {1, 3}}));
  EXPECT_EQ(m.tasks_of(3), (Tasks{{2, 2}, {2, 3}, {3, 2}, {3, 3}}));
  EXPECT_EQ(m.tasks_of(6), (Tasks{{6, 0}, {6, 1}, {7, 0}, {7, 1}}));
}

// The second documented example: repeat outside spatial strides each worker over rows.
TEST(TaskMapping, RepeatTimesSpatialStrides) {
  TaskMapping m = repeat({2, 1}) * spatial({2, 4});
  EXPECT_EQ(m.num_workers(), 8);
  EXPECT_EQ(m.task_shape(), (std::vector<int64_t>{4, 4}));
  for (int64_t w = 0; w < 8; ++w) {
    EXPECT_EQ(m.tasks_of(w), (Tasks{{w / 4, w % 4}, {2 + w / 4, w % 4}})) << "worker " << w;
  }
}

TEST(TaskMapping, CompositionIsAssociative) {
  TaskMapping a = spatial({2, 1}), b = repeat({1, 3}), c = spatial({2, 2});
  TaskMapping left = (a * b) * c, right = a * (b * c);
  ASSERT_EQ(left.num_workers(), right.num_workers());
  for (int64_t w = 0; w < left.num_workers(); ++w) EXPECT_EQ(left.tasks_of(w), right.tasks_of(w));
}

int64_t num_tasks(const TaskMapping& m) {
  int64_t total = 1;
  for (int64_t d : m.task_shape()) total *= d;
  return total;
}

// A random composition of 1 to 4 atoms of one rank (1 to 3) with extents 1 to 4, at most
// 2048 tasks in all (so that every case stays small and the test fast).
TaskMapping random_mapping(std::mt19937& rng) {
  const int rank = std::uniform_int_distribution<int>(1, 3)(rng);
  const int atoms = std::uniform_int_distribution<int>(1, 4)(rng);
  std::uniform_int_distribution<int64_t> extent(1, 4);
  TaskMapping m = spatial(std::vector<int64_t>(rank, 1));
  for (int a = 0; a < atoms; ++a) {
    std::vector<int64_t> dims(rank);
    for (int64_t& d : dims) d = extent(rng);
    const TaskMapping atom = rng() % 2 ? spatial(dims) : repeat(dims);
    const TaskMapping next = a == 0 ? atom : m * atom;
    if (num_tasks(next) > 2048) break;
    m = next;
  }
  return m;
}

int64_t linear(const std::vector<int64_t>& task, const std::vector<int64_t>& shape) {
  int64_t index = 0;
  for (size_t k = 0; k < shape.size(); ++k) {
    EXPECT_GE(task[k], 0);
    EXPECT_LT(task[k], shape[k]);
    index = index * shape[k] + task[k];
  }
  return index;
}

// The algebra's invariant: the workers' task lists partition the task grid.
TEST(TaskMapping, RandomCompositionsCoverEveryTaskExactlyOnce) {
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 500; ++trial) {
    const TaskMapping m = random_mapping(rng);
    const int64_t total = num_tasks(m);
    std::vector<int> hits(total, 0);
    for (int64_t w = 0; w < m.num_workers(); ++w) {
      for (const auto& task : m.tasks_of(w)) ++hits[linear(task, m.task_shape())];
    }
    for (int64_t t = 0; t < total; ++t) {
      ASSERT_EQ(hits[t], 1) << m.to_string() << ": task " << t;
    }
  }
}

// Runs the IR emit() builds for every worker and compares with tasks_of, order included.
void expect_emit_matches(const TaskMapping& m) {
  Var worker = make_var("w");
  Stmt s = m.emit(worker, [](const std::vector<Expr>& task) { return testing::record(task); });
  for (int64_t w = 0; w < m.num_workers(); ++w) {
    testing::Evaluator ev;
    ev.env[worker.get()] = w;
    ev.exec(s);
    ASSERT_EQ(ev.records, m.tasks_of(w)) << m.to_string() << ", worker " << w << ":\n"
                                         << to_string(s);
  }
}

TEST(TaskMapping, EmitAgreesWithTasksOf) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 300; ++trial) expect_emit_matches(random_mapping(rng));
}

TEST(TaskMapping, EmittedIRIsReadable) {
  Var w = make_var("w");
  auto body = [](const std::vector<Expr>& task) { return testing::record(task); };
  EXPECT_EQ(to_string((spatial({4, 2}) * repeat({2, 2})).emit(w, body)),
            "for r0 in [0, 2) {\n"
            "  for r1 in [0, 2) {\n"
            "    evaluate record(w / 2 * 2 + r0, w % 2 * 2 + r1)\n"
            "  }\n"
            "}\n");
  EXPECT_EQ(to_string((repeat({2, 1}) * spatial({2, 4})).emit(w, body, ForKind::kUnrolled)),
            "unrolled for r0 in [0, 2) {\n"
            "  evaluate record(r0 * 2 + w / 4, w % 4)\n"
            "}\n");
  // A thread-block x warp x lane style nest: three spatial levels.
  EXPECT_EQ(to_string((spatial({2}) * spatial({3}) * spatial({4})).emit(w, body)),
            "evaluate record((w / 12 * 3 + w / 4 % 3) * 4 + w % 4)\n");
}

TEST(TaskMappingDeathTest, RankMismatchAborts) {
  EXPECT_DEATH(spatial({2, 2}) * repeat({2}), "composing task mappings of rank 2 and 1");
}

}  // namespace
}  // namespace stitch::kir
