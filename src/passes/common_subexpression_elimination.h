// Common-subexpression elimination: merges constants with identical contents, then nodes with
// the same op, domain, opset, attributes (compared structurally) and inputs. Part of passes/
// (the pipeline's simplification group).
#pragma once

#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

std::unique_ptr<Pass> make_common_subexpression_elimination_pass();

}  // namespace stitch::passes
