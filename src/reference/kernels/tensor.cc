// Reference kernels of the tensor family, layout part: Reshape, Flatten, Squeeze, Unsqueeze,
// Transpose, Expand, Tile, DepthToSpace, SpaceToDepth. Part of reference/kernels/; each kernel
// describes the move as strided views and lets tensor_util copy raw elements.
#include "reference/kernel_registry.h"
#include "reference/kernels/tensor_util.h"

namespace stitch::reference {

void register_tensor_slice_kernels(KernelRegistry& r);
void register_tensor_create_kernels(KernelRegistry& r);
void register_tensor_index_kernels(KernelRegistry& r);
void register_tensor_resize_kernels(KernelRegistry& r);

namespace {

using tensor_util::StridedView;

// Inference sized the output; only the elements move.
Status reshape_like(KernelContext& ctx) {
  return tensor_util::copy_all(ctx.input(0), ctx.output(0));
}

Status transpose(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  std::vector<int64_t> perm = ctx.node().attr_ints("perm");
  if (!ctx.node().has_attr("perm")) {
    for (int64_t i = in.rank() - 1; i >= 0; --i) perm.push_back(i);
  }
  Shape in_strides = shape_strides(in.shape());
  StridedView src;
  for (int64_t p : perm) src.strides.push_back(in_strides[p]);
  return tensor_util::strided_copy(in, src, out, {0, shape_strides(out.shape())}, out.shape());
}

Status expand(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  Shape in_strides = shape_strides(in.shape());
  size_t lead = out.shape().size() - in.shape().size();
  StridedView src{0, Shape(out.shape().size(), 0)};  // broadcast dims read one element
  for (size_t i = 0; i < in.shape().size(); ++i) {
    if (in.dim(i) != 1) src.strides[lead + i] = in_strides[i];
  }
  return tensor_util::strided_copy(in, src, out, {0, shape_strides(out.shape())}, out.shape());
}

// Views the output as [rep_0, d_0, rep_1, d_1, ...]: the repeat coordinate does not move in the
// input.
Status tile(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  Shape in_strides = shape_strides(in.shape());
  Shape out_strides = shape_strides(out.shape());
  Shape dims;
  StridedView src, dst;
  for (int64_t i = 0; i < in.rank(); ++i) {
    dims.push_back(in.dim(i) == 0 ? 0 : out.dim(i) / in.dim(i));
    dims.push_back(in.dim(i));
    src.strides.insert(src.strides.end(), {0, in_strides[i]});
    dst.strides.insert(dst.strides.end(), {in.dim(i) * out_strides[i], out_strides[i]});
  }
  return tensor_util::strided_copy(in, src, out, dst, dims);
}

// DepthToSpace: the output [N, C', H*b, W*b] is contiguous as [N, C', H, b, W, b]; the mode
// says where channel (i, j, c) of the input sits.
Status depth_to_space(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  int64_t b = ctx.node().attr_int("blocksize", 1);
  int64_t n = in.dim(0), c = in.dim(1) / (b * b), h = in.dim(2), w = in.dim(3);
  int64_t hw = h * w;
  Shape dims = {n, c, h, b, w, b};
  StridedView src;
  if (ctx.node().attr_string("mode", "DCR") == "DCR") {  // channel = (i * b + j) * C' + c
    src.strides = {in.dim(1) * hw, hw, w, b * c * hw, 1, c * hw};
  } else {  // CRD: channel = c * b * b + i * b + j
    src.strides = {in.dim(1) * hw, b * b * hw, w, b * hw, 1, hw};
  }
  return tensor_util::strided_copy(in, src, out, {0, shape_strides(dims)}, dims);
}

// SpaceToDepth: output channel (i * b + j) * C + c takes input pixel (h * b + i, w * b + j).
Status space_to_depth(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  int64_t b = ctx.node().attr_int("blocksize", 1);
  int64_t n = in.dim(0), c = in.dim(1), h = in.dim(2), w = in.dim(3);
  Shape dims = {n, b, b, c, h / b, w / b};
  StridedView src{0, {c * h * w, w, 1, h * w, b * w, b}};
  return tensor_util::strided_copy(in, src, out, {0, shape_strides(dims)}, dims);
}

}  // namespace

void register_tensor_kernels(KernelRegistry& r) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"}) r.add("", op, reshape_like);
  r.add("", "Transpose", transpose);
  r.add("", "Expand", expand);
  r.add("", "Tile", tile);
  r.add("", "DepthToSpace", depth_to_space);
  r.add("", "SpaceToDepth", space_to_depth);
  register_tensor_slice_kernels(r);
  register_tensor_create_kernels(r);
  register_tensor_index_kernels(r);
  register_tensor_resize_kernels(r);
}

}  // namespace stitch::reference
