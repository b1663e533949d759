// The kernel-IR printer: readable, stable text, what `--print-after=lower` shows and what the
// golden tests compare. Part of kir/.
//
// The text reads like C with a few explicit forms:
//   kernel add_relu(input x: float32[n, 16], output y: float32[n, 16], n: int64) {
//     parallel for i in [0, n) {
//       vectorized for j in [0, 16) {
//         y[i * 16 + j] = max(x[i * 16 + j], 0.0f)
//       }
//     }
//   }
// Integers of the index type (int64) print bare, other immediates carry their type
// (int32(3), true, 1.5f for float32, 1.5 for float64, float16(1.5)); `/` and `%` on integers
// are floor division and modulo; vectors print as ramp(base, stride, lanes) and
// broadcast(x, lanes); casts as dtype(x) (float32x8(x) for vectors). Parentheses appear only
// where precedence needs them (and on the right of a same-precedence operator, so the tree's
// shape stays visible). A `let x: t = v` scopes over the statements below it up to the end of
// its block; where statements outside its scope follow in the same sequence, it prints as
// `let x: t = v {...}`. Names are made unique in order of first appearance (i, i_1, ...), so
// the text is unambiguous and the same tree always prints the same way.
#pragma once

#include <ostream>
#include <string>

#include "kir/kir.h"

namespace stitch::kir {

std::string to_string(const Expr& e);
std::string to_string(const Stmt& s);
std::string to_string(const Kernel& k);

std::ostream& operator<<(std::ostream& os, const Expr& e);
std::ostream& operator<<(std::ostream& os, const Stmt& s);
std::ostream& operator<<(std::ostream& os, const Kernel& k);

}  // namespace stitch::kir
