// Schemas of the convolution ops: Conv, ConvTranspose, ConvInteger, QLinearConv.
// Part of graph/ops/ (nn family); geometry comes from nn_util.h, shared with the kernels.
#include "graph/ops/nn_util.h"

namespace stitch::graph {
namespace {

// Where X, W and the bias sit among a conv-like op's inputs.
struct ConvInputs {
  int x = 0;
  int w = 1;
  int bias = 2;  // -1: the op has no bias input
};

// Checks channels/group between X [N, C, ...] and W ([M, C/g, k...] or, transposed,
// [C, M/g, k...]); returns M (kUnknownDim when unknown).
Expected<int64_t> conv_channels(const Shape& x, const Shape& w, int64_t group, bool transpose) {
  if (group <= 0) return error("group must be > 0, got ", group);
  if (x.size() < 3)
    return error("input must have rank >= 3 [N, C, spatial...], got ", shape_to_string(x));
  if (w.size() != x.size()) {
    return error("weight rank ", w.size(), " differs from input rank ", x.size());
  }
  int64_t c = x[1];
  int64_t w_in = transpose ? w[0] : w[1] * group;
  if (c >= 0 && w[0] >= 0 && w[1] >= 0 && c != w_in) {
    return error("input has ", c, " channels, weight ", shape_to_string(w), " with group ", group,
                 " expects ", w_in);
  }
  if (!transpose && w[0] >= 0 && w[0] % group != 0) {
    return error("output channels ", w[0], " are not divisible by group ", group);
  }
  if (transpose && c >= 0 && c % group != 0) {
    return error("input channels ", c, " are not divisible by group ", group);
  }
  if (transpose) return w[1] < 0 ? kUnknownDim : w[1] * group;
  return w[0];
}

// The kernel's spatial dims: from W, checked against the kernel_shape attribute.
Expected<Shape> conv_kernel(const Node& node, const Shape& w) {
  Shape kernel = nn::spatial_dims(w);
  if (node.has_attr("kernel_shape")) {
    Shape attr = node.attr_ints("kernel_shape");
    if (attr.size() != kernel.size()) {
      return error("kernel_shape ", shape_to_string(attr), " does not match weight ",
                   shape_to_string(w));
    }
    for (size_t i = 0; i < kernel.size(); ++i) {
      if (kernel[i] >= 0 && kernel[i] != attr[i]) {
        return error("kernel_shape ", shape_to_string(attr), " does not match weight ",
                     shape_to_string(w));
      }
      kernel[i] = attr[i];
    }
  }
  return kernel;
}

Status infer_conv_like(const InferContext& ctx, ConvInputs in, DType out_dtype, bool transpose,
                       std::vector<TensorType>& outputs) {
  outputs[0].dtype = out_dtype;
  if (!ctx.input_has_shape(in.x) || !ctx.input_has_shape(in.w)) return Status::ok();
  const Shape& x = ctx.input_shape(in.x);
  const Shape& w = ctx.input_shape(in.w);
  int64_t group = ctx.node().attr_int("group", 1);
  STITCH_ASSIGN_OR_RETURN(int64_t m, conv_channels(x, w, group, transpose));
  if (in.bias >= 0 && ctx.input_has_shape(in.bias)) {
    const Shape& b = ctx.input_shape(in.bias);
    if (b.size() != 1 || (m >= 0 && b[0] >= 0 && b[0] != m)) {
      return error("bias must have shape [", m, "], got ", shape_to_string(b));
    }
  }
  STITCH_ASSIGN_OR_RETURN(Shape kernel, conv_kernel(ctx.node(), w));
  for (int64_t k : kernel) {
    if (k < 0) return Status::ok();  // unknown kernel size: shape unknown
  }
  nn::WindowGeometry g;
  if (transpose) {
    STITCH_ASSIGN_OR_RETURN(g,
                            nn::conv_transpose_geometry(ctx.node(), nn::spatial_dims(x), kernel));
  } else {
    STITCH_ASSIGN_OR_RETURN(g, nn::window_geometry(ctx.node(), nn::spatial_dims(x), kernel, false));
  }
  Shape out = {x[0], m};
  out.insert(out.end(), g.output.begin(), g.output.end());
  outputs[0].shape = out;
  outputs[0].has_shape = true;
  return Status::ok();
}

// 2 * MACs: every output element (or, transposed, every input element) meets C/g * kernel taps.
int64_t conv_flops(const InferContext& ctx, ConvInputs in, bool transpose,
                   const std::vector<TensorType>& outputs) {
  if (!outputs[0].is_static() || !ctx.input_type(in.w).is_static() ||
      !ctx.input_type(in.x).is_static()) {
    return 0;
  }
  const Shape& w = ctx.input_shape(in.w);
  int64_t taps = shape_product(w, 1, w.size());  // C/g (or M/g) * kernel
  int64_t points = transpose ? shape_numel(ctx.input_shape(in.x)) : shape_numel(outputs[0].shape);
  return 2 * points * taps;
}

Status check_float(const InferContext& ctx, int i, const char* what) {
  if (!dtype_is_float(ctx.input_dtype(i))) {
    return error(what, " must be a floating-point tensor, got ", dtype_name(ctx.input_dtype(i)));
  }
  return Status::ok();
}

Status check_int8(const InferContext& ctx, int i, const char* what) {
  if (!ctx.has_input(i)) return Status::ok();
  DType t = ctx.input_dtype(i);
  if (t != DType::kInt8 && t != DType::kUInt8) {
    return error(what, " must be int8 or uint8, got ", dtype_name(t));
  }
  return Status::ok();
}

OpSchema conv_schema(const std::string& op, bool transpose) {
  OpSchema s;
  s.op_type = op;
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.op_class = OpClass::kComplex;
  s.infer = [transpose](const InferContext& ctx, std::vector<TensorType>& outputs) {
    STITCH_RETURN_IF_ERROR(check_float(ctx, 0, "X"));
    return infer_conv_like(ctx, ConvInputs{}, ctx.input_dtype(0), transpose, outputs);
  };
  s.flops = [transpose](const InferContext& ctx, const std::vector<TensorType>& outputs) {
    return conv_flops(ctx, ConvInputs{}, transpose, outputs);
  };
  return s;
}

OpSchema conv_integer_schema() {
  OpSchema s;
  s.op_type = "ConvInteger";
  s.min_inputs = 2;
  s.max_inputs = 4;
  s.op_class = OpClass::kComplex;
  s.min_opset = 10;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    STITCH_RETURN_IF_ERROR(check_int8(ctx, 0, "x"));
    STITCH_RETURN_IF_ERROR(check_int8(ctx, 1, "w"));
    return infer_conv_like(ctx, ConvInputs{0, 1, -1}, DType::kInt32, false, outputs);
  };
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>& outputs) {
    return conv_flops(ctx, ConvInputs{0, 1, -1}, false, outputs);
  };
  return s;
}

OpSchema qlinear_conv_schema() {
  OpSchema s;
  s.op_type = "QLinearConv";
  s.min_inputs = 8;
  s.max_inputs = 9;
  s.op_class = OpClass::kComplex;
  s.min_opset = 10;
  s.infer = [](const InferContext& ctx, std::vector<TensorType>& outputs) {
    STITCH_RETURN_IF_ERROR(check_int8(ctx, 0, "x"));
    STITCH_RETURN_IF_ERROR(check_int8(ctx, 3, "w"));
    STITCH_RETURN_IF_ERROR(check_int8(ctx, 7, "y_zero_point"));
    return infer_conv_like(ctx, ConvInputs{0, 3, 8}, ctx.input_dtype(7), false, outputs);
  };
  s.flops = [](const InferContext& ctx, const std::vector<TensorType>& outputs) {
    return conv_flops(ctx, ConvInputs{0, 3, 8}, false, outputs);
  };
  return s;
}

}  // namespace

void register_nn_conv_ops(OpRegistry& r) {
  r.add(conv_schema("Conv", false));
  r.add(conv_schema("ConvTranspose", true));
  r.add(conv_integer_schema());
  r.add(qlinear_conv_schema());
}

}  // namespace stitch::graph
