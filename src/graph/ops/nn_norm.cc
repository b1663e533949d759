// Schemas of the normalization ops: BatchNormalization, InstanceNormalization,
// LayerNormalization, GroupNormalization, LRN, MeanVarianceNormalization, LpNormalization.
// Part of graph/ops/ (nn family).
#include "graph/ops/nn_util.h"

namespace stitch::graph {
namespace {

Status check_float_input(const InferContext& ctx, int i) {
  if (!dtype_is_float(ctx.input_dtype(i))) {
    return error("input ", i, " must be a floating-point tensor, got ",
                 dtype_name(ctx.input_dtype(i)));
  }
  return Status::ok();
}

// Checks that inputs [first, last] are 1-D of size `size` (when known).
Status check_vectors(const InferContext& ctx, int first, int last, int64_t size) {
  for (int i = first; i <= last; ++i) {
    if (!ctx.input_has_shape(i)) continue;
    STITCH_RETURN_IF_ERROR(check_float_input(ctx, i));
    const Shape& s = ctx.input_shape(i);
    if (s.size() != 1 || (size >= 0 && s[0] >= 0 && s[0] != size)) {
      return error("input ", i, " must have shape [", size, "], got ", shape_to_string(s));
    }
  }
  return Status::ok();
}

int64_t flops_input_numel_times(const InferContext& ctx, int64_t k) {
  return ctx.input_type(0).is_static() ? k * shape_numel(ctx.input_shape(0)) : 0;
}

// Normalizations that read per-channel (dim 1) parameter vectors from inputs [first, last].
Status infer_channel_norm(const InferContext& ctx, int first, int last,
                          std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_float_input(ctx, 0));
  outputs[0] = ctx.input_type(0);
  int64_t c = kUnknownDim;
  if (ctx.input_has_shape(0)) {
    if (ctx.input_rank(0) < 2) return error("X must have rank >= 2");
    c = ctx.input_shape(0)[1];
  }
  STITCH_RETURN_IF_ERROR(check_vectors(ctx, first, last, c));
  for (size_t i = 1; i < outputs.size(); ++i) {  // BatchNormalization's running mean and var
    outputs[i] = make_type(ctx.input_dtype(3), {c});
  }
  return Status::ok();
}

OpSchema batch_norm_schema() {
  OpSchema s;
  s.op_type = "BatchNormalization";
  s.min_inputs = s.max_inputs = 5;
  s.max_outputs = 3;
  s.op_class = OpClass::kReduce;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    return infer_channel_norm(ctx, 1, 4, outputs);
  };
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>&) {
    return flops_input_numel_times(ctx, 2);
  };
  return s;
}

OpSchema instance_norm_schema() {
  OpSchema s;
  s.op_type = "InstanceNormalization";
  s.min_inputs = s.max_inputs = 3;
  s.op_class = OpClass::kReduce;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    return infer_channel_norm(ctx, 1, 2, outputs);
  };
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>&) {
    return flops_input_numel_times(ctx, 5);
  };
  return s;
}

Status infer_layer_norm(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_float_input(ctx, 0));
  int64_t stash = ctx.node().attr_int("stash_type", 1);
  if (!dtype_is_valid(static_cast<int>(stash)) || !dtype_is_float(static_cast<DType>(stash))) {
    return error("stash_type ", stash, " is not a floating-point type");
  }
  outputs[0] = ctx.input_type(0);
  for (size_t i = 1; i < outputs.size(); ++i) outputs[i].dtype = static_cast<DType>(stash);
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(x.size());
  if (rank == 0) return error("X must have rank >= 1");
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node().attr_int("axis", -1), rank));
  Shape normalized(x.begin() + axis, x.end());
  for (int i = 1; i <= 2; ++i) {
    if (!ctx.input_has_shape(i)) continue;
    STITCH_RETURN_IF_ERROR(check_float_input(ctx, i));
    auto b = broadcast_shapes(ctx.input_shape(i), normalized);
    if (!b.is_ok() || ctx.input_rank(i) > rank - axis ||
        (shape_is_static(*b) && shape_is_static(normalized) && *b != normalized)) {
      return error("input ", i, " ", shape_to_string(ctx.input_shape(i)),
                   " does not broadcast to the normalized shape ", shape_to_string(normalized));
    }
  }
  Shape stats(x.begin(), x.begin() + axis);
  stats.resize(x.size(), 1);
  for (size_t i = 1; i < outputs.size(); ++i) {
    outputs[i].shape = stats;
    outputs[i].has_shape = true;
  }
  return Status::ok();
}

OpSchema layer_norm_schema() {
  OpSchema s;
  s.op_type = "LayerNormalization";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.max_outputs = 3;
  s.op_class = OpClass::kReduce;
  s.min_opset = 17;
  s.infer = infer_layer_norm;
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>&) {
    return flops_input_numel_times(ctx, 8);
  };
  return s;
}

Status infer_group_norm(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_float_input(ctx, 0));
  outputs[0] = ctx.input_type(0);
  int64_t groups = ctx.node().attr_int("num_groups", 0);
  if (groups <= 0) return error("num_groups must be > 0, got ", groups);
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 2) return error("X must have rank >= 2");
  if (x[1] >= 0 && x[1] % groups != 0) {
    return error("channels ", x[1], " are not divisible by num_groups ", groups);
  }
  // Opset 18 has per-group scale and bias; opset 21 per-channel. Both are accepted.
  for (int i = 1; i <= 2; ++i) {
    if (!ctx.input_has_shape(i)) continue;
    const Shape& s = ctx.input_shape(i);
    if (s.size() != 1 || (s[0] >= 0 && x[1] >= 0 && s[0] != groups && s[0] != x[1])) {
      return error("input ", i, " must have shape [", groups, "] or [", x[1], "], got ",
                   shape_to_string(s));
    }
  }
  return Status::ok();
}

OpSchema group_norm_schema() {
  OpSchema s;
  s.op_type = "GroupNormalization";
  s.min_inputs = s.max_inputs = 3;
  s.op_class = OpClass::kReduce;
  s.min_opset = 18;
  s.infer = infer_group_norm;
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>&) {
    return flops_input_numel_times(ctx, 8);
  };
  return s;
}

// Ops whose output is X's type and which only need validation of X and one attribute.
OpSchema simple_norm_schema(const std::string& op, int64_t flops_per_element,
                            std::function<Status(const InferContext&)> validate) {
  OpSchema s;
  s.op_type = op;
  s.op_class = OpClass::kReduce;
  s.infer = [validate](const InferContext& ctx, std::vector<TensorType>& outputs) {
    STITCH_RETURN_IF_ERROR(check_float_input(ctx, 0));
    STITCH_RETURN_IF_ERROR(validate(ctx));
    outputs[0] = ctx.input_type(0);
    return Status::ok();
  };
  s.flops = [flops_per_element](const InferContext& ctx, const std::vector<TensorType>&) {
    return flops_input_numel_times(ctx, flops_per_element);
  };
  return s;
}

Status validate_lrn(const InferContext& ctx) {
  int64_t size = ctx.node().attr_int("size", 0);
  if (size <= 0) return error("attribute 'size' must be > 0, got ", size);
  if (ctx.input_has_shape(0) && ctx.input_rank(0) < 2) return error("X must have rank >= 2");
  return Status::ok();
}

Status validate_mvn(const InferContext& ctx) {
  if (!ctx.input_has_shape(0)) return Status::ok();
  for (int64_t a : ctx.node().attr_ints("axes", {0, 2, 3})) {
    if (!normalize_axis(a, ctx.input_rank(0)).is_ok()) {
      return error("axis ", a, " is out of range for rank ", ctx.input_rank(0));
    }
  }
  return Status::ok();
}

Status validate_lp_norm(const InferContext& ctx) {
  int64_t p = ctx.node().attr_int("p", 2);
  if (p != 1 && p != 2) return error("p must be 1 or 2, got ", p);
  if (!ctx.input_has_shape(0)) return Status::ok();
  return normalize_axis(ctx.node().attr_int("axis", -1), ctx.input_rank(0)).is_ok()
             ? Status::ok()
             : error("axis is out of range for rank ", ctx.input_rank(0));
}

}  // namespace

void register_nn_norm_ops(OpRegistry& r) {
  r.add(batch_norm_schema());
  r.add(instance_norm_schema());
  r.add(layer_norm_schema());
  r.add(group_norm_schema());
  r.add(simple_norm_schema("LRN", 4, validate_lrn));
  r.add(simple_norm_schema("MeanVarianceNormalization", 6, validate_mvn));
  r.add(simple_norm_schema("LpNormalization", 3, validate_lp_norm));
}

}  // namespace stitch::graph
