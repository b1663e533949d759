// Schemas of the tensor op family, slicing part: Concat, Split, Slice, Pad. Part of graph/ops/;
// registered by register_tensor_ops (tensor.cc).
#include <algorithm>
#include <limits>

#include "graph/ops/all_ops.h"

namespace stitch::graph {
namespace {

TensorType with_rank(DType dtype, int64_t rank) {
  return TensorType{dtype, Shape(static_cast<size_t>(rank), kUnknownDim), true};
}

// An optional integer input (shape, axes, pads…): its dtype must be an integer type.
Status check_integer_input(const InferContext& ctx, int i, const char* what) {
  if (!ctx.has_input(i)) return Status::ok();
  DType t = ctx.input_dtype(i);
  if (t == DType::kUndefined || dtype_is_integer(t)) return Status::ok();
  return error(what, " must be integers, got ", dtype_name(t));
}

Status infer_concat(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  // Concat-1 defaulted axis to 1; from opset 4 it is required.
  bool old = ctx.node().opset() < 4;
  if (!old && !ctx.node().has_attr("axis")) return error("attribute 'axis' is required");
  int64_t rank = -1;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return error("input ", i, " is missing");
    if (ctx.input_dtype(i) != dt) {
      return error("input ", i, " is ", dtype_name(ctx.input_dtype(i)), ", input 0 is ",
                   dtype_name(dt));
    }
    if (!ctx.input_has_shape(i)) continue;
    if (rank >= 0 && ctx.input_rank(i) != rank) return error("inputs differ in rank");
    rank = ctx.input_rank(i);
  }
  if (rank < 0) {
    out[0] = TensorType{dt, {}, false};
    return Status::ok();
  }
  STITCH_ASSIGN_OR_RETURN(int64_t axis,
                          normalize_axis(ctx.node().attr_int("axis", old ? 1 : 0), rank));
  if (rank == 0) return error("cannot concatenate scalars");
  Shape dims(static_cast<size_t>(rank), kUnknownDim);
  dims[axis] = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.input_has_shape(i)) {
      dims[axis] = kUnknownDim;
      continue;
    }
    const Shape& s = ctx.input_shape(i);
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis) {
        dims[d] = (dims[d] < 0 || s[d] < 0) ? kUnknownDim : dims[d] + s[d];
      } else if (dims[d] < 0) {
        dims[d] = s[d];
      } else if (s[d] >= 0 && s[d] != dims[d]) {
        return error("input ", i, " has shape ", shape_to_string(s), ", which differs off axis ",
                     axis, " from ", shape_to_string(dims));
      }
    }
  }
  out[0] = make_type(dt, dims);
  return Status::ok();
}

// The sizes of Split's outputs along the axis (kUnknownDim where unknown).
Expected<std::vector<int64_t>> split_sizes(const InferContext& ctx, int64_t dim) {
  int n = ctx.node().num_outputs();
  if (ctx.has_input(1)) {
    const Tensor* split = ctx.input_value(1);
    if (!split) return std::vector<int64_t>(n, kUnknownDim);
    std::vector<int64_t> sizes = split->to_int64_vector();
    if (static_cast<int>(sizes.size()) != n) {
      return error("split has ", sizes.size(), " entries for ", n, " outputs");
    }
    int64_t total = 0;
    for (int64_t s : sizes) {
      if (s < 0) return error("negative split size ", s);
      total += s;
    }
    if (dim >= 0 && total != dim) {
      return error("split sizes sum to ", total, ", the axis has ", dim);
    }
    return sizes;
  }
  int64_t parts = ctx.node().attr_int("num_outputs", n);
  if (parts != n) return error("num_outputs is ", parts, " but the node has ", n, " outputs");
  if (dim < 0) return std::vector<int64_t>(n, kUnknownDim);
  int64_t chunk = (dim + n - 1) / n;  // opset 18: the last part may be smaller
  std::vector<int64_t> sizes(n, chunk);
  sizes.back() = dim - chunk * (n - 1);
  if (sizes.back() < 0) return error("cannot split ", dim, " elements into ", n, " parts");
  return sizes;
}

Status infer_split(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 1, "split"));
  DType dt = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0)) {
    for (auto& o : out) o = TensorType{dt, {}, false};
    return Status::ok();
  }
  STITCH_ASSIGN_OR_RETURN(int64_t axis,
                          normalize_axis(ctx.node().attr_int("axis", 0), ctx.input_rank(0)));
  if (ctx.input_rank(0) == 0) return error("cannot split a scalar");
  Shape dims = ctx.input_shape(0);
  STITCH_ASSIGN_OR_RETURN(auto sizes, split_sizes(ctx, dims[axis]));
  for (size_t i = 0; i < out.size(); ++i) {
    dims[axis] = sizes[i];
    out[i] = make_type(dt, dims);
  }
  return Status::ok();
}

// Output length of one sliced axis, with NumPy's clamping of start and end.
int64_t slice_length(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (dim == 0) return 0;
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return end > start ? (end - start + step - 1) / step : 0;
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  return start > end ? (start - end - step - 1) / (-step) : 0;
}

Status infer_slice(const InferContext& ctx, std::vector<TensorType>& out) {
  for (int i = 1; i < 5; ++i) {
    STITCH_RETURN_IF_ERROR(check_integer_input(ctx, i, "starts, ends, axes and steps"));
  }
  DType dt = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0)) {
    out[0] = TensorType{dt, {}, false};
    return Status::ok();
  }
  int64_t rank = ctx.input_rank(0);
  const Tensor* starts = ctx.input_value(1);
  const Tensor* ends = ctx.input_value(2);
  const Tensor* axes = ctx.has_input(3) ? ctx.input_value(3) : nullptr;
  const Tensor* steps = ctx.has_input(4) ? ctx.input_value(4) : nullptr;
  if (!starts || !ends || (ctx.has_input(3) && !axes) || (ctx.has_input(4) && !steps)) {
    out[0] = with_rank(dt, rank);
    return Status::ok();
  }
  int64_t n = starts->numel();
  if (ends->numel() != n || (axes && axes->numel() != n) || (steps && steps->numel() != n)) {
    return error("starts, ends, axes and steps must have the same length");
  }
  Shape dims = ctx.input_shape(0);
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t i = 0; i < n; ++i) {
    int64_t axis = axes ? axes->as_int64(i) : i;
    if (axis < -rank || axis >= rank) return error("axis ", axis, " out of range for rank ", rank);
    if (axis < 0) axis += rank;
    if (seen[axis]) return error("axis ", axis, " is repeated");
    seen[axis] = true;
    int64_t step = steps ? steps->as_int64(i) : 1;
    if (step == 0) return error("step must not be 0");
    if (dims[axis] >= 0) {
      dims[axis] = slice_length(dims[axis], starts->as_int64(i), ends->as_int64(i), step);
    }
  }
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status infer_pad(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 1, "pads"));
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 3, "axes"));
  if (ctx.has_input(2) && ctx.input_dtype(2) != ctx.input_dtype(0)) {
    return error("constant_value type differs from data");
  }
  DType dt = ctx.input_dtype(0);
  std::string mode = ctx.node().attr_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap") {
    return error("unknown mode '", mode, "'");
  }
  if (!ctx.input_has_shape(0)) {
    out[0] = TensorType{dt, {}, false};
    return Status::ok();
  }
  int64_t rank = ctx.input_rank(0);
  const Tensor* pads = ctx.input_value(1);
  const Tensor* axes = ctx.has_input(3) ? ctx.input_value(3) : nullptr;
  if (!pads || (ctx.has_input(3) && !axes)) {
    out[0] = with_rank(dt, rank);
    return Status::ok();
  }
  if (ctx.has_input(2) && ctx.input_has_shape(2) && ctx.input_rank(2) > 0 &&
      shape_is_static(ctx.input_shape(2)) && shape_numel(ctx.input_shape(2)) != 1) {
    return error("constant_value must be a scalar");
  }
  int64_t n = axes ? axes->numel() : rank;
  if (pads->numel() != 2 * n) {
    return error("pads has ", pads->numel(), " entries, expected ", 2 * n);
  }
  Shape dims = ctx.input_shape(0);
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t i = 0; i < n; ++i) {
    int64_t axis = axes ? axes->as_int64(i) : i;
    STITCH_ASSIGN_OR_RETURN(axis, normalize_axis(axis, rank));
    if (seen[axis]) return error("axis ", axis, " is repeated");
    seen[axis] = true;
    if (dims[axis] < 0) continue;
    dims[axis] += pads->as_int64(i) + pads->as_int64(i + n);
    if (dims[axis] < 0) return error("pads make axis ", axis, " negative");
  }
  out[0] = make_type(dt, dims);
  return Status::ok();
}

}  // namespace

void register_tensor_slice_ops(OpRegistry& r) {
  r.add(make_schema("Concat", 1, -1, OpClass::kInjective, infer_concat));
  OpSchema split = make_schema("Split", 1, 2, OpClass::kInjective, infer_split);
  split.max_outputs = -1;
  r.add(std::move(split));
  r.add(make_schema("Slice", 3, 5, OpClass::kInjective, infer_slice));
  r.add(make_schema("Pad", 2, 4, OpClass::kInjective, infer_pad));
}

}  // namespace stitch::graph
