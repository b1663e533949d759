// Schemas of the pooling ops: Max/Average/LpPool, their Global forms, MaxUnpool, MaxRoiPool
// and RoiAlign. Part of graph/ops/ (nn family); window geometry comes from nn_util.h.
#include "graph/ops/nn_util.h"

namespace stitch::graph {
namespace {

Status check_pool_dtype(DType t, bool allow_int8) {
  if (dtype_is_float(t)) return Status::ok();
  if (allow_int8 && (t == DType::kInt8 || t == DType::kUInt8)) return Status::ok();
  return error("X has unsupported type ", dtype_name(t));
}

// Max/Average/LpPool: [N, C, spatial...] -> [N, C, pooled...]; MaxPool's optional second
// output holds int64 indices.
Status infer_pool(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Node& node = ctx.node();
  STITCH_RETURN_IF_ERROR(check_pool_dtype(ctx.input_dtype(0), node.op_type() == "MaxPool"));
  outputs[0].dtype = ctx.input_dtype(0);
  if (outputs.size() > 1) outputs[1].dtype = DType::kInt64;
  if (!node.has_attr("kernel_shape")) return error("missing attribute 'kernel_shape'");
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 3) return error("X must have rank >= 3, got ", shape_to_string(x));
  bool ceil_mode = node.attr_int("ceil_mode", 0) != 0;
  STITCH_ASSIGN_OR_RETURN(
      nn::WindowGeometry g,
      nn::window_geometry(node, nn::spatial_dims(x), node.attr_ints("kernel_shape"), ceil_mode));
  Shape out = {x[0], x[1]};
  out.insert(out.end(), g.output.begin(), g.output.end());
  for (auto& o : outputs) {
    o.shape = out;
    o.has_shape = true;
  }
  return Status::ok();
}

int64_t pool_flops(const InferContext& ctx, const std::vector<TensorType>& outputs) {
  if (!outputs[0].is_static()) return 0;
  return shape_numel(outputs[0].shape) * shape_numel(ctx.node().attr_ints("kernel_shape"));
}

OpSchema pool_schema(const std::string& op, int max_outputs) {
  OpSchema s;
  s.op_type = op;
  s.max_outputs = max_outputs;
  s.op_class = OpClass::kReduce;
  s.infer = infer_pool;
  s.flops = pool_flops;
  return s;
}

Status infer_global_pool(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_pool_dtype(ctx.input_dtype(0), false));
  outputs[0].dtype = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 2) return error("X must have rank >= 2, got ", shape_to_string(x));
  Shape out = x;
  for (size_t i = 2; i < out.size(); ++i) out[i] = 1;
  outputs[0].shape = out;
  outputs[0].has_shape = true;
  return Status::ok();
}

OpSchema global_pool_schema(const std::string& op) {
  OpSchema s;
  s.op_type = op;
  s.op_class = OpClass::kReduce;
  s.infer = infer_global_pool;
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>& outputs) -> int64_t {
    return ctx.input_type(0).is_static() ? shape_numel(ctx.input_shape(0)) : 0;
  };
  return s;
}

Status infer_max_unpool(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Node& node = ctx.node();
  STITCH_RETURN_IF_ERROR(check_pool_dtype(ctx.input_dtype(0), false));
  if (ctx.input_dtype(1) != DType::kInt64) return error("I must be int64");
  outputs[0].dtype = ctx.input_dtype(0);
  if (!node.has_attr("kernel_shape")) return error("missing attribute 'kernel_shape'");
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 3) return error("X must have rank >= 3, got ", shape_to_string(x));
  if (ctx.input_has_shape(1) && ctx.input_shape(1) != x) {
    return error("I ", shape_to_string(ctx.input_shape(1)), " must have X's shape ",
                 shape_to_string(x));
  }
  if (ctx.has_input(2)) {
    const Tensor* v = ctx.input_value(2);
    outputs[0].has_shape = true;
    if (!v) {
      outputs[0].shape = Shape(x.size(), kUnknownDim);
      return Status::ok();
    }
    Shape out = v->to_int64_vector();
    if (out.size() != x.size()) return error("output_shape must have ", x.size(), " values");
    outputs[0].shape = out;
    return Status::ok();
  }
  nn::WindowGeometry g;
  g.kernel = node.attr_ints("kernel_shape");
  size_t n = x.size() - 2;
  if (g.kernel.size() != n) return error("kernel_shape must have ", n, " values");
  Shape strides = node.attr_ints("strides", Shape(n, 1));
  Shape pads = node.attr_ints("pads", Shape(2 * n, 0));
  if (strides.size() != n || pads.size() != 2 * n) return error("bad strides or pads");
  Shape out = {x[0], x[1]};
  for (size_t i = 0; i < n; ++i) {
    int64_t in = x[i + 2];
    out.push_back(in < 0 ? kUnknownDim
                         : (in - 1) * strides[i] + g.kernel[i] - pads[i] - pads[i + n]);
  }
  outputs[0].shape = out;
  outputs[0].has_shape = true;
  return Status::ok();
}

OpSchema max_unpool_schema() {
  OpSchema s;
  s.op_type = "MaxUnpool";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.op_class = OpClass::kOpaque;
  s.min_opset = 9;
  s.infer = infer_max_unpool;
  return s;
}

// Shared by MaxRoiPool and RoiAlign: X [N, C, H, W], rois [R, roi_width] -> [R, C, h, w].
Status infer_roi(const InferContext& ctx, int64_t roi_width, int64_t h, int64_t w,
                 std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_pool_dtype(ctx.input_dtype(0), false));
  outputs[0].dtype = ctx.input_dtype(0);
  if (h <= 0 || w <= 0) return error("output size must be positive, got ", h, "x", w);
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  const Shape& rois = ctx.input_shape(1);
  if (x.size() != 4) return error("X must be 4-D, got ", shape_to_string(x));
  if (rois.size() != 2 || (rois[1] >= 0 && rois[1] != roi_width)) {
    return error("rois must have shape [num_rois, ", roi_width, "], got ", shape_to_string(rois));
  }
  outputs[0].shape = {rois[0], x[1], h, w};
  outputs[0].has_shape = true;
  return Status::ok();
}

OpSchema max_roi_pool_schema() {
  OpSchema s;
  s.op_type = "MaxRoiPool";
  s.min_inputs = s.max_inputs = 2;
  s.op_class = OpClass::kOpaque;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    Shape pooled = ctx.node().attr_ints("pooled_shape");
    if (pooled.size() != 2) return error("pooled_shape must have 2 values");
    return infer_roi(ctx, 5, pooled[0], pooled[1], outputs);
  };
  return s;
}

OpSchema roi_align_schema() {
  OpSchema s;
  s.op_type = "RoiAlign";
  s.min_inputs = s.max_inputs = 3;
  s.op_class = OpClass::kOpaque;
  s.min_opset = 10;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    const Node& n = ctx.node();
    std::string mode = n.attr_string("mode", "avg");
    if (mode != "avg" && mode != "max") return error("unknown mode '", mode, "'");
    if (ctx.input_has_shape(1) && ctx.input_has_shape(2)) {
      const Shape& idx = ctx.input_shape(2);
      if (idx.size() != 1 ||
          (idx[0] >= 0 && ctx.input_shape(1)[0] >= 0 && idx[0] != ctx.input_shape(1)[0])) {
        return error("batch_indices must have shape [num_rois], got ", shape_to_string(idx));
      }
    }
    return infer_roi(ctx, 4, n.attr_int("output_height", 1), n.attr_int("output_width", 1),
                     outputs);
  };
  return s;
}

}  // namespace

void register_nn_pool_ops(OpRegistry& r) {
  r.add(pool_schema("MaxPool", 2));
  r.add(pool_schema("AveragePool", 1));
  r.add(pool_schema("LpPool", 1));
  r.add(global_pool_schema("GlobalAveragePool"));
  r.add(global_pool_schema("GlobalMaxPool"));
  r.add(global_pool_schema("GlobalLpPool"));
  r.add(max_unpool_schema());
  r.add(max_roi_pool_schema());
  r.add(roi_align_schema());
}

}  // namespace stitch::graph
