// Schemas of the sequence family's signal ops: DFT, STFT, the Hann / Hamming / Blackman
// windows and MelWeightMatrix (opset 17). Part of graph/ops/.
//
// Complex tensors are real tensors with a trailing dim of 2 (real, imaginary); real signals
// carry a trailing dim of 1.
#include <string>

#include "graph/ops/all_ops.h"

namespace stitch::graph {

void register_sequence_signal_ops(OpRegistry& r);

namespace {

// A scalar (or one-element) integer input's value, kUnknownDim when its data is unknown.
Expected<int64_t> scalar_int(const InferContext& ctx, int i, const char* what) {
  if (!dtype_is_integer(ctx.input_dtype(i))) return error(what, " must be an integer");
  const Tensor* v = ctx.input_value(i);
  if (!v) return kUnknownDim;
  if (v->numel() != 1) return error(what, " must be a scalar, got ", v->type_string());
  return v->as_int64(0);
}

Status infer_dft(const InferContext& ctx, std::vector<TensorType>& outputs) {
  DType dtype = ctx.input_dtype(0);
  if (!dtype_is_float(dtype)) return error("input must be floating-point");
  outputs[0].dtype = dtype;
  int64_t length = kUnknownDim;
  if (ctx.has_input(1)) {
    STITCH_ASSIGN_OR_RETURN(length, scalar_int(ctx, 1, "dft_length"));
    if (length != kUnknownDim && length <= 0) return error("dft_length must be > 0");
  }
  if (!ctx.input_has_shape(0)) return Status::ok();
  Shape shape = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(shape.size());
  if (rank < 3) return error("input must be [batch, signal dims..., 1 or 2], got rank ", rank);
  if (shape.back() != kUnknownDim && shape.back() != 1 && shape.back() != 2) {
    return error("the last dim must be 1 (real) or 2 (complex), got ", shape.back());
  }
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node().attr_int("axis", 1), rank));
  if (axis == 0 || axis == rank - 1) return error("axis ", axis, " is not a signal dim");
  if (length == kUnknownDim && !ctx.has_input(1)) length = shape[axis];
  bool onesided = ctx.node().attr_int("onesided", 0) != 0;
  if (onesided && length != kUnknownDim) length = length / 2 + 1;
  shape[axis] = length;
  shape.back() = 2;
  outputs[0] = TensorType{dtype, shape, true};
  return Status::ok();
}

Status infer_stft(const InferContext& ctx, std::vector<TensorType>& outputs) {
  DType dtype = ctx.input_dtype(0);
  if (!dtype_is_float(dtype)) return error("signal must be floating-point");
  outputs[0].dtype = dtype;
  STITCH_ASSIGN_OR_RETURN(int64_t step, scalar_int(ctx, 1, "frame_step"));
  if (step != kUnknownDim && step <= 0) return error("frame_step must be > 0");
  int64_t length = kUnknownDim;
  if (ctx.has_input(3)) {
    STITCH_ASSIGN_OR_RETURN(length, scalar_int(ctx, 3, "frame_length"));
  }
  if (ctx.has_input(2) && ctx.input_has_shape(2)) {
    const Shape& w = ctx.input_shape(2);
    if (w.size() != 1) return error("window must be 1-D");
    if (length != kUnknownDim && w[0] != kUnknownDim && w[0] != length) {
      return error("window length ", w[0], " differs from frame_length ", length);
    }
    if (!ctx.has_input(3)) length = w[0];
  }
  if (!ctx.has_input(2) && !ctx.has_input(3)) return error("needs a window or a frame_length");
  if (length != kUnknownDim && length <= 0) return error("frame_length must be > 0");
  if (!ctx.input_has_shape(0)) return Status::ok();
  const Shape& s = ctx.input_shape(0);
  if (s.size() != 3) return error("signal must be [batch, length, 1 or 2]");
  if (s[2] != kUnknownDim && s[2] != 1 && s[2] != 2) return error("signal's last dim must be 1/2");
  int64_t frames = kUnknownDim;
  if (length != kUnknownDim && step != kUnknownDim && s[1] != kUnknownDim) {
    if (length > s[1]) return error("frame_length ", length, " exceeds the signal length ", s[1]);
    frames = (s[1] - length) / step + 1;
  }
  bool onesided = ctx.node().attr_int("onesided", 1) != 0;
  int64_t bins = length == kUnknownDim ? kUnknownDim : (onesided ? length / 2 + 1 : length);
  outputs[0] = TensorType{dtype, {s[0], frames, bins, 2}, true};
  return Status::ok();
}

Expected<DType> output_datatype(const InferContext& ctx) {
  int64_t code = ctx.node().attr_int("output_datatype", 1);
  if (!dtype_is_valid(static_cast<int>(code))) return error("bad output_datatype ", code);
  DType t = static_cast<DType>(code);
  if (t == DType::kString || t == DType::kBool || t == DType::kUndefined) {
    return error("output_datatype must be numeric, got ", dtype_name(t));
  }
  return t;
}

Status infer_window(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_ASSIGN_OR_RETURN(DType dtype, output_datatype(ctx));
  STITCH_ASSIGN_OR_RETURN(int64_t size, scalar_int(ctx, 0, "size"));
  if (size != kUnknownDim && size < 0) return error("size must be >= 0, got ", size);
  outputs[0] = TensorType{dtype, {size}, true};
  return Status::ok();
}

Status infer_mel(const InferContext& ctx, std::vector<TensorType>& outputs) {
  STITCH_ASSIGN_OR_RETURN(DType dtype, output_datatype(ctx));
  STITCH_ASSIGN_OR_RETURN(int64_t bins, scalar_int(ctx, 0, "num_mel_bins"));
  STITCH_ASSIGN_OR_RETURN(int64_t dft, scalar_int(ctx, 1, "dft_length"));
  STITCH_ASSIGN_OR_RETURN(int64_t rate, scalar_int(ctx, 2, "sample_rate"));
  if (bins != kUnknownDim && bins <= 0) return error("num_mel_bins must be > 0");
  if (dft != kUnknownDim && dft <= 0) return error("dft_length must be > 0");
  if (rate != kUnknownDim && rate <= 0) return error("sample_rate must be > 0");
  if (!dtype_is_float(ctx.input_dtype(3)) || !dtype_is_float(ctx.input_dtype(4))) {
    return error("the edge frequencies must be floating-point");
  }
  outputs[0] = TensorType{dtype, {dft == kUnknownDim ? dft : dft / 2 + 1, bins}, true};
  return Status::ok();
}

OpSchema make(const std::string& op_type, int min_in, int max_in, InferFn infer) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = min_in;
  s.max_inputs = max_in;
  s.op_class = OpClass::kOpaque;
  s.min_opset = 17;
  s.infer = std::move(infer);
  return s;
}

}  // namespace

void register_sequence_signal_ops(OpRegistry& r) {
  r.add(make("DFT", 1, 2, infer_dft));
  r.add(make("STFT", 2, 4, infer_stft));
  r.add(make("HannWindow", 1, 1, infer_window));
  r.add(make("HammingWindow", 1, 1, infer_window));
  r.add(make("BlackmanWindow", 1, 1, infer_window));
  r.add(make("MelWeightMatrix", 5, 5, infer_mel));
}

}  // namespace stitch::graph
