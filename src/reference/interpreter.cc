// The reference interpreter: binds inputs, runs inference then the kernel for each node in
// topological order, checks every kernel's outputs against inference, and frees
// intermediates after their last use. Part of reference/.
#include "reference/interpreter.h"

#include <algorithm>

#include "graph/op_registry.h"

namespace stitch::reference {

using graph::Graph;
using graph::Node;
using graph::TensorType;
using graph::Value;

struct Interpreter::Frame {
  const Graph* graph = nullptr;
  std::unordered_map<const Value*, const Tensor*> bound;  // inputs, not owned
  std::unordered_map<const Value*, Tensor> owned;         // node outputs
};

namespace {

constexpr double kMaxTensorBytes = 8.0 * (1 << 30);

void collect_missing(const Graph& g, std::vector<std::string>& out) {
  const KernelRegistry& kernels = KernelRegistry::global();
  for (const Node* n : g.nodes()) {
    if (!kernels.find(n->domain(), n->op_type())) {
      out.push_back(str_cat(n->op_type(), " (domain '",
                            n->domain().empty() ? "ai.onnx" : n->domain(), "', opset ", n->opset(),
                            ") in node '", n->name(), "'"));
    }
    for (const auto& [name, a] : n->attributes()) {
      if (a.g) collect_missing(*a.g, out);
    }
  }
}

Status check_input(const Value& v, const Tensor& t) {
  if (t.dtype() != v.dtype()) {
    return error("input '", v.name(), "' expects ", dtype_name(v.dtype()), ", got ",
                 dtype_name(t.dtype()));
  }
  if (!v.type().has_shape) return Status::ok();
  const Shape& want = v.shape();
  bool ok = static_cast<size_t>(t.rank()) == want.size();
  for (size_t i = 0; ok && i < want.size(); ++i) {
    ok = want[i] < 0 || want[i] == t.dim(static_cast<int64_t>(i));
  }
  if (!ok) {
    return error("input '", v.name(), "' expects shape ", shape_to_string(want), ", got ",
                 shape_to_string(t.shape()));
  }
  return Status::ok();
}

}  // namespace

std::vector<std::string> find_missing_kernels(const Graph& graph) {
  std::vector<std::string> out;
  collect_missing(graph, out);
  return out;
}

Expected<std::unique_ptr<Interpreter>> Interpreter::create(const Graph& graph) {
  std::vector<std::string> missing = find_missing_kernels(graph);
  if (!missing.empty()) {
    std::string msg = str_cat("the reference interpreter has no kernel for ", missing.size(),
                              " node", missing.size() > 1 ? "s" : "", ":");
    for (const auto& m : missing) msg += "\n  " + m;
    return Status::error(msg);
  }
  return std::unique_ptr<Interpreter>(new Interpreter(graph));
}

const Tensor* Interpreter::lookup(const Frame& frame, const Value* v) const {
  if (v->constant()) return v->constant();
  if (auto it = frame.bound.find(v); it != frame.bound.end()) return it->second;
  if (auto it = frame.owned.find(v); it != frame.owned.end()) return &it->second;
  if (v->is_outer_scope()) {
    // Search enclosing frames, innermost first, skipping the current one.
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
      if (*it == &frame) continue;
      if (Value* outer = (*it)->graph->find_value(v->name())) {
        if (const Tensor* t = lookup(**it, outer)) return t;
      }
    }
  }
  return nullptr;
}

Status Interpreter::run_node(const Node& n, Frame& frame) const {
  const graph::OpSchema* schema = graph::OpRegistry::global().find(n.domain(), n.op_type());
  const KernelFn* kernel = KernelRegistry::global().find(n.domain(), n.op_type());
  if (!schema || !kernel) return error(n.describe(), ": unsupported operator");
  std::vector<const Tensor*> inputs;
  std::vector<TensorType> in_types(n.num_inputs());
  std::vector<const TensorType*> type_ptrs;
  for (int i = 0; i < n.num_inputs(); ++i) {
    const Value* v = n.input(i);
    const Tensor* t = v ? lookup(frame, v) : nullptr;
    if (v && !t) return error(n.describe(), ": internal: input '", v->name(), "' has no value");
    inputs.push_back(t);
    if (t) in_types[i] = TensorType{t->dtype(), t->shape(), true};
    type_ptrs.push_back(t ? &in_types[i] : nullptr);
  }
  graph::InferContext ctx(n, type_ptrs, inputs);
  std::vector<TensorType> out_types;
  STITCH_RETURN_IF_ERROR(graph::infer_node(*schema, ctx, out_types));
  std::vector<Tensor> outputs(n.num_outputs());
  for (int i = 0; i < n.num_outputs(); ++i) {
    if (out_types[i].is_static() && out_types[i].dtype != DType::kUndefined) {
      // A model can ask for absurd sizes (ConstantOfShape, Expand, Range…); refuse them
      // before allocating instead of aborting.
      double bytes = static_cast<double>(shape_numel(out_types[i].shape)) *
                     static_cast<double>(std::max<size_t>(dtype_size(out_types[i].dtype), 1));
      if (bytes > kMaxTensorBytes) {
        return error(n.describe(), ": output ", i, " would be ", out_types[i].to_string(), " (",
                     bytes / (1 << 30), " GiB), more than the interpreter's limit of ",
                     kMaxTensorBytes / (1 << 30), " GiB");
      }
      outputs[i] = Tensor(out_types[i].dtype, out_types[i].shape);
    }
  }
  KernelContext kctx(n, inputs, outputs, this);
  STITCH_RETURN_IF_ERROR((*kernel)(kctx).with_context(n.describe()));
  for (int i = 0; i < n.num_outputs(); ++i) {
    const Value* v = n.output(i);
    if (!v) continue;
    if (!outputs[i].defined()) return error(n.describe(), ": kernel left output ", i, " unset");
    const TensorType& want = out_types[i];
    bool mismatch = (want.dtype != DType::kUndefined && want.dtype != outputs[i].dtype()) ||
                    (want.is_static() && want.shape != outputs[i].shape());
    if (mismatch) {
      return error(n.describe(), ": internal: output ", i, " is ", outputs[i].type_string(),
                   " but inference said ", want.to_string());
    }
    frame.owned[v] = std::move(outputs[i]);
  }
  return Status::ok();
}

Expected<std::vector<Tensor>> Interpreter::run_graph(const Graph& g,
                                                     const std::vector<const Tensor*>& inputs,
                                                     bool check_inputs) const {
  if (inputs.size() != g.inputs().size()) {
    return error("the graph takes ", g.inputs().size(), " inputs, got ", inputs.size());
  }
  Frame frame;
  frame.graph = &g;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) return error("input '", g.inputs()[i]->name(), "' is missing");
    if (check_inputs) STITCH_RETURN_IF_ERROR(check_input(*g.inputs()[i], *inputs[i]));
    frame.bound[g.inputs()[i]] = inputs[i];
  }
  // Free each intermediate after its last use to bound memory on large models.
  std::vector<Node*> nodes = g.nodes();
  std::unordered_map<const Value*, size_t> last_use;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const Value* v : nodes[i]->inputs()) {
      if (v) last_use[v] = i;
    }
  }
  frames_.push_back(&frame);
  Status status;
  for (size_t i = 0; i < nodes.size() && status.is_ok(); ++i) {
    status = run_node(*nodes[i], frame);
    for (const Value* v : nodes[i]->inputs()) {
      if (v && last_use[v] == i && !v->is_graph_output()) frame.owned.erase(v);
    }
  }
  frames_.pop_back();
  STITCH_RETURN_IF_ERROR(status);
  std::vector<Tensor> outputs;
  for (const Value* v : g.outputs()) {
    const Tensor* t = lookup(frame, v);
    if (!t) {
      frames_.push_back(&frame);  // outer-scope outputs resolve through the frames
      t = lookup(frame, v);
      frames_.pop_back();
    }
    if (!t) return error("internal: graph output '", v->name(), "' was not computed");
    outputs.push_back(t->clone());
  }
  return outputs;
}

Expected<std::vector<Tensor>> Interpreter::run(const std::vector<const Tensor*>& inputs) const {
  return run_graph(graph_, inputs, true);
}

Expected<std::vector<Tensor>> Interpreter::run_subgraph(
    const Graph& body, const std::vector<const Tensor*>& inputs) const {
  return run_graph(body, inputs, false);
}

}  // namespace stitch::reference
