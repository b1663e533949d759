// Canonicalization: rewrites ops into the forms later stages expect and drops no-ops. Gemm
// becomes MatMul + Add (transposes and alpha/beta of constant operands folded); Identity,
// inference-mode Dropout, Cast to the same type, identity Transpose, and Reshape / Flatten /
// Squeeze / Unsqueeze / Expand that keep the shape are removed; chains of reshapes collapse
// into one Reshape. Part of passes/ (first in the pipeline's simplification group).
#pragma once

#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

std::unique_ptr<Pass> make_canonicalize_pass();

}  // namespace stitch::passes
