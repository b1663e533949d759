// Schemas of the tensor op family, resampling part: Resize (and Upsample, which the frontend
// maps onto it) and GridSample. Part of graph/ops/; registered by register_tensor_ops.
#include <algorithm>
#include <cmath>

#include "graph/ops/all_ops.h"

namespace stitch::graph {
namespace {

// An optional integer input (shape, axes, pads…): its dtype must be an integer type.
Status check_integer_input(const InferContext& ctx, int i, const char* what) {
  if (!ctx.has_input(i)) return Status::ok();
  DType t = ctx.input_dtype(i);
  if (t == DType::kUndefined || dtype_is_integer(t)) return Status::ok();
  return error(what, " must be integers, got ", dtype_name(t));
}

// Resize-10 (and Upsample) had (X, scales); later versions (X, roi, scales, sizes).
int scales_input(const InferContext& ctx) {
  return ctx.node().opset() < 11 && ctx.num_inputs() == 2 ? 1 : 2;
}

Status check_resize_attrs(const Node& n) {
  std::string mode = n.attr_string("mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "cubic") {
    return error("unknown mode '", mode, "'");
  }
  std::string ctm = n.attr_string("coordinate_transformation_mode", "half_pixel");
  for (const char* m : {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                        "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn"}) {
    if (ctm == m) return Status::ok();
  }
  return error("unknown coordinate_transformation_mode '", ctm, "'");
}

// The resized axes (attribute `axes`, opset 18; default all), normalized.
Expected<std::vector<int64_t>> resize_axes(const Node& n, int64_t rank) {
  std::vector<int64_t> axes = n.attr_ints("axes");
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  for (int64_t& a : axes) {
    STITCH_ASSIGN_OR_RETURN(a, normalize_axis(a, rank));
  }
  return axes;
}

// Output dims from the sizes input, honouring keep_aspect_ratio_policy.
Expected<Shape> dims_from_sizes(const Node& n, const Shape& in, const std::vector<int64_t>& axes,
                                const std::vector<int64_t>& sizes) {
  std::string policy = n.attr_string("keep_aspect_ratio_policy", "stretch");
  Shape dims = in;
  if (policy == "stretch") {
    for (size_t i = 0; i < axes.size(); ++i) dims[axes[i]] = sizes[i];
    return dims;
  }
  if (policy != "not_larger" && policy != "not_smaller") {
    return error("unknown keep_aspect_ratio_policy '", policy, "'");
  }
  double scale = policy == "not_larger" ? 1e300 : 0.0;
  for (size_t i = 0; i < axes.size(); ++i) {
    double s = static_cast<double>(sizes[i]) / static_cast<double>(in[axes[i]]);
    scale = policy == "not_larger" ? std::min(scale, s) : std::max(scale, s);
  }
  for (int64_t a : axes) dims[a] = static_cast<int64_t>(std::round(scale * in[a]));
  return dims;
}

Status infer_resize(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  STITCH_RETURN_IF_ERROR(check_resize_attrs(ctx.node()));
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 3, "sizes"));
  for (int i = 1; i < 3; ++i) {
    if (ctx.has_input(i) && !dtype_is_float(ctx.input_dtype(i))) {
      return error("roi and scales must be floating-point, got ", dtype_name(ctx.input_dtype(i)));
    }
  }
  if (!ctx.input_has_shape(0)) {
    out[0] = TensorType{dt, {}, false};
    return Status::ok();
  }
  int64_t rank = ctx.input_rank(0);
  out[0] = make_type(dt, Shape(static_cast<size_t>(rank), kUnknownDim));
  int si = scales_input(ctx);
  const Tensor* scales = ctx.has_input(si) ? ctx.input_value(si) : nullptr;
  const Tensor* sizes = ctx.has_input(3) ? ctx.input_value(3) : nullptr;
  if (scales && scales->numel() == 0) scales = nullptr;  // an empty tensor means "not given"
  if (sizes && sizes->numel() == 0) sizes = nullptr;
  if (scales && sizes) return error("only one of scales and sizes may be given");
  if (!scales && !sizes) {
    bool maybe =
        (ctx.has_input(si) && !ctx.input_value(si)) || (ctx.has_input(3) && !ctx.input_value(3));
    if (maybe) return Status::ok();  // known at run time
    return error("one of scales and sizes must be given");
  }
  STITCH_ASSIGN_OR_RETURN(auto axes, resize_axes(ctx.node(), rank));
  const Tensor* given = scales ? scales : sizes;
  if (given->numel() != static_cast<int64_t>(axes.size())) {
    return error(scales ? "scales" : "sizes", " has ", given->numel(), " entries for ", axes.size(),
                 " axes");
  }
  const Shape& in = ctx.input_shape(0);
  Shape dims = in;
  if (sizes) {
    std::vector<int64_t> v = sizes->to_int64_vector();
    for (int64_t s : v) {
      if (s < 0) return error("negative size ", s);
    }
    if (!shape_is_static(in)) return Status::ok();
    STITCH_ASSIGN_OR_RETURN(dims, dims_from_sizes(ctx.node(), in, axes, v));
  } else {
    for (size_t i = 0; i < axes.size(); ++i) {
      double s = scales->as_double(static_cast<int64_t>(i));
      if (!(s > 0)) return error("scales must be positive, got ", s);
      int64_t d = in[axes[i]];
      dims[axes[i]] = d < 0 ? kUnknownDim : static_cast<int64_t>(std::floor(d * s));
    }
  }
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status infer_grid_sample(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  std::string mode = ctx.node().attr_string("mode", "bilinear");
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic" && mode != "linear" &&
      mode != "cubic") {
    return error("unknown mode '", mode, "'");
  }
  std::string pad = ctx.node().attr_string("padding_mode", "zeros");
  if (pad != "zeros" && pad != "border" && pad != "reflection") {
    return error("unknown padding_mode '", pad, "'");
  }
  if (!dtype_is_float(ctx.input_dtype(1))) return error("grid must be floating-point");
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1)) {
    out[0] = TensorType{dt, {}, false};
    return Status::ok();
  }
  const Shape& x = ctx.input_shape(0);
  const Shape& grid = ctx.input_shape(1);
  int64_t spatial = static_cast<int64_t>(x.size()) - 2;
  if (spatial < 1 || grid.size() != x.size() || (grid.back() >= 0 && grid.back() != spatial)) {
    return error("input ", shape_to_string(x), " and grid ", shape_to_string(grid),
                 " do not fit (grid must be [N, out..., ", spatial, "])");
  }
  if (x[0] >= 0 && grid[0] >= 0 && x[0] != grid[0]) return error("batch sizes differ");
  Shape dims = {x[0] >= 0 ? x[0] : grid[0], x[1]};
  dims.insert(dims.end(), grid.begin() + 1, grid.end() - 1);
  out[0] = make_type(dt, dims);
  return Status::ok();
}

}  // namespace

void register_tensor_resize_ops(OpRegistry& r) {
  OpSchema resize;
  resize.op_type = "Resize";
  resize.min_inputs = 1;
  resize.max_inputs = 4;
  resize.op_class = OpClass::kOpaque;
  resize.infer = infer_resize;
  resize.flops = flops_output_numel;
  r.add(std::move(resize));
  OpSchema grid;
  grid.op_type = "GridSample";
  grid.min_inputs = 2;
  grid.max_inputs = 2;
  grid.op_class = OpClass::kOpaque;
  grid.infer = infer_grid_sample;
  grid.flops = flops_output_numel;
  r.add(std::move(grid));
}

}  // namespace stitch::graph
