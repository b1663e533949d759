// Schemas of the unary elementwise ops: math functions and activations.
// Part of graph/ops/ (elementwise family).
#include "graph/ops/elementwise_util.h"

namespace stitch::graph::elementwise {
namespace {

struct UnaryOp {
  const char* op_type;
  int min_opset;
  Types types;
};

// Output type = input type. Relu and Neg also take signed integers (Relu since opset 14).
constexpr UnaryOp kUnaryOps[] = {
    {"Abs", 6, Types::kNumeric},
    {"Neg", 6, Types::kSigned},
    {"Sign", 9, Types::kNumeric},
    {"Exp", 6, Types::kFloat},
    {"Log", 6, Types::kFloat},
    {"Sqrt", 6, Types::kFloat},
    {"Reciprocal", 6, Types::kFloat},
    {"Floor", 6, Types::kFloat},
    {"Ceil", 6, Types::kFloat},
    {"Round", 11, Types::kFloat},
    {"Sin", 7, Types::kFloat},
    {"Cos", 7, Types::kFloat},
    {"Tan", 7, Types::kFloat},
    {"Asin", 7, Types::kFloat},
    {"Acos", 7, Types::kFloat},
    {"Atan", 7, Types::kFloat},
    {"Sinh", 9, Types::kFloat},
    {"Cosh", 9, Types::kFloat},
    {"Asinh", 9, Types::kFloat},
    {"Acosh", 9, Types::kFloat},
    {"Atanh", 9, Types::kFloat},
    {"Erf", 9, Types::kFloat},
    {"Relu", 6, Types::kSigned},
    {"LeakyRelu", 6, Types::kFloat},
    {"Elu", 6, Types::kFloat},
    {"Selu", 6, Types::kFloat},
    {"Sigmoid", 6, Types::kFloat},
    {"HardSigmoid", 6, Types::kFloat},
    {"HardSwish", 14, Types::kFloat},
    {"Softplus", 1, Types::kFloat},
    {"Softsign", 1, Types::kFloat},
    {"Tanh", 6, Types::kFloat},
    {"ThresholdedRelu", 10, Types::kFloat},
    {"Mish", 18, Types::kFloat},
    {"Shrink", 9, Types::kNumeric},
    {"BitwiseNot", 18, Types::kInteger},
    {"Not", 1, Types::kBool},
};

// Celu divides by alpha.
Status infer_celu(const InferContext& ctx, std::vector<TensorType>& outputs) {
  if (ctx.node().attr_float("alpha", 1.0f) == 0.0f) return error("attribute alpha must not be 0");
  return infer_unary(Types::kFloat)(ctx, outputs);
}

Status infer_gelu(const InferContext& ctx, std::vector<TensorType>& outputs) {
  std::string approximate = ctx.node().attr_string("approximate", "none");
  if (approximate != "none" && approximate != "tanh") {
    return error("attribute approximate must be 'none' or 'tanh', got '", approximate, "'");
  }
  return infer_unary(Types::kFloat)(ctx, outputs);
}

}  // namespace

void register_elementwise_unary_ops(OpRegistry& r) {
  for (const UnaryOp& op : kUnaryOps) {
    r.add(injective_schema(op.op_type, op.min_opset, infer_unary(op.types)));
  }
  r.add(injective_schema("Celu", 12, infer_celu));
  r.add(injective_schema("Gelu", 20, infer_gelu));
  r.add(injective_schema("IsNaN", 9, infer_unary_to(Types::kFloat, DType::kBool)));
  r.add(injective_schema("IsInf", 10, infer_unary_to(Types::kFloat, DType::kBool)));
}

}  // namespace stitch::graph::elementwise
