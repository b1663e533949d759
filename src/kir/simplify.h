// Range-aware simplification of integer index arithmetic in the kernel IR. Part of kir/;
// lowering runs it on every kernel before code generation.
//
// Why: lowering composes index maps (a blocked layout's inverse map, a flattened Reshape, a
// task mapping's unit index), and the composition leaves floor divisions and modulos of
// expressions whose ranges are known from the loops around them, e.g.
//   floordiv((j * 112 + k) * 112 + l, 12544)   with k, l in [0, 112)   is j,
//   floormod(floordiv(u, 112), 6)              with u in [0, 672)      is floordiv(u, 112),
//   min(2, 12 - 2 * floordiv(u, 112))          with u in [0, 672)      is 2.
// A C++ compiler cannot see these facts (it does not know the loop bounds are the shapes), so
// an element loop that recomputes them runs 10-20x slower than the copy or the FMA it guards,
// and a loop bound left as a min() stops it from vectorizing.
//
// What: every signed scalar integer expression is seen as a sum of terms coef * atom plus a
// constant (atoms are variables and the expressions that are not sums); every variable bound
// by a For or LetStmt gets the interval of its values. Then, for a constant divisor c > 0:
//   floordiv(c*q + r, c) = q + floordiv(r, c), and floordiv(r, c) is a constant when the
//     interval of r lies inside one multiple of c (the same for floormod, which drops c*q);
//   floordiv(g*a + s, g*d) = floordiv(a, d) and floormod(g*a + s, g*d) = g*floormod(a, d) + s
//     when s lies in [0, g) (splitting a mixed-radix index);
//   floordiv(floordiv(x, a), b) = floordiv(x, a*b); floormod(floormod(x, a), b) =
//     floormod(x, b) when b divides a;
// and min, max and comparisons whose operands' intervals do not overlap are decided.
// Every rule holds for all values in the intervals, so the result equals the input wherever
// the loops can reach; floating-point expressions are never touched.
#pragma once

#include "kir/kir.h"

namespace stitch::kir {

// The kernel with its index arithmetic simplified (the same kernel when nothing applies).
Kernel simplify_kernel(const Kernel& kernel);
Stmt simplify_stmt(const Stmt& stmt);

}  // namespace stitch::kir
