// Schemas of the broadcasting elementwise ops: arithmetic, bitwise, comparisons, logic, the
// variadic Max/Min/Sum/Mean, PRelu and Where. Part of graph/ops/ (elementwise family).
#include "graph/ops/elementwise_util.h"

namespace stitch::graph::elementwise {
namespace {

// Pow: base and exponent may differ in type; the result has the base's type.
Status infer_pow(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(0), Types::kNumeric, 0));
  STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(1), Types::kNumeric, 1));
  STITCH_RETURN_IF_ERROR(broadcast_inputs(ctx, 0, 2, outputs[0]));
  outputs[0].dtype = ctx.input_dtype(0);
  return Status::ok();
}

// Mod: C fmod (fmod=1) or Python's sign-of-divisor remainder (fmod=0, integers only).
Status infer_mod(const InferContext& ctx, std::vector<TensorType>& outputs) {
  int64_t fmod = ctx.node().attr_int("fmod", 0);
  if (fmod != 0 && fmod != 1) return error("attribute fmod must be 0 or 1, got ", fmod);
  if (fmod == 0 && dtype_is_float(ctx.input_dtype(0))) {
    return error("Mod on floating-point inputs requires fmod=1");
  }
  return infer_broadcast(Types::kNumeric, false)(ctx, outputs);
}

Status infer_bitshift(const InferContext& ctx, std::vector<TensorType>& outputs) {
  std::string direction = ctx.node().attr_string("direction", "");
  if (direction != "LEFT" && direction != "RIGHT") {
    return error("attribute direction must be 'LEFT' or 'RIGHT', got '", direction, "'");
  }
  return infer_broadcast(Types::kUnsigned, false)(ctx, outputs);
}

// PRelu: the slope broadcasts to X (one direction only), so the output has X's shape.
Status infer_prelu(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(0), Types::kNumeric, 0));
  STITCH_RETURN_IF_ERROR(check_same_dtype(ctx, 0, 2));
  TensorType both;
  STITCH_RETURN_IF_ERROR(broadcast_inputs(ctx, 0, 2, both));
  outputs[0] = ctx.input_type(0);
  if (both.has_shape && outputs[0].is_static() && both.shape != outputs[0].shape) {
    return error("slope of shape ", shape_to_string(ctx.input_shape(1)),
                 " does not broadcast to X of shape ", shape_to_string(ctx.input_shape(0)));
  }
  return Status::ok();
}

// Where: a bool condition selects between X and Y (same type, any); all three broadcast.
Status infer_where(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(0), Types::kBool, 0));
  STITCH_RETURN_IF_ERROR(check_same_dtype(ctx, 1, 2));
  STITCH_RETURN_IF_ERROR(broadcast_inputs(ctx, 0, 3, outputs[0]));
  outputs[0].dtype = ctx.input_dtype(1);
  return Status::ok();
}

struct BroadcastOp {
  const char* op_type;
  int min_opset;
  Types types;
  bool to_bool;
};

// Binary ops of one element type with NumPy broadcasting. Opset 7 is where the legacy
// broadcast/axis attributes gave way to multidirectional broadcasting.
constexpr BroadcastOp kBinaryOps[] = {
    {"Add", 7, Types::kNumeric, false},
    {"Sub", 7, Types::kNumeric, false},
    {"Mul", 7, Types::kNumeric, false},
    {"Div", 7, Types::kNumeric, false},
    {"BitwiseAnd", 18, Types::kInteger, false},
    {"BitwiseOr", 18, Types::kInteger, false},
    {"BitwiseXor", 18, Types::kInteger, false},
    {"Equal", 7, Types::kAny, true},
    {"Less", 7, Types::kNumeric, true},
    {"LessOrEqual", 12, Types::kNumeric, true},
    {"Greater", 7, Types::kNumeric, true},
    {"GreaterOrEqual", 12, Types::kNumeric, true},
    {"And", 7, Types::kBool, true},
    {"Or", 7, Types::kBool, true},
    {"Xor", 7, Types::kBool, true},
};

constexpr BroadcastOp kVariadicOps[] = {
    {"Max", 6, Types::kNumeric, false},
    {"Min", 6, Types::kNumeric, false},
    {"Sum", 6, Types::kNumeric, false},
    {"Mean", 6, Types::kNumeric, false},
};

}  // namespace

void register_elementwise_binary_ops(OpRegistry& r) {
  for (const BroadcastOp& op : kBinaryOps) {
    r.add(injective_schema(op.op_type, op.min_opset, infer_broadcast(op.types, op.to_bool), 2, 2));
  }
  for (const BroadcastOp& op : kVariadicOps) {
    r.add(injective_schema(op.op_type, op.min_opset, infer_broadcast(op.types, op.to_bool), 1, -1));
  }
  r.add(injective_schema("Pow", 7, infer_pow, 2, 2));
  r.add(injective_schema("Mod", 10, infer_mod, 2, 2));
  r.add(injective_schema("BitShift", 11, infer_bitshift, 2, 2));
  r.add(injective_schema("PRelu", 7, infer_prelu, 2, 2));
  r.add(injective_schema("Where", 9, infer_where, 3, 3));
}

}  // namespace stitch::graph::elementwise
