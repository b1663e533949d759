// Schemas of the ops that layout assignment (passes/layout_assignment.h) introduces, in the
// "stitch" domain: they never come from an ONNX file. Part of graph/ops/.
//
// stitch.ConvNCHWc: a 2-D convolution (group 1) on channel-blocked tensors.
//   X [N, C/b, H, W, b]  →  Y [N, M/b, OH, OW, b], with b = the block (8 on AVX2)
//   W pre-packed [M/b, C/b, KH, KW, b (input ch), b (output ch)], bias [M] (optional).
//   Attributes strides, dilations and pads (explicit, ONNX order) as Conv's; no auto_pad.
// The output block is innermost so that one vector FMA updates b output channels at once, and
// the weight panel for (input channel, tap) is one contiguous vector.
//
// stitch.MatMulPacked: MatMul with a constant 2-D B pre-packed into column panels
// (passes/pack_matmul_weights.h).
//   A [..., K] (rank >= 1, as MatMul's A)  →  Y [..., N] (A's leading dims, then N)
//   B pre-packed [ceil(N/16), K, 16]: panel p holds columns [16p, 16p + 16), zero-padded.
//   Attribute N (int): the real column count.
// One 16-wide panel row is a contiguous vector pair (AVX2) or one vector (AVX-512), which is what
// the gemm microkernel loads per step of K.
#include "graph/ops/all_ops.h"
#include "graph/ops/nn_util.h"

namespace stitch::graph {
namespace {

Status infer_conv_nchwc(const InferContext& ctx, std::vector<TensorType>& outputs) {
  outputs[0].dtype = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  if (x.size() != 5 || w.size() != 6) {
    return error("expects X [N, C/b, H, W, b] and W [M/b, C/b, KH, KW, b, b], got ",
                 shape_to_string(x), " and ", shape_to_string(w));
  }
  const int64_t b = x[4];
  if (w[4] != b || w[5] != b || w[1] != x[1]) {
    return error("blocks of X ", shape_to_string(x), " and W ", shape_to_string(w), " differ");
  }
  if (ctx.input_has_shape(2) && ctx.input_shape(2) != Shape{w[0] * b}) {
    return error("bias must have shape [", w[0] * b, "], got ",
                 shape_to_string(ctx.input_shape(2)));
  }
  STITCH_ASSIGN_OR_RETURN(nn::WindowGeometry g,
                          nn::window_geometry(ctx.node(), {x[2], x[3]}, {w[2], w[3]}, false));
  outputs[0].shape = {x[0], w[0], g.output[0], g.output[1], b};
  outputs[0].has_shape = true;
  return Status::ok();
}

int64_t conv_nchwc_flops(const InferContext& ctx, const std::vector<TensorType>& outputs) {
  if (!outputs[0].is_static() || !ctx.input_type(1).is_static()) return 0;
  const Shape& w = ctx.input_shape(1);
  return 2 * shape_numel(outputs[0].shape) * w[1] * w[2] * w[3] * w[4];
}

Status infer_matmul_packed(const InferContext& ctx, std::vector<TensorType>& outputs) {
  outputs[0].dtype = ctx.input_dtype(0);
  const int64_t n = ctx.node().attr_int("N", -1);
  if (n < 1) return error("attribute N must be a positive column count, got ", n);
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1)) return Status::ok();
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.empty() || b.size() != 3 || b[2] != 16 || b[0] != (n + 15) / 16) {
    return error("expects A [..., K] and B [ceil(N/16), K, 16] with N = ", n, ", got ",
                 shape_to_string(a), " and ", shape_to_string(b));
  }
  if (a.back() != kUnknownDim && a.back() != b[1]) {
    return error("K of A ", shape_to_string(a), " and packed B ", shape_to_string(b), " differ");
  }
  outputs[0].shape = Shape(a.begin(), a.end() - 1);
  outputs[0].shape.push_back(n);
  outputs[0].has_shape = true;
  return Status::ok();
}

int64_t matmul_packed_flops(const InferContext& ctx, const std::vector<TensorType>& outputs) {
  if (!outputs[0].is_static() || !ctx.input_type(1).is_static()) return 0;
  return 2 * shape_numel(outputs[0].shape) * ctx.input_shape(1)[1];
}

}  // namespace

void register_layout_ops(OpRegistry& r) {
  OpSchema s = make_schema("ConvNCHWc", 2, 3, OpClass::kComplex, infer_conv_nchwc);
  s.domain = "stitch";
  s.flops = conv_nchwc_flops;
  r.add(std::move(s));
  OpSchema mm = make_schema("MatMulPacked", 2, 2, OpClass::kComplex, infer_matmul_packed);
  mm.domain = "stitch";
  mm.flops = matmul_packed_flops;
  r.add(std::move(mm));
}

}  // namespace stitch::graph
