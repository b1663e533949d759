// Reference kernels of the elementwise op family: the family's entry point and shared helpers.
// Part of reference/kernels/; the kernels are in elementwise_{binary,unary,misc,cast}.cc.
#include "reference/kernels/elementwise_util.h"

namespace stitch::reference {

namespace elementwise {

Expected<Shape> broadcast_all(const KernelContext& ctx, int first, int count) {
  Shape shape;
  for (int i = first; i < first + count; ++i) {
    if (!ctx.has_input(i)) continue;
    STITCH_ASSIGN_OR_RETURN(shape, broadcast_shapes(shape, ctx.input(i).shape()));
  }
  return shape;
}

}  // namespace elementwise

void register_elementwise_kernels(KernelRegistry& r) {
  elementwise::register_elementwise_binary_kernels(r);
  elementwise::register_elementwise_unary_kernels(r);
  elementwise::register_elementwise_misc_kernels(r);
  elementwise::register_elementwise_cast_kernels(r);
}

}  // namespace stitch::reference
