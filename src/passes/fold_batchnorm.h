// BatchNorm folding: an inference-mode BatchNormalization after a Conv (or a MatMul with
// constant weights, channel axis last) is folded into the weights and bias; any other
// inference-mode BatchNormalization becomes a per-channel Mul + Add, so later passes see
// plain affine ops. Part of passes/ (the pipeline's simplification group).
#pragma once

#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

std::unique_ptr<Pass> make_fold_batchnorm_pass();

}  // namespace stitch::passes
