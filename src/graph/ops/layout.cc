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
// stitch.ConvWinogradNCHWc: a 3x3, stride-1, dilation-1 convolution (group 1) on blocked tensors,
// computed by Winograd's F(4x4, 3x3) (passes/layout_assignment.h picks it; lowering in
// lower/templates/winograd_conv.cc).
//   X [N, C/b, H, W, b]  →  Y [N, M/b, OH, OW, b], with b = 8
//   U [36, ceil(M/16), C, 16]: the transformed weight G g G^T, one [C][16] panel per (Winograd
//     position, 16 output channels), zero past M (stitch.MatMulPacked's panels, so that the 36
//     batched GEMMs read contiguous panels);
//   W [M/b, C/b, 3, 3, b, b]: the weight packed as ConvNCHWc's, read only by the reference
//     kernel; bias [M] (optional). Attribute pads (explicit, ONNX order).
// The reference kernel computes the exact direct convolution from W rather than Winograd from U:
// the interpreter stays the oracle that Winograd's rounding error is measured against, and a
// wrong U (a transform or packing bug) shows up as a mismatch instead of being reproduced. W costs
// compile-time memory only: no kernel loads it, so it never reaches the constant pool. FLOPs are
// the direct convolution's, so that GFLOP/s stay comparable with ConvNCHWc.
//
// stitch.DepthwiseConvNCHWc: a 2-D depthwise convolution (group = C = M) on blocked tensors.
//   X [N, C/b, H, W, b]  →  Y [N, C/b, OH, OW, b]
//   W pre-packed [C/b, KH, KW, b], bias [C] (optional); attributes as ConvNCHWc's.
// Each channel only meets its own filter, so one tap of b channels is one vector multiply of
// an input vector by a weight vector.
//
// stitch.ReorderNCHWc: X [N, C, H, W] (any C)  →  Y [N, ceil(C/b), H, W, b], channels past C
//   zero; attribute block (b). The reorder of a conv input whose channel count is not a multiple
//   of the block: an op of its own (not an inlined Pad + Reshape + Transpose) so that the conv
//   reads a materialized buffer.
//
// stitch.PoolNCHWc: MaxPool or AveragePool (and the Global forms, as a window over the whole
// plane) on blocked tensors, X [N, C/b, H, W, b]  →  Y [N, C/b, OH, OW, b].
//   Attributes: mode ("max" | "average"), kernel_shape, strides, dilations, pads (explicit),
//   ceil_mode and count_include_pad, with MaxPool's and AveragePool's meanings.
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

Status infer_conv_winograd_nchwc(const InferContext& ctx, std::vector<TensorType>& outputs) {
  outputs[0].dtype = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1) || !ctx.input_has_shape(2)) {
    return Status::ok();
  }
  const Shape& x = ctx.input_shape(0);
  const Shape& u = ctx.input_shape(1);
  const Shape& w = ctx.input_shape(2);
  if (x.size() != 5 || u.size() != 4 || w.size() != 6) {
    return error(
        "expects X [N, C/b, H, W, b], U [36, ceil(M/16), C, 16] and W [M/b, C/b, 3, 3, "
        "b, b], got ",
        shape_to_string(x), ", ", shape_to_string(u), " and ", shape_to_string(w));
  }
  const int64_t b = x[4];
  if (b != 8 || w[4] != b || w[5] != b || w[1] != x[1] || w[2] != 3 || w[3] != 3) {
    return error("X ", shape_to_string(x), " and W ", shape_to_string(w),
                 " are not 8-channel blocks of a 3x3 conv");
  }
  if (u[0] != 36 || u[1] != (w[0] * b + 15) / 16 || u[2] != x[1] * b || u[3] != 16) {
    return error("U must have shape [36, ", (w[0] * b + 15) / 16, ", ", x[1] * b, ", 16], got ",
                 shape_to_string(u));
  }
  if (ctx.input_has_shape(3) && ctx.input_shape(3) != Shape{w[0] * b}) {
    return error("bias must have shape [", w[0] * b, "], got ",
                 shape_to_string(ctx.input_shape(3)));
  }
  STITCH_ASSIGN_OR_RETURN(nn::WindowGeometry g,
                          nn::window_geometry(ctx.node(), {x[2], x[3]}, {3, 3}, false));
  if (g.strides != Shape{1, 1} || g.dilations != Shape{1, 1}) {
    return error("Winograd F(4x4, 3x3) needs stride 1 and dilation 1");
  }
  outputs[0].shape = {x[0], w[0], g.output[0], g.output[1], b};
  outputs[0].has_shape = true;
  return Status::ok();
}

// The direct convolution's FLOPs (from W), not the fewer multiplications Winograd does.
int64_t conv_winograd_nchwc_flops(const InferContext& ctx, const std::vector<TensorType>& outputs) {
  if (!outputs[0].is_static() || !ctx.input_type(2).is_static()) return 0;
  const Shape& w = ctx.input_shape(2);
  return 2 * shape_numel(outputs[0].shape) * w[1] * w[2] * w[3] * w[4];
}

// The window geometry of a blocked op over X [N, C/b, H, W, b] with a kernel of `kernel`.
Expected<nn::WindowGeometry> blocked_geometry(const InferContext& ctx, const Shape& x,
                                              const Shape& kernel, bool ceil_mode) {
  return nn::window_geometry(ctx.node(), {x[2], x[3]}, kernel, ceil_mode);
}

Status infer_depthwise_conv_nchwc(const InferContext& ctx, std::vector<TensorType>& outputs) {
  outputs[0].dtype = ctx.input_dtype(0);
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(1)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  if (x.size() != 5 || w.size() != 4 || w[0] != x[1] || w[3] != x[4]) {
    return error("expects X [N, C/b, H, W, b] and W [C/b, KH, KW, b], got ", shape_to_string(x),
                 " and ", shape_to_string(w));
  }
  if (ctx.input_has_shape(2) && ctx.input_shape(2) != Shape{w[0] * w[3]}) {
    return error("bias must have shape [", w[0] * w[3], "], got ",
                 shape_to_string(ctx.input_shape(2)));
  }
  STITCH_ASSIGN_OR_RETURN(nn::WindowGeometry g, blocked_geometry(ctx, x, {w[1], w[2]}, false));
  outputs[0].shape = {x[0], x[1], g.output[0], g.output[1], x[4]};
  outputs[0].has_shape = true;
  return Status::ok();
}

int64_t depthwise_conv_nchwc_flops(const InferContext& ctx,
                                   const std::vector<TensorType>& outputs) {
  if (!outputs[0].is_static() || !ctx.input_type(1).is_static()) return 0;
  const Shape& w = ctx.input_shape(1);
  return 2 * shape_numel(outputs[0].shape) * w[1] * w[2];
}

Status infer_pool_nchwc(const InferContext& ctx, std::vector<TensorType>& outputs) {
  outputs[0].dtype = ctx.input_dtype(0);
  const std::string mode = ctx.node().attr_string("mode", "");
  if (mode != "max" && mode != "average") {
    return error("mode must be \"max\" or \"average\", got \"", mode, "\"");
  }
  const Shape kernel = ctx.node().attr_ints("kernel_shape");
  if (kernel.size() != 2) return error("kernel_shape must have 2 values");
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  if (x.size() != 5) return error("expects X [N, C/b, H, W, b], got ", shape_to_string(x));
  STITCH_ASSIGN_OR_RETURN(
      nn::WindowGeometry g,
      blocked_geometry(ctx, x, kernel, ctx.node().attr_int("ceil_mode", 0) != 0));
  outputs[0].shape = {x[0], x[1], g.output[0], g.output[1], x[4]};
  outputs[0].has_shape = true;
  return Status::ok();
}

Status infer_reorder_nchwc(const InferContext& ctx, std::vector<TensorType>& outputs) {
  outputs[0].dtype = ctx.input_dtype(0);
  const int64_t b = ctx.node().attr_int("block", 0);
  if (b < 1) return error("attribute block must be positive, got ", b);
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& x = ctx.input_shape(0);
  if (x.size() != 4) return error("expects X [N, C, H, W], got ", shape_to_string(x));
  const int64_t cb = x[1] == kUnknownDim ? kUnknownDim : (x[1] + b - 1) / b;
  outputs[0].shape = {x[0], cb, x[2], x[3], b};
  outputs[0].has_shape = true;
  return Status::ok();
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
  OpSchema wino =
      make_schema("ConvWinogradNCHWc", 3, 4, OpClass::kComplex, infer_conv_winograd_nchwc);
  wino.domain = "stitch";
  wino.flops = conv_winograd_nchwc_flops;
  r.add(std::move(wino));
  OpSchema dw =
      make_schema("DepthwiseConvNCHWc", 2, 3, OpClass::kComplex, infer_depthwise_conv_nchwc);
  dw.domain = "stitch";
  dw.flops = depthwise_conv_nchwc_flops;
  r.add(std::move(dw));
  OpSchema pool = make_schema("PoolNCHWc", 1, 1, OpClass::kReduce, infer_pool_nchwc);
  pool.domain = "stitch";
  r.add(std::move(pool));
  OpSchema reorder = make_schema("ReorderNCHWc", 1, 1, OpClass::kReduce, infer_reorder_nchwc);
  reorder.domain = "stitch";
  r.add(std::move(reorder));
  OpSchema mm = make_schema("MatMulPacked", 2, 2, OpClass::kComplex, infer_matmul_packed);
  mm.domain = "stitch";
  mm.flops = matmul_packed_flops;
  r.add(std::move(mm));
}

}  // namespace stitch::graph
