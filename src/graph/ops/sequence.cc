// Schemas of the sequence family's recurrent ops: RNN, GRU, LSTM. Part of graph/ops/; the
// signal ops (DFT, STFT, windows, MelWeightMatrix) are in sequence_signal.cc.
#include <string>

#include "graph/ops/all_ops.h"

namespace stitch::graph {

void register_sequence_signal_ops(OpRegistry& r);  // sequence_signal.cc

namespace {

// Checks one dim of an input against an expected value (either may be unknown).
Status check_dim(const InferContext& ctx, int input, size_t dim, int64_t expected,
                 const char* what) {
  if (!ctx.input_has_shape(input)) return Status::ok();
  const Shape& s = ctx.input_shape(input);
  if (dim >= s.size()) return error(what, " has shape ", shape_to_string(s), ", too few dims");
  if (s[dim] != kUnknownDim && expected != kUnknownDim && s[dim] != expected) {
    return error(what, " has shape ", shape_to_string(s), ", expected dim ", dim, " = ", expected);
  }
  return Status::ok();
}

Status check_rank(const InferContext& ctx, int input, size_t rank, const char* what) {
  if (ctx.input_has_shape(input) && ctx.input_shape(input).size() != rank) {
    return error(what, " must have rank ", rank, ", got ", shape_to_string(ctx.input_shape(input)));
  }
  return Status::ok();
}

// RNN (gates 1), GRU (3), LSTM (4). Inputs X, W, R, B, sequence_lens, initial_h
// (initial_c, P for LSTM); outputs Y, Y_h (Y_c for LSTM), all optional.
Status infer_recurrent(const InferContext& ctx, std::vector<TensorType>& outputs, int gates) {
  const Node& node = ctx.node();
  DType dtype = ctx.input_dtype(0);
  if (!dtype_is_float(dtype)) return error("X must be floating-point");
  for (int i : {1, 2, 3, 5, 6, 7}) {
    if (ctx.has_input(i) && ctx.input_dtype(i) != dtype) return error("input ", i, " dtype");
  }
  if (ctx.has_input(4) && ctx.input_dtype(4) != DType::kInt32) {
    return error("sequence_lens must be int32");
  }
  std::string direction = node.attr_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") {
    return error("direction must be forward, reverse or bidirectional, got '", direction, "'");
  }
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  int64_t layout = node.attr_int("layout", 0);
  if (layout != 0 && layout != 1) return error("layout must be 0 or 1");
  STITCH_RETURN_IF_ERROR(check_rank(ctx, 0, 3, "X"));
  STITCH_RETURN_IF_ERROR(check_rank(ctx, 1, 3, "W"));
  STITCH_RETURN_IF_ERROR(check_rank(ctx, 2, 3, "R"));
  int64_t hidden = node.attr_int("hidden_size", kUnknownDim);
  if (hidden == kUnknownDim && ctx.input_has_shape(2)) hidden = ctx.input_shape(2)[2];
  if (node.has_attr("hidden_size") && hidden <= 0) return error("hidden_size must be > 0");
  int64_t seq = kUnknownDim, batch = kUnknownDim, input = kUnknownDim;
  if (ctx.input_has_shape(0)) {
    const Shape& x = ctx.input_shape(0);
    seq = x[layout == 0 ? 0 : 1];
    batch = x[layout == 0 ? 1 : 0];
    input = x[2];
  }
  int64_t gh = hidden == kUnknownDim ? kUnknownDim : gates * hidden;
  STITCH_RETURN_IF_ERROR(check_dim(ctx, 1, 0, dirs, "W"));
  STITCH_RETURN_IF_ERROR(check_dim(ctx, 1, 1, gh, "W"));
  STITCH_RETURN_IF_ERROR(check_dim(ctx, 1, 2, input, "W"));
  STITCH_RETURN_IF_ERROR(check_dim(ctx, 2, 0, dirs, "R"));
  STITCH_RETURN_IF_ERROR(check_dim(ctx, 2, 1, gh, "R"));
  STITCH_RETURN_IF_ERROR(check_dim(ctx, 2, 2, hidden, "R"));
  if (ctx.has_input(3)) {
    STITCH_RETURN_IF_ERROR(check_rank(ctx, 3, 2, "B"));
    STITCH_RETURN_IF_ERROR(check_dim(ctx, 3, 0, dirs, "B"));
    STITCH_RETURN_IF_ERROR(check_dim(ctx, 3, 1, gh == kUnknownDim ? gh : 2 * gh, "B"));
  }
  if (ctx.has_input(4)) {
    STITCH_RETURN_IF_ERROR(check_rank(ctx, 4, 1, "sequence_lens"));
    STITCH_RETURN_IF_ERROR(check_dim(ctx, 4, 0, batch, "sequence_lens"));
  }
  Shape state = layout == 0 ? Shape{dirs, batch, hidden} : Shape{batch, dirs, hidden};
  for (int i : {5, 6}) {
    if (!ctx.has_input(i)) continue;
    STITCH_RETURN_IF_ERROR(check_rank(ctx, i, 3, "initial state"));
    for (size_t d = 0; d < 3; ++d) {
      STITCH_RETURN_IF_ERROR(check_dim(ctx, i, d, state[d], "initial state"));
    }
  }
  if (ctx.has_input(7)) {
    STITCH_RETURN_IF_ERROR(check_rank(ctx, 7, 2, "P"));
    STITCH_RETURN_IF_ERROR(check_dim(ctx, 7, 1, hidden == kUnknownDim ? hidden : 3 * hidden, "P"));
  }
  Shape y = layout == 0 ? Shape{seq, dirs, batch, hidden} : Shape{batch, seq, dirs, hidden};
  for (size_t o = 0; o < outputs.size(); ++o) {
    outputs[o] = TensorType{dtype, o == 0 ? y : state, true};
  }
  return Status::ok();
}

int64_t flops_recurrent(const InferContext& ctx, int gates) {
  if (!ctx.input_has_shape(0) || !ctx.input_has_shape(2)) return 0;
  const Shape& x = ctx.input_shape(0);
  const Shape& r = ctx.input_shape(2);
  if (!shape_is_static(x) || !shape_is_static(r)) return 0;
  int64_t macs = x[0] * x[1] * r[0] * r[1] * (x[2] + r[2]);  // seq * batch * dirs * G*H * (I+H)
  return 2 * macs;
}

void add_recurrent(OpRegistry& r, const std::string& op_type, int gates, int max_inputs,
                   int max_outputs) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = 3;
  s.max_inputs = max_inputs;
  s.min_outputs = 0;
  s.max_outputs = max_outputs;
  s.op_class = OpClass::kOpaque;
  s.infer = [gates](const InferContext& ctx, std::vector<TensorType>& outputs) {
    return infer_recurrent(ctx, outputs, gates);
  };
  s.flops = [gates](const InferContext& ctx, const std::vector<TensorType>&) {
    return flops_recurrent(ctx, gates);
  };
  r.add(std::move(s));
}

}  // namespace

void register_sequence_ops(OpRegistry& r) {
  add_recurrent(r, "RNN", 1, 6, 2);
  add_recurrent(r, "GRU", 3, 6, 2);
  add_recurrent(r, "LSTM", 4, 8, 3);
  register_sequence_signal_ops(r);
}

}  // namespace stitch::graph
