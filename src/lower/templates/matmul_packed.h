// The template of stitch.MatMulPacked (the gemm microkernel path). Part of lower/templates/;
// registered by matmul.cc next to MatMul.
#pragma once

#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_matmul_packed_templates(TemplateTable& t);

}  // namespace stitch::lower
