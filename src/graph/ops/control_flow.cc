// Schemas of the control-flow ops If, Loop and Scan. Their bodies are subgraph attributes.
// Where the caller names the graph that holds the node (InferContext::scope), inference types a
// standalone copy of each body with the node's input types and derives output shapes from it:
// an If output is static when both branches agree; a Loop or Scan state is static when the body
// gives it back with the shape it took (so every iteration has that shape); a Loop's scan
// outputs have an unknown leading dim (the trip count is data). Otherwise, and whenever a body
// cannot be inferred, outputs get the body's dtypes and shapes are left to the run.
// Part of graph/ops/.
#include <optional>

#include "graph/body_graph.h"
#include "graph/ops/all_ops.h"

namespace stitch::graph {
namespace {

// Copies the dtypes of body outputs [first, first + count) to outputs [out_first, …).
Status dtypes_from_body(const Graph* body, size_t first, size_t out_first,
                        std::vector<TensorType>& outputs) {
  if (!body) return error("missing body graph attribute");
  for (size_t i = out_first; i < outputs.size(); ++i) {
    size_t b = first + (i - out_first);
    if (b >= body->outputs().size()) return error("the body has too few outputs");
    outputs[i] = TensorType{body->outputs()[b]->dtype(), {}, false};
  }
  return Status::ok();
}

// Typing a body types the bodies nested in it, each If branch on its own: a deep nest of Ifs
// would cost 2^depth inferences (and stack). Past this depth outputs keep dtypes only.
constexpr int kMaxBodyInferenceDepth = 6;
thread_local int body_inference_depth = 0;

// The output types of `body` typed with `formal` inputs, or nullopt when it cannot be inferred.
std::optional<std::vector<TensorType>> infer_body(const Graph& body,
                                                  const std::vector<TensorType>& formal,
                                                  const Graph& scope) {
  if (body_inference_depth >= kMaxBodyInferenceDepth) return std::nullopt;
  struct Depth {
    Depth() { ++body_inference_depth; }
    ~Depth() { --body_inference_depth; }
  } depth;
  auto standalone = make_standalone_body(body, formal, scope, captured_names(body, scope));
  if (!standalone.is_ok() || !infer_graph_types(**standalone).is_ok()) return std::nullopt;
  std::vector<TensorType> out;
  for (const Value* v : (*standalone)->outputs()) out.push_back(v->type());
  return out;
}

// The most precise type both `a` and `b` satisfy (dims that differ become unknown).
TensorType join(const TensorType& a, const TensorType& b) {
  if (a.dtype != b.dtype || !a.has_shape || !b.has_shape || a.shape.size() != b.shape.size()) {
    return TensorType{a.dtype, {}, false};
  }
  TensorType t = a;
  for (size_t d = 0; d < t.shape.size(); ++d) {
    if (a.shape[d] != b.shape[d]) t.shape[d] = kUnknownDim;
  }
  return t;
}

// A state (Loop carried value, Scan state) keeps a static type only at a fixed point.
TensorType state_type(const TensorType& in, const TensorType& out) {
  if (in.is_static() && out.is_static() && in.shape == out.shape && in.dtype == out.dtype) {
    return out;
  }
  return TensorType{out.dtype, {}, false};
}

// `t` with a dim of `len` inserted at `axis` (negative counts from the end); unknown when the
// axis is out of range.
TensorType with_axis(const TensorType& t, int64_t axis, int64_t len) {
  if (!t.has_shape) return t;
  const int64_t rank = static_cast<int64_t>(t.shape.size()) + 1;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return TensorType{t.dtype, {}, false};
  TensorType r = t;
  r.shape.insert(r.shape.begin() + axis, len);
  return r;
}

std::vector<const TensorType*> input_types(const InferContext& ctx) {
  std::vector<const TensorType*> types;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    types.push_back(ctx.has_input(i) ? &ctx.input_type(i) : nullptr);
  }
  return types;
}

Status infer_if(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Graph* then_branch = ctx.node().attr_graph("then_branch");
  const Graph* else_branch = ctx.node().attr_graph("else_branch");
  if (!then_branch || !else_branch) return error("If needs then_branch and else_branch graphs");
  if (then_branch->outputs().size() != outputs.size() ||
      else_branch->outputs().size() != outputs.size()) {
    return error("If branches must have as many outputs as the node (", outputs.size(), ")");
  }
  STITCH_RETURN_IF_ERROR(dtypes_from_body(then_branch, 0, 0, outputs));
  if (!ctx.scope()) return Status::ok();
  auto then_types = infer_body(*then_branch, {}, *ctx.scope());
  auto else_types = infer_body(*else_branch, {}, *ctx.scope());
  if (!then_types || !else_types) return Status::ok();
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i] = join((*then_types)[i], (*else_types)[i]);
  }
  return Status::ok();
}

// Loop body outputs: (cond, carried..., scan outputs...); node outputs: (carried..., scans...).
Status infer_loop(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Graph* body = ctx.node().attr_graph("body");
  if (!body) return error("Loop needs a body graph");
  if (ctx.num_inputs() < 2) return error("Loop takes (M, cond, carried...): two slots at least");
  if (body->outputs().size() != outputs.size() + 1) {
    return error("Loop body has ", body->outputs().size(), " outputs, expected ",
                 outputs.size() + 1);
  }
  STITCH_RETURN_IF_ERROR(dtypes_from_body(body, 1, 0, outputs));
  if (!ctx.scope()) return Status::ok();
  auto formal = body_input_types(ctx.node(), input_types(ctx));
  if (!formal) return Status::ok();
  auto body_types = infer_body(*body, *formal, *ctx.scope());
  if (!body_types) return Status::ok();
  const size_t n_carried = static_cast<size_t>(ctx.num_inputs() - 2);
  bool varies = false;
  for (size_t i = 0; i < body_types->size(); ++i) {
    const TensorType& t = (*body_types)[i];
    const bool carried = i >= 1 && i <= n_carried;
    varies = varies || !t.is_static() || (carried && t.shape != (*formal)[1 + i].shape);
  }
  if (varies) {
    // The body's shapes change with the iteration: only unrolled (passes/unroll_loops.h) can it
    // compile, and that needs the trip count and condition as constants, so ask for them.
    (void)ctx.input_value(0);
    (void)ctx.input_value(1);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorType& b = (*body_types)[1 + i];
    outputs[i] = i < n_carried ? state_type((*formal)[2 + i], b) : with_axis(b, 0, kUnknownDim);
  }
  return Status::ok();
}

// Scan 9+: inputs are (states..., scan inputs...); Scan 8 has a leading sequence_lens input and
// a batch axis 0 on everything, with the sequence on axis 1.
Status infer_scan_shapes(const InferContext& ctx, const Graph& body,
                         std::vector<TensorType>& outputs) {
  auto formal = body_input_types(ctx.node(), input_types(ctx));
  auto scan = scan_attributes(ctx.node());
  if (!formal || !scan.is_ok()) return Status::ok();
  // The sequence length and batch come from the first scan input (its axis 1 under a batch
  // axis); body_input_types has checked that this axis exists.
  const int first = scan->batched ? 1 : 0;
  const TensorType& scanned = ctx.input_type(first + static_cast<int>(scan->num_states));
  const int64_t rank = static_cast<int64_t>(scanned.shape.size());
  int64_t axis = scan->batched ? 1 : scan->input_axes.front();
  if (axis < 0) axis += rank;
  const int64_t len = scanned.shape[axis];
  const int64_t batch = scan->batched ? scanned.shape[0] : 0;
  auto body_types = infer_body(body, *formal, *ctx.scope());
  if (!body_types) return Status::ok();
  for (int64_t i = 0; i < static_cast<int64_t>(outputs.size()); ++i) {
    const TensorType& b = (*body_types)[i];
    TensorType t = i < scan->num_states
                       ? state_type((*formal)[i], b)
                       : with_axis(b, scan->output_axes[i - scan->num_states], len);
    outputs[i] = scan->batched ? with_axis(t, 0, batch) : t;
  }
  return Status::ok();
}

Status infer_scan(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Graph* body = ctx.node().attr_graph("body");
  if (!body) return error("Scan needs a body graph");
  if (body->outputs().size() != outputs.size()) {
    return error("Scan body has ", body->outputs().size(), " outputs, the node ", outputs.size());
  }
  STITCH_RETURN_IF_ERROR(dtypes_from_body(body, 0, 0, outputs));
  if (!ctx.scope()) return Status::ok();
  return infer_scan_shapes(ctx, *body, outputs);
}

}  // namespace

void register_control_flow_ops(OpRegistry& r) {
  r.add({"If", "", 1, 1, 1, -1, OpClass::kOpaque, 1, infer_if, nullptr});
  // M and cond may both be omitted (empty names), so no input slot is required.
  r.add({"Loop", "", 0, -1, 0, -1, OpClass::kOpaque, 1, infer_loop, nullptr});
  r.add({"Scan", "", 0, -1, 1, -1, OpClass::kOpaque, 8, infer_scan, nullptr});
}

}  // namespace stitch::graph
