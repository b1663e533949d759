// Affine folding: a Mul, Add, Sub or Div by a constant scalar or per-channel tensor that
// follows a Conv or a MatMul with constant weights (and nothing else reads the producer) is
// folded into the weights and bias. Part of passes/ (the pipeline's simplification group).
#pragma once

#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

std::unique_ptr<Pass> make_fold_affine_pass();

}  // namespace stitch::passes
