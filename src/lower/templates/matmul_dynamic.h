// The template of float32 MatMul with an activation B (attention) on the gemm microkernel.
// Part of lower/templates/; matmul.cc's MatMul template dispatches to it.
#pragma once

#include "lower/templates/template_registry.h"

namespace stitch::lower {

// Whether lower_matmul_dynamic takes MatMul node n: float32 operands and output of static
// shape, large enough, not a dot product of two vectors. Otherwise the scalar template runs.
bool matmul_dynamic_applies(const graph::Node& n);
Expected<kir::Stmt> lower_matmul_dynamic(LowerContext& ctx, const graph::Node& n);

}  // namespace stitch::lower
