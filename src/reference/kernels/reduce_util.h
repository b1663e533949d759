// Helpers the reduce- and sequence-family reference kernels share: output allocation for
// optional or data-dependent outputs, and the [outer, axis, inner] view of a tensor.
// Private to reference/kernels/.
#pragma once

#include <cstdint>

#include "reference/kernel_registry.h"

namespace stitch::reference {

// Output i as a tensor of `dtype` and `shape`, allocating it unless the interpreter already
// did; nullptr when the node does not produce output i (an omitted optional output).
inline Tensor* prepare_output(KernelContext& ctx, int i, DType dtype, const Shape& shape) {
  if (i >= ctx.num_outputs() || ctx.node().output(i) == nullptr) return nullptr;
  Tensor& t = ctx.output(i);
  if (!t.defined() || t.dtype() != dtype || t.shape() != shape) t = Tensor(dtype, shape);
  return &t;
}

// A tensor seen as [outer, n, inner] around one axis: element (o, j, i) is at
// (o * n + j) * inner + i.
struct AxisView {
  int64_t outer = 1;
  int64_t n = 1;
  int64_t inner = 1;
  int64_t at(int64_t o, int64_t j, int64_t i) const { return (o * n + j) * inner + i; }
};

inline AxisView axis_view(const Shape& shape, int64_t axis) {
  AxisView v;
  v.outer = shape_product(shape, 0, static_cast<size_t>(axis));
  v.n = shape[axis];
  v.inner = shape_product(shape, static_cast<size_t>(axis) + 1, shape.size());
  return v;
}

// Reads an optional scalar input (any numeric dtype) with a fallback when it is omitted.
inline double optional_scalar(const KernelContext& ctx, int i, double fallback) {
  if (!ctx.has_input(i) || ctx.input(i).numel() == 0) return fallback;
  return ctx.input(i).as_double(0);
}

}  // namespace stitch::reference
