// Reference kernels of the tensor family, creation part: Shape, Size, Constant, ConstantOfShape,
// Range, EyeLike, OneHot, Trilu. Part of reference/kernels/; registered by
// register_tensor_kernels (tensor.cc).
#include <algorithm>

#include "reference/kernel_registry.h"
#include "reference/kernels/tensor_util.h"

namespace stitch::reference {
namespace {

Status shape(KernelContext& ctx) {
  const Shape& dims = ctx.input(0).shape();
  int64_t rank = ctx.input(0).rank();
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  int64_t start = clamp(ctx.node().attr_int("start", 0));
  int64_t end = clamp(ctx.node().attr_int("end", rank));
  Shape part(dims.begin() + start, dims.begin() + std::max(start, end));
  ctx.output(0) = Tensor::from_vector<int64_t>(part, {static_cast<int64_t>(part.size())});
  return Status::ok();
}

Status size(KernelContext& ctx) {
  ctx.output(0) = Tensor::scalar<int64_t>(ctx.input(0).numel());
  return Status::ok();
}

Status constant(KernelContext& ctx) {
  const graph::Node& n = ctx.node();
  Tensor& out = ctx.output(0);
  if (const Tensor* t = n.attr_tensor("value")) {
    out = t->clone();
  } else if (n.has_attr("value_float")) {
    out = Tensor::scalar<float>(n.attr_float("value_float", 0));
  } else if (n.has_attr("value_floats")) {
    std::vector<float> v = n.attr_floats("value_floats");
    out = Tensor::from_vector<float>(v, {static_cast<int64_t>(v.size())});
  } else if (n.has_attr("value_int")) {
    out = Tensor::scalar<int64_t>(n.attr_int("value_int", 0));
  } else if (n.has_attr("value_ints")) {
    std::vector<int64_t> v = n.attr_ints("value_ints");
    out = Tensor::from_vector<int64_t>(v, {static_cast<int64_t>(v.size())});
  } else if (n.has_attr("value_string")) {
    out = Tensor(DType::kString, {});
    out.strings()[0] = n.attr_string("value_string", "");
  } else if (n.has_attr("value_strings")) {
    std::vector<std::string> v = n.attr_strings("value_strings");
    out = Tensor(DType::kString, {static_cast<int64_t>(v.size())});
    out.strings() = v;
  } else {
    return error("unsupported: Constant without a dense value");
  }
  return Status::ok();
}

Status constant_of_shape(KernelContext& ctx) {
  const Tensor* value = ctx.node().attr_tensor("value");
  if (!value) return Status::ok();  // float32 zeros, as allocated
  return tensor_util::fill_with(ctx.output(0), *value, 0);
}

// start + i * delta in the element type, so integer ranges are exact.
Status range(KernelContext& ctx) {
  Tensor& out = ctx.output(0);
  return visit_numeric(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeType<T>;
    C start = ctx.input(0).data<T>()[0];
    C delta = ctx.input(2).data<T>()[0];
    T* o = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i)
      o[i] = static_cast<T>(start + static_cast<C>(i) * delta);
    return Status::ok();
  });
}

Status eye_like(KernelContext& ctx) {
  Tensor& out = ctx.output(0);
  int64_t k = ctx.node().attr_int("k", 0);
  int64_t rows = out.dim(0), cols = out.dim(1);
  return visit_numeric(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    for (int64_t i = 0; i < rows; ++i) {
      int64_t j = i + k;
      if (j >= 0 && j < cols) o[i * cols + j] = static_cast<T>(1);
    }
    return Status::ok();
  });
}

// Fills with values[0] (off), then writes values[1] (on) where each index points.
Status one_hot(KernelContext& ctx) {
  const Tensor& indices = ctx.input(0);
  const Tensor& values = ctx.input(2);
  Tensor& out = ctx.output(0);
  int64_t axis = ctx.node().attr_int("axis", -1);
  if (axis < 0) axis += out.rank();
  int64_t depth = out.dim(axis);
  int64_t outer = shape_product(indices.shape(), 0, static_cast<size_t>(axis));
  int64_t inner = shape_product(indices.shape(), static_cast<size_t>(axis), indices.shape().size());
  STITCH_RETURN_IF_ERROR(tensor_util::fill_with(out, values, 0));
  std::vector<int64_t> on_at(static_cast<size_t>(out.numel()), -1);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      int64_t idx = static_cast<int64_t>(indices.as_double(o * inner + i));
      if (idx < 0) idx += depth;
      if (idx >= 0 && idx < depth) on_at[(o * depth + idx) * inner + i] = 1;
    }
  }
  return tensor_util::gather_by(values, out, [&](int64_t i) { return on_at[i]; });
}

// Keeps elements on the kept side of diagonal k of every trailing matrix; zeroes the rest.
Status trilu(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  int64_t k = ctx.has_input(1) ? ctx.input(1).as_int64(0) : 0;
  bool upper = ctx.node().attr_int("upper", 1) != 0;
  int64_t rows = in.dim(in.rank() - 2), cols = in.dim(in.rank() - 1);
  return tensor_util::gather_by(in, out, [&](int64_t i) -> int64_t {
    int64_t r = (i / cols) % rows, c = i % cols;
    bool keep = upper ? c - r >= k : c - r <= k;
    return keep ? i : -1;
  });
}

}  // namespace

void register_tensor_create_kernels(KernelRegistry& r) {
  r.add("", "Shape", shape);
  r.add("", "Size", size);
  r.add("", "Constant", constant);
  r.add("", "ConstantOfShape", constant_of_shape);
  r.add("", "Range", range);
  r.add("", "EyeLike", eye_like);
  r.add("", "OneHot", one_hot);
  r.add("", "Trilu", trilu);
}

}  // namespace stitch::reference
