// Weight pre-packing for the gemm microkernel (DESIGN 3.5). Part of passes/, run after layout
// assignment.
//
// Every float32 MatMul whose B is a constant matrix (a layer's weight: the common case) becomes
// a stitch.MatMulPacked whose B is packed here, once, at compile time, into column panels of 16:
// [ceil(N/16), K, 16], zero-padded past N. The gemm template then streams one panel row (16
// contiguous floats) per step of K instead of gathering strided columns, and never needs a
// column remainder path. A may have any rank >= 1 (batch dims and 1-D A fold into its rows).
// MatMuls with a computed B (attention's activations x activations) keep the plain op.
#pragma once

#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

std::unique_ptr<Pass> make_pack_matmul_weights_pass();

}  // namespace stitch::passes
