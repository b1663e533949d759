// Schemas of the elementwise op family: the shared inference helpers and the family's entry
// point. Part of graph/ops/; the op lists are in elementwise_{binary,unary,misc}.cc.
#include "graph/ops/elementwise_util.h"

namespace stitch::graph {

namespace elementwise {
namespace {

bool dtype_in(DType t, Types allowed) {
  switch (allowed) {
    case Types::kFloat:
      return dtype_is_float(t);
    case Types::kSigned:
      return dtype_is_signed(t);
    case Types::kInteger:
      return dtype_is_integer(t);
    case Types::kUnsigned:
      return dtype_is_integer(t) && !dtype_is_signed(t);
    case Types::kNumeric:
      return dtype_is_float(t) || dtype_is_integer(t);
    case Types::kBool:
      return t == DType::kBool;
    case Types::kNumericOrBool:
      return dtype_is_float(t) || dtype_is_integer(t) || t == DType::kBool;
    case Types::kAny:
      return true;
  }
  return false;
}

const char* types_name(Types allowed) {
  switch (allowed) {
    case Types::kFloat:
      return "floating-point types";
    case Types::kSigned:
      return "floating-point and signed integer types";
    case Types::kInteger:
      return "integer types";
    case Types::kUnsigned:
      return "unsigned integer types";
    case Types::kNumeric:
      return "numeric types (not bool)";
    case Types::kBool:
      return "bool";
    case Types::kNumericOrBool:
      return "numeric types and bool";
    case Types::kAny:
      return "any type";
  }
  return "?";
}

}  // namespace

Status check_dtype(DType t, Types allowed, int input_index) {
  if (t == DType::kUndefined || dtype_in(t, allowed)) return Status::ok();
  return error("input ", input_index, " has element type ", dtype_name(t), "; the op accepts ",
               types_name(allowed));
}

Status broadcast_inputs(const InferContext& ctx, int first, int count, TensorType& out) {
  out.shape.clear();
  out.has_shape = true;
  for (int i = first; i < first + count; ++i) {
    if (!ctx.has_input(i)) continue;
    if (!ctx.input_has_shape(i)) {
      out.has_shape = false;
      out.shape.clear();
      return Status::ok();
    }
    STITCH_ASSIGN_OR_RETURN(out.shape, broadcast_shapes(out.shape, ctx.input_shape(i)));
  }
  return Status::ok();
}

Status check_same_dtype(const InferContext& ctx, int first, int count) {
  DType seen = DType::kUndefined;
  int seen_at = -1;
  for (int i = first; i < first + count; ++i) {
    if (!ctx.has_input(i) || ctx.input_dtype(i) == DType::kUndefined) continue;
    if (seen == DType::kUndefined) {
      seen = ctx.input_dtype(i);
      seen_at = i;
    } else if (ctx.input_dtype(i) != seen) {
      return error("input ", i, " has element type ", dtype_name(ctx.input_dtype(i)), " but input ",
                   seen_at, " has ", dtype_name(seen), "; they must match");
    }
  }
  return Status::ok();
}

InferFn infer_unary(Types allowed) {
  return [allowed](const InferContext& ctx, std::vector<TensorType>& outputs) {
    STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(0), allowed, 0));
    outputs[0] = ctx.input_type(0);
    return Status::ok();
  };
}

InferFn infer_unary_to(Types allowed, DType out) {
  return [allowed, out](const InferContext& ctx, std::vector<TensorType>& outputs) {
    STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(0), allowed, 0));
    outputs[0] = ctx.input_type(0);
    outputs[0].dtype = out;
    return Status::ok();
  };
}

InferFn infer_broadcast(Types allowed, bool to_bool) {
  return [allowed, to_bool](const InferContext& ctx, std::vector<TensorType>& outputs) {
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) return error("input ", i, " must not be omitted");
      STITCH_RETURN_IF_ERROR(check_dtype(ctx.input_dtype(i), allowed, i));
    }
    STITCH_RETURN_IF_ERROR(check_same_dtype(ctx, 0, ctx.num_inputs()));
    STITCH_RETURN_IF_ERROR(broadcast_inputs(ctx, 0, ctx.num_inputs(), outputs[0]));
    outputs[0].dtype = to_bool ? DType::kBool : ctx.input_dtype(0);
    return Status::ok();
  };
}

OpSchema injective_schema(const std::string& op_type, int min_opset, InferFn infer, int min_inputs,
                          int max_inputs) {
  OpSchema s;
  s.op_type = op_type;
  s.domain = "";
  s.min_inputs = min_inputs;
  s.max_inputs = max_inputs;
  s.min_outputs = 1;
  s.max_outputs = 1;
  s.op_class = OpClass::kInjective;
  s.min_opset = min_opset;
  s.infer = std::move(infer);
  s.flops = flops_output_numel;
  return s;
}

}  // namespace elementwise

void register_elementwise_ops(OpRegistry& r) {
  elementwise::register_elementwise_binary_ops(r);
  elementwise::register_elementwise_unary_ops(r);
  elementwise::register_elementwise_misc_ops(r);
}

}  // namespace stitch::graph
