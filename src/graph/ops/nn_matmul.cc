// Schemas of the matrix ops: MatMul, MatMulInteger, QLinearMatMul, Gemm, Einsum, Det.
// Part of graph/ops/ (nn family).
#include <algorithm>

#include "graph/ops/nn_util.h"

namespace stitch::graph {
namespace {

// NumPy matmul: 1-D operands gain (and then lose) a unit dim; batch dims broadcast.
Expected<Shape> matmul_shape(const Shape& a, const Shape& b) {
  if (a.empty() || b.empty()) return error("MatMul operands must have rank >= 1");
  Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  int64_t ka = a2.back();
  int64_t kb = b2[b2.size() - 2];
  if (ka >= 0 && kb >= 0 && ka != kb) {
    return error("inner dimensions differ: ", shape_to_string(a), " x ", shape_to_string(b));
  }
  STITCH_ASSIGN_OR_RETURN(Shape out, broadcast_shapes(Shape(a2.begin(), a2.end() - 2),
                                                      Shape(b2.begin(), b2.end() - 2)));
  if (a.size() > 1) out.push_back(a2[a2.size() - 2]);
  if (b.size() > 1) out.push_back(b2.back());
  return out;
}

Status infer_matmul_like(const InferContext& ctx, int a, int b, DType out_dtype,
                         std::vector<TensorType>& outputs) {
  outputs[0].dtype = out_dtype;
  if (!ctx.input_has_shape(a) || !ctx.input_has_shape(b)) return Status::ok();
  STITCH_ASSIGN_OR_RETURN(outputs[0].shape, matmul_shape(ctx.input_shape(a), ctx.input_shape(b)));
  outputs[0].has_shape = true;
  return Status::ok();
}

FlopsFn matmul_flops(int a) {
  return [a](const InferContext& ctx, const std::vector<TensorType>& outputs) -> int64_t {
    if (!outputs[0].is_static() || !ctx.input_type(a).is_static()) return 0;
    return 2 * shape_numel(outputs[0].shape) * ctx.input_shape(a).back();
  };
}

Status check_numeric(const InferContext& ctx, int i) {
  DType t = ctx.input_dtype(i);
  if (t == DType::kBool || t == DType::kString) {
    return error("input ", i, " has unsupported type ", dtype_name(t));
  }
  return Status::ok();
}

Status check_int8(const InferContext& ctx, int i) {
  if (!ctx.has_input(i)) return Status::ok();
  DType t = ctx.input_dtype(i);
  if (t != DType::kInt8 && t != DType::kUInt8) {
    return error("input ", i, " must be int8 or uint8, got ", dtype_name(t));
  }
  return Status::ok();
}

OpSchema matmul_schema() {
  OpSchema s;
  s.op_type = "MatMul";
  s.min_inputs = s.max_inputs = 2;
  s.op_class = OpClass::kComplex;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    STITCH_RETURN_IF_ERROR(check_numeric(ctx, 0));
    if (ctx.input_dtype(0) != ctx.input_dtype(1)) return error("A and B types differ");
    return infer_matmul_like(ctx, 0, 1, ctx.input_dtype(0), outputs);
  };
  s.flops = matmul_flops(0);
  return s;
}

OpSchema matmul_integer_schema() {
  OpSchema s;
  s.op_type = "MatMulInteger";
  s.min_inputs = 2;
  s.max_inputs = 4;
  s.op_class = OpClass::kComplex;
  s.min_opset = 10;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    for (int i = 0; i < 4; ++i) STITCH_RETURN_IF_ERROR(check_int8(ctx, i));
    return infer_matmul_like(ctx, 0, 1, DType::kInt32, outputs);
  };
  s.flops = matmul_flops(0);
  return s;
}

OpSchema qlinear_matmul_schema() {
  OpSchema s;
  s.op_type = "QLinearMatMul";
  s.min_inputs = s.max_inputs = 8;
  s.op_class = OpClass::kComplex;
  s.min_opset = 10;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    for (int i : {0, 2, 3, 5, 7}) STITCH_RETURN_IF_ERROR(check_int8(ctx, i));
    return infer_matmul_like(ctx, 0, 3, ctx.input_dtype(7), outputs);
  };
  s.flops = matmul_flops(0);
  return s;
}

Status infer_gemm(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_RETURN_IF_ERROR(check_numeric(ctx, 0));
  outputs[0].dtype = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1)) return Status::ok();
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.size() != 2 || b.size() != 2) {
    return error("A and B must be 2-D, got ", shape_to_string(a), " and ", shape_to_string(b));
  }
  bool ta = ctx.node().attr_int("transA", 0) != 0;
  bool tb = ctx.node().attr_int("transB", 0) != 0;
  int64_t m = ta ? a[1] : a[0], ka = ta ? a[0] : a[1];
  int64_t kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
  if (ka >= 0 && kb >= 0 && ka != kb) {
    return error("inner dimensions differ: A' has ", ka, " columns, B' has ", kb, " rows");
  }
  Shape out = {m, n};
  if (ctx.input_has_shape(2)) {
    STITCH_ASSIGN_OR_RETURN(Shape bc, broadcast_shapes(ctx.input_shape(2), out));
    if (ctx.input_rank(2) > 2 || (shape_is_static(bc) && shape_is_static(out) && bc != out)) {
      return error("C ", shape_to_string(ctx.input_shape(2)), " does not broadcast to ",
                   shape_to_string(out));
    }
  }
  outputs[0].shape = out;
  outputs[0].has_shape = true;
  return Status::ok();
}

OpSchema gemm_schema() {
  OpSchema s;
  s.op_type = "Gemm";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.op_class = OpClass::kComplex;
  s.infer = infer_gemm;
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>& outputs) -> int64_t {
    if (!outputs[0].is_static() || !ctx.input_type(0).is_static()) return 0;
    bool ta = ctx.node().attr_int("transA", 0) != 0;
    int64_t k = ta ? ctx.input_shape(0)[0] : ctx.input_shape(0)[1];
    return 2 * shape_numel(outputs[0].shape) * k;
  };
  return s;
}

Status infer_einsum(const InferContext& ctx, std::vector<TensorType>& outputs) {
  outputs[0].dtype = ctx.input_dtype(0);
  std::vector<int64_t> ranks;
  std::vector<Shape> shapes;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return error("input ", i, " is missing");
    if (ctx.input_dtype(i) != ctx.input_dtype(0)) return error("input types differ");
    if (!ctx.input_has_shape(i)) return Status::ok();
    ranks.push_back(ctx.input_rank(i));
    shapes.push_back(ctx.input_shape(i));
  }
  STITCH_RETURN_IF_ERROR(check_numeric(ctx, 0));
  if (!ctx.node().has_attr("equation")) return error("missing attribute 'equation'");
  STITCH_ASSIGN_OR_RETURN(nn::EinsumSpec spec,
                          nn::parse_einsum(ctx.node().attr_string("equation", ""), ranks));
  STITCH_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, nn::einsum_label_sizes(spec, shapes));
  Shape out;
  for (int l : spec.output) out.push_back(sizes[l]);
  outputs[0].shape = out;
  outputs[0].has_shape = true;
  return Status::ok();
}

// 2 * the size of the full iteration space (every label once).
int64_t einsum_flops(const InferContext& ctx, const std::vector<TensorType>& outputs) {
  std::vector<int64_t> ranks;
  std::vector<Shape> shapes;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i) || !ctx.input_type(i).is_static()) return 0;
    ranks.push_back(ctx.input_rank(i));
    shapes.push_back(ctx.input_shape(i));
  }
  auto spec = nn::parse_einsum(ctx.node().attr_string("equation", ""), ranks);
  if (!spec.is_ok()) return 0;
  auto sizes = nn::einsum_label_sizes(*spec, shapes);
  if (!sizes.is_ok()) return 0;
  std::vector<bool> used(spec->num_labels, false);
  for (const auto& labels : spec->inputs) {
    for (int l : labels) used[l] = true;
  }
  int64_t n = 2;
  for (int l = 0; l < spec->num_labels; ++l) n *= used[l] ? (*sizes)[l] : 1;
  return n;
}

OpSchema einsum_schema() {
  OpSchema s;
  s.op_type = "Einsum";
  s.min_inputs = 1;
  s.max_inputs = -1;
  s.op_class = OpClass::kComplex;
  s.min_opset = 12;
  s.infer = infer_einsum;
  s.flops = einsum_flops;
  return s;
}

Status infer_det(const InferContext& ctx, std::vector<TensorType>& outputs) {
  if (!dtype_is_float(ctx.input_dtype(0))) {
    return error("X must be a floating-point tensor, got ", dtype_name(ctx.input_dtype(0)));
  }
  outputs[0].dtype = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  int64_t r = static_cast<int64_t>(x.size());
  if (r < 2) return error("X must have rank >= 2, got ", shape_to_string(x));
  if (x[r - 1] >= 0 && x[r - 2] >= 0 && x[r - 1] != x[r - 2]) {
    return error("X must hold square matrices, got ", shape_to_string(x));
  }
  outputs[0].shape = Shape(x.begin(), x.end() - 2);
  outputs[0].has_shape = true;
  return Status::ok();
}

OpSchema det_schema() {
  OpSchema s;
  s.op_type = "Det";
  s.op_class = OpClass::kOpaque;
  s.min_opset = 11;
  s.infer = infer_det;
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>& outputs) -> int64_t {
    if (!ctx.input_type(0).is_static()) return 0;
    int64_t n = ctx.input_shape(0).back();
    return shape_numel(ctx.input_shape(0)) / std::max<int64_t>(n, 1) * n * n * 2 / 3;
  };
  return s;
}

}  // namespace

void register_nn_matmul_ops(OpRegistry& r) {
  r.add(matmul_schema());
  r.add(matmul_integer_schema());
  r.add(qlinear_matmul_schema());
  r.add(gemm_schema());
  r.add(einsum_schema());
  r.add(det_schema());
}

}  // namespace stitch::graph
