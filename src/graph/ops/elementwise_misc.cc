// Schemas of the elementwise ops with extra inputs or type changes: Cast, CastLike, Clip,
// Identity, Dropout. Part of graph/ops/ (elementwise family).
#include "graph/ops/elementwise_util.h"

namespace stitch::graph::elementwise {
namespace {

Status check_cast_types(DType from, DType to) {
  if (to == DType::kString && from == DType::kBool) {
    return error("Cast from bool to string is not supported");
  }
  if (from == DType::kString && to == DType::kBool) {
    return error("Cast from string to bool is not supported");
  }
  return Status::ok();
}

Status infer_cast(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Attribute* to = ctx.node().attr("to");
  if (to == nullptr) return error("attribute 'to' is required");
  if (to->kind != Attribute::Kind::kInt || !dtype_is_valid(static_cast<int>(to->i))) {
    return error("attribute 'to' is not a supported element type: ", to->to_string());
  }
  DType target = static_cast<DType>(to->i);
  STITCH_RETURN_IF_ERROR(check_cast_types(ctx.input_dtype(0), target));
  outputs[0] = ctx.input_type(0);
  outputs[0].dtype = target;
  return Status::ok();
}

// CastLike: Cast to the element type of input 1.
Status infer_cast_like(const InferContext& ctx, std::vector<TensorType>& outputs) {
  DType target = ctx.input_dtype(1);
  STITCH_RETURN_IF_ERROR(check_cast_types(ctx.input_dtype(0), target));
  outputs[0] = ctx.input_type(0);
  outputs[0].dtype = target;
  return Status::ok();
}

// Clip: optional scalar min (input 1) and max (input 2) of X's type.
Status infer_clip(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(0), Types::kNumeric, 0));
  STITCH_RETURN_IF_ERROR(check_same_dtype(ctx, 0, 3));
  for (int i = 1; i <= 2; ++i) {
    if (!ctx.input_has_shape(i) || !shape_is_static(ctx.input_shape(i))) continue;
    if (shape_numel(ctx.input_shape(i)) != 1) {
      return error("input ", i, " (", i == 1 ? "min" : "max", ") must be a scalar, got shape ",
                   shape_to_string(ctx.input_shape(i)));
    }
  }
  outputs[0] = ctx.input_type(0);
  return Status::ok();
}

// Dropout (inference semantics; training mode is the kernel's business): output 0 is X, the
// optional output 1 is a bool mask of X's shape.
Status infer_dropout(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(0), Types::kFloat, 0));
  if (ctx.has_input(1)) STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(1), Types::kFloat, 1));
  if (ctx.has_input(2)) STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(2), Types::kBool, 2));
  for (int i = 1; i <= 2; ++i) {
    const Tensor* v = ctx.input_value(i);
    if (v != nullptr && v->numel() != 1) {
      return error("input ", i, " must be a scalar, got shape ", shape_to_string(v->shape()));
    }
  }
  outputs[0] = ctx.input_type(0);
  if (outputs.size() > 1) {
    outputs[1] = ctx.input_type(0);
    outputs[1].dtype = DType::kBool;
  }
  return Status::ok();
}

}  // namespace

void register_elementwise_misc_ops(OpRegistry& r) {
  r.add(injective_schema("Cast", 6, infer_cast));
  r.add(injective_schema("CastLike", 15, infer_cast_like, 2, 2));
  r.add(injective_schema("Clip", 6, infer_clip, 1, 3));
  r.add(injective_schema("Identity", 1, infer_unary(Types::kAny)));
  OpSchema dropout = injective_schema("Dropout", 7, infer_dropout, 1, 3);
  dropout.max_outputs = 2;
  r.add(std::move(dropout));
}

}  // namespace stitch::graph::elementwise
