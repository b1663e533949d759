// Reference kernels of the tensor family, slicing part: Concat, Split, Slice, Pad.
// Part of reference/kernels/; registered by register_tensor_kernels (tensor.cc).
#include <algorithm>

#include "reference/kernel_registry.h"
#include "reference/kernels/tensor_util.h"

namespace stitch::reference {
namespace {

using tensor_util::StridedView;

int64_t axis_attr(const KernelContext& ctx, int64_t fallback, int64_t rank) {
  int64_t axis = ctx.node().attr_int("axis", fallback);
  return axis < 0 ? axis + rank : axis;
}

// Each input lands in the output at a running offset along the axis.
Status concat(KernelContext& ctx) {
  Tensor& out = ctx.output(0);
  int64_t axis = axis_attr(ctx, ctx.node().opset() < 4 ? 1 : 0, out.rank());  // Concat-1: 1
  Shape out_strides = shape_strides(out.shape());
  int64_t offset = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor& in = ctx.input(i);
    StridedView dst{offset * out_strides[axis], out_strides};
    STITCH_RETURN_IF_ERROR(
        tensor_util::strided_copy(in, {0, shape_strides(in.shape())}, out, dst, in.shape()));
    offset += in.dim(axis);
  }
  return Status::ok();
}

// Inference sized each output; output i starts where output i-1 ended along the axis.
Status split(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  int64_t axis = axis_attr(ctx, 0, in.rank());
  Shape in_strides = shape_strides(in.shape());
  int64_t offset = 0;
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    Tensor& out = ctx.output(i);
    if (!out.defined()) return error("internal: Split output ", i, " was not sized");
    StridedView src{offset * in_strides[axis], in_strides};
    STITCH_RETURN_IF_ERROR(
        tensor_util::strided_copy(in, src, out, {0, shape_strides(out.shape())}, out.shape()));
    offset += out.dim(axis);
  }
  return Status::ok();
}

// The first element a slice reads along one axis, clamped as NumPy does.
int64_t slice_start(int64_t dim, int64_t start, int64_t step) {
  if (start < 0) start += dim;
  if (step > 0) return std::clamp<int64_t>(start, 0, dim);
  return std::clamp<int64_t>(start, 0, std::max<int64_t>(dim - 1, 0));
}

Status slice(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  int64_t rank = in.rank();
  Shape in_strides = shape_strides(in.shape());
  StridedView src{0, in_strides};
  const Tensor& starts = ctx.input(1);
  for (int64_t i = 0; i < starts.numel(); ++i) {
    int64_t axis = ctx.has_input(3) ? ctx.input(3).as_int64(i) : i;
    if (axis < 0) axis += rank;
    int64_t step = ctx.has_input(4) ? ctx.input(4).as_int64(i) : 1;
    int64_t start = slice_start(in.dim(axis), starts.as_int64(i), step);
    src.offset += start * in_strides[axis];
    src.strides[axis] = step * in_strides[axis];
  }
  if (out.numel() == 0) return Status::ok();
  return tensor_util::strided_copy(in, src, out, {0, shape_strides(out.shape())}, out.shape());
}

// Where output coordinate `o` of one padded axis reads from, or -1 for the constant.
int64_t pad_source(int64_t o, int64_t before, int64_t dim, const std::string& mode) {
  int64_t i = o - before;
  if (i >= 0 && i < dim) return i;
  if (mode == "constant") return -1;
  if (mode == "edge") return std::clamp<int64_t>(i, 0, dim - 1);
  if (mode == "wrap") return ((i % dim) + dim) % dim;
  if (dim == 1) return 0;  // reflect
  int64_t period = 2 * (dim - 1);
  i = ((i % period) + period) % period;
  return i < dim ? i : period - i;
}

Status pad(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  std::string mode = ctx.node().attr_string("mode", "constant");
  int64_t rank = in.rank();
  std::vector<int64_t> pads = ctx.input(1).to_int64_vector();
  std::vector<int64_t> axes;
  if (ctx.has_input(3)) {
    for (int64_t a : ctx.input(3).to_int64_vector()) axes.push_back(a < 0 ? a + rank : a);
  } else {
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  }
  std::vector<int64_t> before(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < axes.size(); ++i) before[axes[i]] = pads[i];
  // Per axis, the input coordinate of each output coordinate.
  std::vector<std::vector<int64_t>> source(static_cast<size_t>(rank));
  for (int64_t a = 0; a < rank; ++a) {
    if (in.dim(a) == 0 && mode != "constant" && out.dim(a) > 0) {
      return error("cannot pad an empty axis in mode '", mode, "'");
    }
    for (int64_t o = 0; o < out.dim(a); ++o) {
      source[a].push_back(pad_source(o, before[a], in.dim(a), mode));
    }
  }
  if (mode == "constant" && ctx.has_input(2) && ctx.input(2).numel() > 0) {
    if (ctx.input(2).dtype() != in.dtype()) return error("constant_value type differs from data");
    STITCH_RETURN_IF_ERROR(tensor_util::fill_with(out, ctx.input(2), 0));
  }
  Shape in_strides = shape_strides(in.shape());
  Shape coord(static_cast<size_t>(rank), 0);
  return tensor_util::gather_by(in, out, [&](int64_t) {
    int64_t index = 0;
    for (int64_t a = 0; a < rank && index >= 0; ++a) {
      int64_t s = source[a][coord[a]];
      index = s < 0 ? -1 : index + s * in_strides[a];
    }
    for (int64_t a = rank - 1; a >= 0; --a) {  // advance the output coordinate
      if (++coord[a] < out.dim(a)) break;
      coord[a] = 0;
    }
    return index;
  });
}

}  // namespace

void register_tensor_slice_kernels(KernelRegistry& r) {
  r.add("", "Concat", concat);
  r.add("", "Split", split);
  r.add("", "Slice", slice);
  r.add("", "Pad", pad);
}

}  // namespace stitch::reference
