// Schemas of the tensor op family, indexing part: Gather*, Scatter*, NonZero, Compress, Unique,
// ReverseSequence. Part of graph/ops/; registered by register_tensor_ops (tensor.cc).
#include <algorithm>

#include "graph/ops/all_ops.h"

namespace stitch::graph {
namespace {

Status check_index_type(const InferContext& ctx, int i) {
  DType t = ctx.input_dtype(i);
  if (t != DType::kInt32 && t != DType::kInt64) {
    return error("indices must be int32 or int64, got ", dtype_name(t));
  }
  return Status::ok();
}

Status infer_gather(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  STITCH_RETURN_IF_ERROR(check_index_type(ctx, 1));
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1)) {
    out[0] = TensorType{dt, {}, false};
    return Status::ok();
  }
  const Shape& data = ctx.input_shape(0);
  if (data.empty()) return error("cannot gather from a scalar");
  STITCH_ASSIGN_OR_RETURN(int64_t axis,
                          normalize_axis(ctx.node().attr_int("axis", 0), ctx.input_rank(0)));
  Shape dims(data.begin(), data.begin() + axis);
  dims.insert(dims.end(), ctx.input_shape(1).begin(), ctx.input_shape(1).end());
  dims.insert(dims.end(), data.begin() + axis + 1, data.end());
  out[0] = make_type(ctx.input_dtype(0), dims);
  return Status::ok();
}

Status infer_gather_elements(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_index_type(ctx, 1));
  if (ctx.input_has_shape(0) && ctx.input_has_shape(1)) {
    if (ctx.input_rank(0) != ctx.input_rank(1) || ctx.input_rank(0) == 0) {
      return error("data ", ctx.input_type(0).to_string(), " and indices ",
                   ctx.input_type(1).to_string(), " must have the same rank >= 1");
    }
    STITCH_RETURN_IF_ERROR(
        normalize_axis(ctx.node().attr_int("axis", 0), ctx.input_rank(0)).status());
  }
  out[0] = TensorType{ctx.input_dtype(0), ctx.input_shape(1), ctx.input_has_shape(1)};
  return Status::ok();
}

Status infer_gather_nd(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  if (ctx.input_dtype(1) != DType::kInt64) return error("indices must be int64");
  const Shape& idx = ctx.input_shape(1);
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1) || idx.empty() || idx.back() < 0) {
    out[0] = TensorType{dt, {}, false};
    return Status::ok();
  }
  int64_t b = ctx.node().attr_int("batch_dims", 0);
  int64_t r = ctx.input_rank(0), q = ctx.input_rank(1), k = idx.back();
  if (b < 0 || b >= std::min(r, q)) return error("batch_dims ", b, " out of range");
  if (k < 1 || b + k > r) return error("indices last dim ", k, " too large for data rank ", r);
  for (int64_t i = 0; i < b; ++i) {
    const Shape& d = ctx.input_shape(0);
    if (d[i] >= 0 && idx[i] >= 0 && d[i] != idx[i]) {
      return error("batch dim ", i, " differs: ", d[i], " vs ", idx[i]);
    }
  }
  Shape dims(idx.begin(), idx.end() - 1);
  dims.insert(dims.end(), ctx.input_shape(0).begin() + b + k, ctx.input_shape(0).end());
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status check_reduction(const InferContext& ctx) {
  std::string red = ctx.node().attr_string("reduction", "none");
  if (red != "none" && red != "add" && red != "mul" && red != "max" && red != "min") {
    return error("unknown reduction '", red, "'");
  }
  return Status::ok();
}

Status infer_scatter_elements(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_index_type(ctx, 1));
  STITCH_RETURN_IF_ERROR(check_reduction(ctx));
  if (ctx.input_dtype(2) != ctx.input_dtype(0)) return error("updates and data differ in type");
  if (ctx.input_has_shape(1) && ctx.input_has_shape(2) &&
      ctx.input_shape(1) != ctx.input_shape(2)) {
    return error("indices ", ctx.input_type(1).to_string(), " and updates ",
                 ctx.input_type(2).to_string(), " differ in shape");
  }
  if (ctx.input_has_shape(0) && ctx.input_has_shape(1)) {
    if (ctx.input_rank(0) != ctx.input_rank(1) || ctx.input_rank(0) == 0) {
      return error("data and indices must have the same rank >= 1");
    }
    STITCH_RETURN_IF_ERROR(
        normalize_axis(ctx.node().attr_int("axis", 0), ctx.input_rank(0)).status());
  }
  out[0] = ctx.input_type(0);
  return Status::ok();
}

Status infer_scatter_nd(const InferContext& ctx, std::vector<TensorType>& out) {
  if (ctx.input_dtype(1) != DType::kInt64) return error("indices must be int64");
  STITCH_RETURN_IF_ERROR(check_reduction(ctx));
  if (ctx.input_dtype(2) != ctx.input_dtype(0)) return error("updates and data differ in type");
  const Shape& idx = ctx.input_shape(1);
  if (ctx.input_has_shape(0) && ctx.input_has_shape(1) && ctx.input_has_shape(2) && !idx.empty() &&
      idx.back() >= 0) {
    const Shape& data = ctx.input_shape(0);
    int64_t k = idx.back();
    if (k > static_cast<int64_t>(data.size())) return error("indices last dim too large");
    Shape expect(idx.begin(), idx.end() - 1);
    expect.insert(expect.end(), data.begin() + k, data.end());
    const Shape& upd = ctx.input_shape(2);
    bool ok = upd.size() == expect.size();
    for (size_t i = 0; ok && i < upd.size(); ++i) {
      ok = upd[i] < 0 || expect[i] < 0 || upd[i] == expect[i];
    }
    if (!ok) {
      return error("updates shape ", shape_to_string(upd), " should be ", shape_to_string(expect));
    }
  }
  out[0] = ctx.input_type(0);
  return Status::ok();
}

Status infer_non_zero(const InferContext& ctx, std::vector<TensorType>& out) {
  if (!ctx.input_has_shape(0)) {
    out[0] = make_type(DType::kInt64, {kUnknownDim, kUnknownDim});
  } else {
    out[0] = make_type(DType::kInt64, {ctx.input_rank(0), kUnknownDim});
  }
  return Status::ok();
}

Status infer_compress(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  if (ctx.input_dtype(1) != DType::kBool) return error("condition must be bool");
  if (ctx.input_has_shape(1) && ctx.input_rank(1) != 1) return error("condition must be 1-D");
  int64_t kept = kUnknownDim;
  if (const Tensor* cond = ctx.input_value(1)) {
    kept = 0;
    for (int64_t i = 0; i < cond->numel(); ++i) kept += cond->data<bool>()[i] ? 1 : 0;
  }
  if (!ctx.node().has_attr("axis")) {
    out[0] = make_type(dt, {kept});
    return Status::ok();
  }
  if (!ctx.input_has_shape(0)) {
    out[0] = TensorType{dt, {}, false};
    return Status::ok();
  }
  STITCH_ASSIGN_OR_RETURN(int64_t axis,
                          normalize_axis(ctx.node().attr_int("axis", 0), ctx.input_rank(0)));
  Shape dims = ctx.input_shape(0);
  if (dims.empty()) return error("cannot compress a scalar along an axis");
  dims[axis] = kept;
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status infer_unique(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  int64_t slices = kUnknownDim;  // inverse_indices has one entry per input slice
  if (!ctx.node().has_attr("axis")) {
    out[0] = make_type(dt, {kUnknownDim});
    if (ctx.input_type(0).is_static()) slices = shape_numel(ctx.input_shape(0));
  } else if (ctx.input_has_shape(0)) {
    STITCH_ASSIGN_OR_RETURN(int64_t axis,
                            normalize_axis(ctx.node().attr_int("axis", 0), ctx.input_rank(0)));
    Shape dims = ctx.input_shape(0);
    if (dims.empty()) return error("cannot take unique slices of a scalar");
    slices = dims[axis];
    dims[axis] = kUnknownDim;
    out[0] = make_type(dt, dims);
  } else {
    out[0] = TensorType{dt, {}, false};
  }
  for (size_t i = 1; i < out.size(); ++i) out[i] = make_type(DType::kInt64, {kUnknownDim});
  if (out.size() > 2) out[2].shape[0] = slices;
  return Status::ok();
}

Status infer_reverse_sequence(const InferContext& ctx, std::vector<TensorType>& out) {
  int64_t batch_axis = ctx.node().attr_int("batch_axis", 1);
  int64_t time_axis = ctx.node().attr_int("time_axis", 0);
  if (!((batch_axis == 0 && time_axis == 1) || (batch_axis == 1 && time_axis == 0))) {
    return error("batch_axis and time_axis must be 0 and 1 in some order");
  }
  if (ctx.input_has_shape(0) && ctx.input_rank(0) < 2) return error("input must have rank >= 2");
  if (ctx.input_dtype(1) != DType::kInt64) return error("sequence_lens must be int64");
  if (ctx.input_has_shape(0) && ctx.input_has_shape(1)) {
    const Shape& s = ctx.input_shape(1);
    int64_t batch = ctx.input_shape(0)[batch_axis];
    if (s.size() != 1 || (s[0] >= 0 && batch >= 0 && s[0] != batch)) {
      return error("sequence_lens ", shape_to_string(s), " does not match batch ", batch);
    }
  }
  out[0] = ctx.input_type(0);
  return Status::ok();
}

}  // namespace

void register_tensor_index_ops(OpRegistry& r) {
  const OpClass inj = OpClass::kInjective;
  const OpClass opaque = OpClass::kOpaque;
  r.add(make_schema("Gather", 2, 2, inj, infer_gather));
  r.add(make_schema("GatherElements", 2, 2, inj, infer_gather_elements));
  r.add(make_schema("GatherND", 2, 2, inj, infer_gather_nd));
  r.add(make_schema("Scatter", 3, 3, opaque, infer_scatter_elements));
  r.add(make_schema("ScatterElements", 3, 3, opaque, infer_scatter_elements));
  r.add(make_schema("ScatterND", 3, 3, opaque, infer_scatter_nd));
  r.add(make_schema("NonZero", 1, 1, opaque, infer_non_zero));
  r.add(make_schema("Compress", 2, 2, opaque, infer_compress));
  OpSchema unique = make_schema("Unique", 1, 1, opaque, infer_unique);
  unique.max_outputs = 4;
  r.add(std::move(unique));
  r.add(make_schema("ReverseSequence", 2, 2, inj, infer_reverse_sequence));
}

}  // namespace stitch::graph
