// Constant folding through the reference kernels. Part of passes/.
//
// A folded node's output values stay in place and become constants, so their names, users and
// graph-output status are untouched. Skipped: nondeterministic ops, nodes with subgraphs, ops
// without a reference kernel, outputs whose type inference leaves unknown or larger than the
// budget, and nodes whose kernel fails (the error then surfaces at run time, where it belongs).
#include "passes/constant_folding.h"

#include <algorithm>

#include "graph/op_registry.h"
#include "passes/pass_util.h"
#include "reference/kernel_registry.h"

namespace stitch::passes {
namespace {

using graph::Graph;
using graph::Node;
using graph::TensorType;
using graph::Value;

class ConstantFolding : public Pass {
 public:
  explicit ConstantFolding(const ConstantFoldingOptions& options) : options_(options) {}
  std::string name() const override { return "constant_folding"; }
  Expected<bool> run(Graph& graph) override;

 private:
  bool foldable(const Node& n) const;
  // The node's outputs evaluated, or nullopt when it should not be folded.
  std::optional<std::vector<Tensor>> evaluate(const Node& n) const;
  std::optional<std::vector<Tensor>> evaluate_shape_op(const Node& n) const;

  ConstantFoldingOptions options_;
};

bool ConstantFolding::foldable(const Node& n) const {
  if (is_nondeterministic(n) || has_graph_attribute(n) || n.num_outputs() == 0) return false;
  for (const Value* in : n.inputs()) {
    if (in && !in->is_constant()) return false;
  }
  for (const Value* out : n.outputs()) {
    if (!out) continue;
    const TensorType& t = out->type();
    if (!t.is_static() || t.dtype == DType::kUndefined) return false;
    if (static_cast<size_t>(shape_numel(t.shape)) * std::max<size_t>(dtype_size(t.dtype), 1) >
        options_.max_output_bytes) {
      return false;
    }
  }
  return true;
}

std::optional<std::vector<Tensor>> ConstantFolding::evaluate(const Node& n) const {
  const graph::OpSchema* schema = graph::OpRegistry::global().find(n.domain(), n.op_type());
  const reference::KernelFn* kernel =
      reference::KernelRegistry::global().find(n.domain(), n.op_type());
  if (!schema || !kernel) return std::nullopt;
  std::vector<const Tensor*> inputs;
  for (const Value* in : n.inputs()) inputs.push_back(in ? in->constant() : nullptr);
  std::vector<Tensor> outputs(n.num_outputs());
  for (int i = 0; i < n.num_outputs(); ++i) {
    if (n.output(i)) outputs[i] = Tensor(n.output(i)->dtype(), n.output(i)->shape());
  }
  // No interpreter: nodes with subgraphs (the only kernels that need one) are never folded.
  reference::KernelContext ctx(n, inputs, outputs, nullptr);
  if (!(*kernel)(ctx).is_ok()) return std::nullopt;
  for (int i = 0; i < n.num_outputs(); ++i) {
    const Value* v = n.output(i);
    if (v && (outputs[i].dtype() != v->dtype() || outputs[i].shape() != v->shape())) {
      return std::nullopt;  // the kernel disagrees with inference; leave it to run time
    }
  }
  return outputs;
}

// Shape and Size need only the input's static shape, not its data.
std::optional<std::vector<Tensor>> ConstantFolding::evaluate_shape_op(const Node& n) const {
  bool shape_op = n.op_type() == "Shape" || n.op_type() == "Size";
  const Value* in = n.input(0);
  if (!n.domain().empty() || !shape_op || !in || !in->type().is_static() || !n.output(0)) {
    return std::nullopt;
  }
  const Shape& s = in->shape();
  std::vector<Tensor> out;
  if (n.op_type() == "Size") {
    out.push_back(Tensor::scalar<int64_t>(shape_numel(s)));
    return out;
  }
  auto rank = static_cast<int64_t>(s.size());
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  int64_t start = clamp(n.attr_int("start", 0)), end = clamp(n.attr_int("end", rank));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(s[i]);
  out.push_back(Tensor::from_vector(dims, {static_cast<int64_t>(dims.size())}));
  return out;
}

Expected<bool> ConstantFolding::run(Graph& graph) {
  bool changed = false;
  // Folding edits only the node at hand, and nodes come in topological order, so a chain of
  // constant nodes folds in one sweep.
  for (Node* n : graph.nodes()) {
    std::optional<std::vector<Tensor>> values = evaluate_shape_op(*n);
    if (!values && foldable(*n)) values = evaluate(*n);
    if (!values) continue;
    std::vector<Value*> outs = n->outputs();
    graph.remove_node(n);
    for (size_t i = 0; i < outs.size(); ++i) {
      if (outs[i]) graph.set_constant(outs[i], std::move((*values)[i]));
    }
    changed = true;
  }
  if (changed) STITCH_RETURN_IF_ERROR(finish_edits(graph));
  return changed;
}

}  // namespace

std::unique_ptr<Pass> make_constant_folding_pass(const ConstantFoldingOptions& options) {
  return std::make_unique<ConstantFolding>(options);
}

}  // namespace stitch::passes
