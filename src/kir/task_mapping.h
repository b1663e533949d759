// Task mappings (Hidet): a tiny algebra that says which worker computes which task of a grid.
// Part of kir/; schedule templates in lower/ use it to map threads and SIMD lanes to tiles.
//
// ---- The algebra ----
// A task mapping M has a rank k, a task shape S(M) (a k-dim grid of tasks), a worker count
// W(M), and for each worker w in [0, W(M)) an ordered list of tasks T(M, w) ⊆ S(M).
//   spatial(d1..dk): W = d1*...*dk, S = (d1..dk). Worker w does exactly one task: w written
//                    row-major in the grid (d1..dk) (the last dimension varies fastest).
//   repeat(d1..dk):  W = 1, S = (d1..dk). The one worker does every task, in row-major loop
//                    order.
//   outer * inner:   same rank; W = W(outer) * W(inner); S = S(outer) ⊙ S(inner) (elementwise
//                    product). Worker w is outer worker w / W(inner) and inner worker
//                    w % W(inner); its tasks are o ⊙ S(inner) + i for o in T(outer, w / W(inner))
//                    (outer loop) and i in T(inner, w % W(inner)) (inner loop).
// Composition is associative, so a mapping is a flat list of atoms, outermost first.
// Invariant (tested on random compositions): for every mapping the lists T(M, w) over all w
// together hold every task of S(M) exactly once.
//
// Example, spatial(4, 2) * repeat(2, 2): W = 8, S = (8, 4). Worker w owns the 2x2 block at
// (2 * (w / 2), 2 * (w % 2)), in row-major order; worker 3 does (2, 2), (2, 3), (3, 2), (3, 3).
// And repeat(2, 1) * spatial(2, 4): W = 8, S = (4, 4); worker w does (w / 4, w % 4) and then
// (2 + w / 4, w % 4): each worker strides over rows, neighbouring workers take neighbouring
// columns (on a GPU, coalesced accesses).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kir/kir.h"

namespace stitch::kir {

class TaskMapping {
 public:
  // Every extent must be >= 1 and the rank >= 1 (violations are bugs: checked).
  static TaskMapping spatial(std::vector<int64_t> dims);
  static TaskMapping repeat(std::vector<int64_t> dims);
  // Composition; both sides must have the same rank.
  TaskMapping operator*(const TaskMapping& inner) const;

  int rank() const { return static_cast<int>(task_shape_.size()); }
  int64_t num_workers() const { return num_workers_; }
  const std::vector<int64_t>& task_shape() const { return task_shape_; }
  // The tasks of worker w in [0, num_workers()), in execution order.
  std::vector<std::vector<int64_t>> tasks_of(int64_t worker) const;

  // Builds the statement that worker `worker` (a scalar integer expression, e.g. a parallel
  // loop variable or a thread id, assumed to lie in [0, num_workers())) runs: loops over the
  // repeat dimensions (of kind repeat_kind; extents of 1 need no loop) around body(task),
  // where task holds the k task indices as expressions. Executing it visits exactly
  // tasks_of(worker), in the same order.
  using BodyFn = std::function<Stmt(const std::vector<Expr>& task)>;
  Stmt emit(const Expr& worker, const BodyFn& body, ForKind repeat_kind = ForKind::kSerial) const;

  // "spatial(4, 2) * repeat(2, 2)"
  std::string to_string() const;

 private:
  struct Atom {
    bool is_spatial = true;
    std::vector<int64_t> dims;
    int64_t num_workers() const;
  };
  TaskMapping() = default;
  static TaskMapping atom(bool is_spatial, std::vector<int64_t> dims);

  std::vector<Atom> atoms_;  // outermost first
  std::vector<int64_t> task_shape_;
  int64_t num_workers_ = 1;
};

inline TaskMapping spatial(std::vector<int64_t> dims) {
  return TaskMapping::spatial(std::move(dims));
}
inline TaskMapping repeat(std::vector<int64_t> dims) {
  return TaskMapping::repeat(std::move(dims));
}

}  // namespace stitch::kir
