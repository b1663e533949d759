// Row reductions that the C++ compiler vectorizes without -ffast-math, for the multi-pass
// templates (softmax, the normalizations). Part of lower/templates/.
//
// GCC keeps a float reduction `acc = acc + f(x[i])` scalar: vectorizing it would reorder the
// sum. lane_reduce reorders it on purpose: the row's elements go to 8 partial accumulators in a
// scratch of 8 lanes, through a loop over chunks of 8 whose inner loop (kVectorized) updates
// the lanes independently, so it becomes one vector operation per chunk. The order is fixed:
// element i of the split dim goes to lane i % 8 (the tail's elements, i >= 8 * (n / 8), also
// to lane i % 8), the other row dims loop outside, and the lanes are then folded in order
// ((l0 op l1) op l2) ... op l7. Results are deterministic but differ from the sequential sum by
// rounding; max and min are exact either way.
#pragma once

#include <functional>

#include "lower/lower_context.h"

namespace stitch::lower {

// The lanes of a lane reduction.
constexpr int64_t kReduceLanes = 8;

using CombineFn = std::function<kir::Expr(const kir::Expr& acc, const kir::Expr& value)>;
// A statement that keeps the value the reduction computed at idx (softmax stores exp(x - m)).
using RecordFn = std::function<kir::Stmt(const Index& idx, const kir::Expr& value)>;

// Folds value(idx) over every index idx of `row` (dims of extent 1 get index 0) with `combine`
// starting from `identity` (of dtype `dt`), and stores the result at result[slot]. The last dim
// of `row` with an extent above 1 is split into lanes; the others loop serially around it.
// With `record`, each value is computed once and also passed to record(idx, value).
kir::Stmt lane_reduce(LowerContext& ctx, const Shape& row, DType dt, double identity,
                      const ExprFn& value, const CombineFn& combine, const kir::Buffer& result,
                      int64_t slot, const RecordFn& record = nullptr);

}  // namespace stitch::lower
