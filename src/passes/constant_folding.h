// Constant folding: evaluates every node whose inputs are all constants with the reference
// kernels and turns its outputs into constants; also folds Shape and Size of values whose
// shape is static. Part of passes/ (the pipeline's simplification group).
#pragma once

#include <cstddef>
#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

struct ConstantFoldingOptions {
  // Outputs larger than this stay computed at run time (e.g. a ConstantOfShape or Expand
  // that would bloat the weights).
  size_t max_output_bytes = size_t{16} << 20;
};

std::unique_ptr<Pass> make_constant_folding_pass(const ConstantFoldingOptions& options = {});

}  // namespace stitch::passes
