// Loop-invariant code motion for the integer divisions of index arithmetic. Part of kir/;
// lowering runs it on every kernel after simplify_kernel, before code generation.
//
// Why: a parallel loop's unit index is decomposed with floor divisions and modulos (image,
// pair of output blocks, segment), and the fused epilogue inside the unit's element loops
// indexes its outputs with them: floordiv(u, 49) inside `for j / for b / for l`. GCC does not
// hoist them: the unit loop of a parallel lambda starts at a run-time `begin` whose sign it
// cannot know, so each floordiv keeps its sign fix-up branches, and the loop nest around them
// is unswitched into several copies instead. Measured on mobilenet_v2's 16-to-96-channel
// expand conv (12544 pixels): the epilogue ran 12 instructions and two branches per output
// vector, and the kernel took 0.83-0.91 ms; with the divisions bound once per unit, 0.67-0.69.
//
// What: for every loop that is not vectorized, each floor division or modulo by a positive
// constant that occurs inside a loop nested in its body, reads no memory, and depends on no
// variable bound inside that body, is bound once with a LetStmt at the top of the body; every
// occurrence in the body then reads the variable. Loops are visited outermost first, so an
// expression lands in the outermost loop body where all of its variables are known. Values
// are unchanged (the same expression, evaluated once instead of once per iteration), and an
// integer division by a positive constant cannot trap, so evaluating it where the original
// would not have run (a loop of zero iterations, a false branch) is harmless.
#pragma once

#include "kir/kir.h"

namespace stitch::kir {

Stmt hoist_invariant_divisions(const Stmt& stmt);
Kernel hoist_invariant_divisions(const Kernel& kernel);

}  // namespace stitch::kir
