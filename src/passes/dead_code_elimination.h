// Dead-code elimination: removes nodes none of whose outputs reach a graph output, and the
// constants and values nothing reads any more. Part of passes/ (the pipeline's simplification
// group; runs last in each round to sweep what the other passes left behind).
#pragma once

#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

std::unique_ptr<Pass> make_dead_code_elimination_pass();

}  // namespace stitch::passes
