// Schemas of the reduce op family: Reduce*, the softmax family, ArgMax/ArgMin and CumSum.
// Part of graph/ops/; TopK, losses, NMS and optimizers live in reduce_misc.cc.
#include <algorithm>
#include <set>

#include "graph/ops/all_ops.h"

namespace stitch::graph {

void register_reduce_misc_ops(OpRegistry& r);  // reduce_misc.cc

namespace {

// The axes a Reduce* node reduces, normalized and sorted, or nullopt when they come from an
// input whose data is not known yet. An empty result with `noop` set means "copy the input".
struct ReduceAxes {
  bool known = false;
  bool noop = false;
  std::vector<int64_t> axes;
};

Expected<ReduceAxes> reduce_axes(const InferContext& ctx, int64_t rank) {
  ReduceAxes out;
  std::vector<int64_t> raw;
  if (ctx.has_input(1)) {
    const Tensor* v = ctx.input_value(1);
    if (!v) return out;  // axes are data we do not know yet
    if (v->rank() > 1) return error("axes must be a 1-D tensor, got ", v->type_string());
    raw = v->to_int64_vector();
  }
  out.known = true;
  if (raw.empty()) {
    if (ctx.node().attr_int("noop_with_empty_axes", 0) != 0) {
      out.noop = true;
      return out;
    }
    for (int64_t i = 0; i < rank; ++i) out.axes.push_back(i);
    return out;
  }
  std::set<int64_t> seen;
  for (int64_t a : raw) {
    STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a, rank));
    if (!seen.insert(axis).second) return error("axis ", a, " appears twice in axes");
  }
  out.axes.assign(seen.begin(), seen.end());
  return out;
}

Status infer_reduce(const InferContext& ctx, std::vector<TensorType>& outputs) {
  DType dtype = ctx.input_dtype(0);
  if (dtype == DType::kString) return error("reductions do not take strings");
  outputs[0].dtype = dtype;
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& in = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  bool keepdims = ctx.node().attr_int("keepdims", 1) != 0;
  if (ctx.has_input(1) && ctx.input_has_shape(1) && ctx.input_rank(1) > 1) {
    return error("axes must be a 1-D tensor");
  }
  STITCH_ASSIGN_OR_RETURN(ReduceAxes ra, reduce_axes(ctx, rank));
  if (!ra.known) {
    // Which dims go is data we do not have: with keepdims only the rank is known.
    if (keepdims) outputs[0] = TensorType{dtype, Shape(in.size(), kUnknownDim), true};
    return Status::ok();
  }
  if (ra.noop) {
    outputs[0] = ctx.input_type(0);
    return Status::ok();
  }
  Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = std::binary_search(ra.axes.begin(), ra.axes.end(), i);
    if (!reduced) {
      out.push_back(in[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  outputs[0] = TensorType{dtype, out, true};
  return Status::ok();
}

int64_t flops_input_numel(const InferContext& ctx, const std::vector<TensorType>& outputs) {
  if (!ctx.input_has_shape(0) || !shape_is_static(ctx.input_shape(0))) return 0;
  return shape_numel(ctx.input_shape(0));
}

// Softmax, LogSoftmax, Hardmax: same type as the input; the axis must be in range.
Status infer_softmax(const InferContext& ctx, std::vector<TensorType>& outputs) {
  if (!dtype_is_float(ctx.input_dtype(0))) {
    return error("input must be floating-point, got ", dtype_name(ctx.input_dtype(0)));
  }
  outputs[0] = ctx.input_type(0);
  if (!ctx.input_has_shape(0)) return Status::ok();
  int64_t rank = ctx.input_rank(0);
  int64_t fallback = ctx.node().opset() < 13 ? 1 : -1;
  int64_t axis = ctx.node().attr_int("axis", fallback);
  if (rank == 0) return error("input must have rank >= 1");
  return normalize_axis(axis, rank).status();
}

Status infer_arg_reduce(const InferContext& ctx, std::vector<TensorType>& outputs) {
  DType dtype = ctx.input_dtype(0);
  if (dtype == DType::kString || dtype == DType::kBool) {
    return error("ArgMax/ArgMin take numeric inputs, got ", dtype_name(dtype));
  }
  outputs[0].dtype = DType::kInt64;
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& in = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node().attr_int("axis", 0), rank));
  if (in[axis] == 0) return error("cannot take ArgMax/ArgMin over an empty axis");
  bool keepdims = ctx.node().attr_int("keepdims", 1) != 0;
  Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    if (i != axis) {
      out.push_back(in[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  outputs[0] = make_type(DType::kInt64, out);
  return Status::ok();
}

Status infer_cumsum(const InferContext& ctx, std::vector<TensorType>& outputs) {
  DType dtype = ctx.input_dtype(0);
  if (dtype == DType::kString || dtype == DType::kBool) {
    return error("CumSum takes numeric inputs, got ", dtype_name(dtype));
  }
  DType axis_type = ctx.input_dtype(1);
  if (axis_type != DType::kInt32 && axis_type != DType::kInt64) {
    return error("axis must be int32 or int64, got ", dtype_name(axis_type));
  }
  if (ctx.input_has_shape(1) && ctx.input_rank(1) > 1) return error("axis must be a scalar");
  outputs[0] = ctx.input_type(0);
  const Tensor* axis = ctx.input_value(1);
  if (axis && ctx.input_has_shape(0)) {
    if (axis->numel() != 1) return error("axis must hold one value");
    STITCH_RETURN_IF_ERROR(normalize_axis(axis->as_int64(0), ctx.input_rank(0)).status());
  }
  return Status::ok();
}

void add_reduce(OpRegistry& r, const std::string& op_type) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.op_class = OpClass::kReduce;
  s.infer = infer_reduce;
  s.flops = flops_input_numel;
  r.add(std::move(s));
}

void add_simple(OpRegistry& r, const std::string& op_type, int max_inputs, InferFn infer,
                FlopsFn flops) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = 1;
  s.max_inputs = max_inputs;
  s.op_class = OpClass::kReduce;
  s.infer = std::move(infer);
  s.flops = std::move(flops);
  r.add(std::move(s));
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  for (const char* op :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}) {
    add_reduce(r, op);
  }
  for (const char* op : {"Softmax", "LogSoftmax", "Hardmax"}) {
    add_simple(r, op, 1, infer_softmax, flops_input_numel);
  }
  add_simple(r, "ArgMax", 1, infer_arg_reduce, flops_input_numel);
  add_simple(r, "ArgMin", 1, infer_arg_reduce, flops_input_numel);
  OpSchema cumsum;
  cumsum.op_type = "CumSum";
  cumsum.min_inputs = 2;
  cumsum.max_inputs = 2;
  cumsum.op_class = OpClass::kReduce;
  cumsum.infer = infer_cumsum;
  cumsum.flops = flops_input_numel;
  r.add(std::move(cumsum));
  register_reduce_misc_ops(r);
}

}  // namespace stitch::graph
