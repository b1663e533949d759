// Training-mode BatchNormalization decomposition: a BatchNormalization with training_mode=1
// becomes the ops the compiler lowers already (ReduceMean over every axis but the channel's,
// Sub, Mul, Add, Sqrt, Div, Reshape), running mean and variance updates included. Part of
// passes/ (the pipeline's simplification group, before BatchNorm folding).
#pragma once

#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

std::unique_ptr<Pass> make_decompose_batchnorm_training_pass();

}  // namespace stitch::passes
