// Schemas of the tensor op family, creation part: Shape, Size, Constant, ConstantOfShape, Range,
// EyeLike, OneHot, Trilu. Part of graph/ops/; registered by register_tensor_ops (tensor.cc).
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

Status infer_shape(const InferContext& ctx, std::vector<TensorType>& out) {
  if (!ctx.input_has_shape(0)) {
    out[0] = make_type(DType::kInt64, {kUnknownDim});
    return Status::ok();
  }
  int64_t rank = ctx.input_rank(0);
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  int64_t start = clamp(ctx.node().attr_int("start", 0));
  int64_t end = clamp(ctx.node().attr_int("end", rank));
  out[0] = make_type(DType::kInt64, {std::max<int64_t>(end - start, 0)});
  return Status::ok();
}

Status infer_size(const InferContext& ctx, std::vector<TensorType>& out) {
  (void)ctx;
  out[0] = make_type(DType::kInt64, {});
  return Status::ok();
}

Status infer_constant(const InferContext& ctx, std::vector<TensorType>& out) {
  const Node& n = ctx.node();
  int set = 0;
  for (const char* name : {"value", "value_float", "value_floats", "value_int", "value_ints",
                           "value_string", "value_strings", "sparse_value"}) {
    set += n.has_attr(name) ? 1 : 0;
  }
  if (set != 1) return error("exactly one value attribute must be set, found ", set);
  if (const Tensor* t = n.attr_tensor("value")) {
    out[0] = make_type(t->dtype(), t->shape());
  } else if (n.has_attr("value")) {
    return error("attribute 'value' must be a tensor");
  } else if (n.has_attr("value_float")) {
    out[0] = make_type(DType::kFloat32, {});
  } else if (n.has_attr("value_floats")) {
    out[0] =
        make_type(DType::kFloat32, {static_cast<int64_t>(n.attr_floats("value_floats").size())});
  } else if (n.has_attr("value_int")) {
    out[0] = make_type(DType::kInt64, {});
  } else if (n.has_attr("value_ints")) {
    out[0] = make_type(DType::kInt64, {static_cast<int64_t>(n.attr_ints("value_ints").size())});
  } else if (n.has_attr("value_string")) {
    out[0] = make_type(DType::kString, {});
  } else if (n.has_attr("value_strings")) {
    out[0] =
        make_type(DType::kString, {static_cast<int64_t>(n.attr_strings("value_strings").size())});
  } else {
    return error("unsupported: sparse_value");
  }
  return Status::ok();
}

Status infer_constant_of_shape(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = DType::kFloat32;
  if (const Tensor* v = ctx.node().attr_tensor("value")) {
    if (v->numel() != 1) return error("value must hold one element, got ", v->type_string());
    dt = v->dtype();
  }
  const Tensor* shape = ctx.input_value(0);
  if (!shape) {
    bool known = ctx.input_has_shape(0) && ctx.input_rank(0) == 1 && ctx.input_shape(0)[0] >= 0;
    out[0] = known ? make_type(dt, Shape(ctx.input_shape(0)[0], kUnknownDim))
                   : TensorType{dt, {}, false};
    return Status::ok();
  }
  if (shape->rank() != 1 || shape->dtype() != DType::kInt64) {
    return error("shape must be a 1-D int64 tensor, got ", shape->type_string());
  }
  Shape dims = shape->to_int64_vector();
  for (int64_t d : dims) {
    if (d < 0) return error("invalid dim ", d, " in shape ", shape_to_string(dims));
  }
  out[0] = make_type(dt, dims);
  return Status::ok();
}

// Number of elements Range produces, computed exactly for integers.
Expected<int64_t> range_length(const Tensor& start, const Tensor& limit, const Tensor& delta) {
  if (dtype_is_integer(start.dtype())) {
    int64_t s = start.as_int64(0), l = limit.as_int64(0), d = delta.as_int64(0);
    if (d == 0) return error("delta must not be 0");
    int64_t span = l - s;
    int64_t n = d > 0 ? (span + d - 1) / d : (span + d + 1) / d;
    if ((d > 0 && span <= 0) || (d < 0 && span >= 0)) n = 0;
    return n;
  }
  double s = start.as_double(0), l = limit.as_double(0), d = delta.as_double(0);
  if (d == 0) return error("delta must not be 0");
  double n = std::ceil((l - s) / d);
  if (!std::isfinite(n)) return error("range length is not finite");
  return std::max<int64_t>(static_cast<int64_t>(n), 0);
}

Status infer_range(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  for (int i = 0; i < 3; ++i) {
    if (ctx.input_dtype(i) != dt) return error("start, limit and delta must share a type");
    if (ctx.input_has_shape(i) && ctx.input_rank(i) != 0 &&
        !(ctx.input_rank(i) == 1 && ctx.input_shape(i)[0] == 1)) {
      return error("input ", i, " must be a scalar, got ", ctx.input_type(i).to_string());
    }
  }
  if (dt != DType::kFloat32 && dt != DType::kFloat64 && dt != DType::kInt16 &&
      dt != DType::kInt32 && dt != DType::kInt64) {
    return error("unsupported: Range of ", dtype_name(dt));
  }
  const Tensor *s = ctx.input_value(0), *l = ctx.input_value(1), *d = ctx.input_value(2);
  if (!s || !l || !d) {
    out[0] = make_type(dt, {kUnknownDim});
    return Status::ok();
  }
  STITCH_ASSIGN_OR_RETURN(int64_t n, range_length(*s, *l, *d));
  out[0] = make_type(dt, {n});
  return Status::ok();
}

Status infer_eye_like(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(0);
  if (ctx.node().has_attr("dtype")) {
    int64_t code = ctx.node().attr_int("dtype", 0);
    if (!dtype_is_valid(static_cast<int>(code)) || code == 0 ||
        code == static_cast<int64_t>(DType::kString)) {
      return error("invalid dtype ", code);
    }
    dt = static_cast<DType>(code);
  }
  if (ctx.input_has_shape(0) && ctx.input_rank(0) != 2) {
    return error("input must be 2-D, got ", ctx.input_type(0).to_string());
  }
  out[0] = ctx.input_has_shape(0) ? make_type(dt, ctx.input_shape(0))
                                  : make_type(dt, {kUnknownDim, kUnknownDim});
  return Status::ok();
}

Status infer_one_hot(const InferContext& ctx, std::vector<TensorType>& out) {
  DType dt = ctx.input_dtype(2);
  if (ctx.input_dtype(0) == DType::kString || ctx.input_dtype(1) == DType::kString) {
    return error("indices and depth must be numeric");
  }
  if (ctx.input_has_shape(2) && shape_is_static(ctx.input_shape(2)) &&
      (ctx.input_rank(2) != 1 || ctx.input_shape(2)[0] != 2)) {
    return error("values must be a 2-element vector, got ", ctx.input_type(2).to_string());
  }
  if (!ctx.input_has_shape(0)) {
    out[0] = TensorType{dt, {}, false};
    return Status::ok();
  }
  int64_t rank = ctx.input_rank(0) + 1;
  int64_t axis = ctx.node().attr_int("axis", -1);
  if (axis < -rank || axis >= rank) return error("axis ", axis, " out of range for rank ", rank);
  if (axis < 0) axis += rank;
  int64_t depth = kUnknownDim;
  if (const Tensor* d = ctx.input_value(1)) {
    if (d->numel() != 1) return error("depth must be a scalar, got ", d->type_string());
    depth = static_cast<int64_t>(d->as_double(0));
    if (depth <= 0) return error("depth must be positive, got ", depth);
  }
  Shape dims = ctx.input_shape(0);
  dims.insert(dims.begin() + axis, depth);
  out[0] = make_type(dt, dims);
  return Status::ok();
}

Status infer_trilu(const InferContext& ctx, std::vector<TensorType>& out) {
  STITCH_RETURN_IF_ERROR(check_integer_input(ctx, 1, "k"));
  if (ctx.input_has_shape(0) && ctx.input_rank(0) < 2) {
    return error("input must have rank >= 2, got ", ctx.input_type(0).to_string());
  }
  if (ctx.has_input(1) && ctx.input_has_shape(1) && shape_is_static(ctx.input_shape(1)) &&
      shape_numel(ctx.input_shape(1)) != 1) {
    return error("k must be a scalar");
  }
  out[0] = ctx.input_type(0);
  return Status::ok();
}

}  // namespace

void register_tensor_create_ops(OpRegistry& r) {
  const OpClass opaque = OpClass::kOpaque;
  r.add(make_schema("Shape", 1, 1, opaque, infer_shape));
  r.add(make_schema("Size", 1, 1, opaque, infer_size));
  OpSchema constant = make_schema("Constant", 0, 0, opaque, infer_constant);
  constant.min_inputs = 0;
  r.add(std::move(constant));
  r.add(make_schema("ConstantOfShape", 1, 1, opaque, infer_constant_of_shape));
  r.add(make_schema("Range", 3, 3, opaque, infer_range));
  r.add(make_schema("EyeLike", 1, 1, OpClass::kInjective, infer_eye_like));
  r.add(make_schema("OneHot", 3, 3, opaque, infer_one_hot));
  r.add(make_schema("Trilu", 1, 2, OpClass::kInjective, infer_trilu));
}

}  // namespace stitch::graph
