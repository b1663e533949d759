// Schemas of the quantization ops: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear.
// Part of graph/ops/ (nn family).
#include "graph/ops/nn_util.h"

namespace stitch::graph {
namespace {

bool is_int8(DType t) { return t == DType::kInt8 || t == DType::kUInt8; }

// Scale and zero point: scalars (or one element: per-tensor), or 1-D of x's size at `axis`.
Status check_quant_params(const InferContext& ctx) {
  if (!dtype_is_float(ctx.input_dtype(1))) return error("scale must be a floating-point tensor");
  if (!ctx.input_has_shape(0)) return Status::ok();
  int64_t rank = ctx.input_rank(0);
  for (int i = 1; i <= 2; ++i) {
    if (!ctx.input_has_shape(i)) continue;
    const Shape& s = ctx.input_shape(i);
    if (s.empty() || (s.size() == 1 && s[0] == 1)) continue;
    if (s.size() != 1)
      return error("input ", i, " must be a scalar or 1-D, got ", shape_to_string(s));
    STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node().attr_int("axis", 1), rank));
    int64_t d = ctx.input_shape(0)[axis];
    if (s[0] >= 0 && d >= 0 && s[0] != d) {
      return error("input ", i, " has ", s[0], " values, x has ", d, " along axis ", axis);
    }
  }
  return Status::ok();
}

OpSchema quantize_schema() {
  OpSchema s;
  s.op_type = "QuantizeLinear";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.op_class = OpClass::kInjective;
  s.min_opset = 10;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    DType x = ctx.input_dtype(0);
    if (!dtype_is_float(x) && x != DType::kInt32) return error("x has unsupported type");
    DType y = ctx.has_input(2) ? ctx.input_dtype(2) : DType::kUInt8;
    if (!is_int8(y)) return error("y_zero_point must be int8 or uint8, got ", dtype_name(y));
    STITCH_RETURN_IF_ERROR(check_quant_params(ctx));
    outputs[0] = ctx.input_type(0);
    outputs[0].dtype = y;
    return Status::ok();
  };
  s.flops = flops_output_numel;
  return s;
}

OpSchema dequantize_schema() {
  OpSchema s;
  s.op_type = "DequantizeLinear";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.op_class = OpClass::kInjective;
  s.min_opset = 10;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    DType x = ctx.input_dtype(0);
    if (!is_int8(x) && x != DType::kInt32) return error("x has unsupported type");
    if (ctx.has_input(2) && ctx.input_dtype(2) != x) return error("x_zero_point type differs");
    STITCH_RETURN_IF_ERROR(check_quant_params(ctx));
    outputs[0] = ctx.input_type(0);
    outputs[0].dtype = ctx.input_dtype(1);
    return Status::ok();
  };
  s.flops = flops_output_numel;
  return s;
}

OpSchema dynamic_quantize_schema() {
  OpSchema s;
  s.op_type = "DynamicQuantizeLinear";
  s.min_outputs = s.max_outputs = 3;
  s.op_class = OpClass::kOpaque;
  s.min_opset = 11;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    if (ctx.input_dtype(0) != DType::kFloat32) return error("x must be float32");
    outputs[0] = ctx.input_type(0);
    outputs[0].dtype = DType::kUInt8;
    outputs[1] = make_type(DType::kFloat32, {});
    outputs[2] = make_type(DType::kUInt8, {});
    return Status::ok();
  };
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>& outputs) -> int64_t {
    return 4 * flops_output_numel(ctx, outputs);
  };
  return s;
}

}  // namespace

void register_nn_quant_ops(OpRegistry& r) {
  r.add(quantize_schema());
  r.add(dequantize_schema());
  r.add(dynamic_quantize_schema());
}

}  // namespace stitch::graph
