// Shape and value specialization of graph inputs. Part of driver/.
#include "driver/specialize_inputs.h"

#include <cstring>
#include <map>
#include <set>

#include "graph/op_registry.h"
#include "passes/constant_folding.h"

namespace stitch::driver {
namespace {

// Values whose data shape inference asked for and did not get, at nodes left with an output
// of unknown shape: the values that decide shapes.
Expected<std::set<graph::Value*>> shape_deciding_values(graph::Graph& graph) {
  const graph::OpRegistry& registry = graph::OpRegistry::global();
  std::set<graph::Value*> wanted;
  for (graph::Node* n : graph.nodes()) {
    const graph::OpSchema* schema = registry.find(n->domain(), n->op_type());
    if (!schema) continue;
    std::vector<const graph::TensorType*> types;
    std::vector<const Tensor*> values;
    for (graph::Value* in : n->inputs()) {
      types.push_back(in ? &in->type() : nullptr);
      values.push_back(in ? in->constant() : nullptr);
    }
    graph::InferContext ctx(*n, types, values);
    ctx.set_scope(&graph);
    std::vector<graph::TensorType> outs;
    if (!graph::infer_node(*schema, ctx, outs).is_ok()) continue;
    bool unknown = false;
    for (const auto& t : outs) unknown = unknown || !t.is_static();
    if (!unknown) continue;
    for (int i : ctx.value_requests()) {
      graph::Value* v = n->input(i);
      if (v && !v->is_constant()) wanted.insert(v);
    }
  }
  return wanted;
}

// Inputs that do not decide shapes but that lowering needs as constants: a Resize's roi (read
// per output element through the coordinate transform), a Dropout's ratio and training_mode
// (which select the kernel).
const std::map<std::string, std::vector<int>>& parameter_inputs() {
  static const std::map<std::string, std::vector<int>> table{{"Resize", {1}}, {"Dropout", {1, 2}}};
  return table;
}

void add_parameter_inputs(const graph::Graph& graph, std::set<graph::Value*>& wanted) {
  for (const graph::Node* n : graph.nodes()) {
    if (!n->domain().empty()) continue;
    auto it = parameter_inputs().find(n->op_type());
    if (it == parameter_inputs().end()) continue;
    for (int i : it->second) {
      graph::Value* v = n->input(i);
      if (v && !v->is_constant()) wanted.insert(v);
    }
  }
}

// The graph inputs `v` is computed from, if every value on the way is small (a shape built
// by Concat/Cast/Slice of small inputs); a large value on the way means `v` depends on data.
void small_input_ancestors(graph::Value* v, std::set<graph::Value*>& seen,
                           std::set<graph::Value*>& found) {
  if (!v || v->is_constant() || !seen.insert(v).second) return;
  if (!v->type().is_static() || shape_numel(v->shape()) > kMaxSpecializedElements) return;
  if (v->is_graph_input()) {
    found.insert(v);
    return;
  }
  if (const graph::Node* p = v->producer()) {
    for (graph::Value* in : p->inputs()) small_input_ancestors(in, seen, found);
  }
}

}  // namespace

Status specialize_input_shapes(graph::Graph& graph, const std::vector<const Tensor*>& inputs) {
  bool changed = false;
  for (size_t i = 0; i < graph.inputs().size() && i < inputs.size(); ++i) {
    graph::Value* v = graph.inputs()[i];
    if (v->type().is_static() || !inputs[i]) continue;
    v->set_type(graph::TensorType{inputs[i]->dtype(), inputs[i]->shape(), true});
    changed = true;
  }
  return changed ? graph::infer_graph_types(graph) : Status::ok();
}

Expected<std::vector<runtime::InputValueGuard>> specialize_shape_inputs(
    graph::Graph& graph, const std::vector<const Tensor*>& inputs) {
  std::map<const graph::Value*, int32_t> input_index;
  for (size_t i = 0; i < graph.inputs().size() && i < inputs.size(); ++i) {
    if (inputs[i]) input_index[graph.inputs()[i]] = static_cast<int32_t>(i);
  }
  std::vector<runtime::InputValueGuard> guards;
  auto fold = passes::make_constant_folding_pass();
  // Each round can expose the next shape-deciding value (a shape computed from a shape).
  for (int round = 0; round < 8; ++round) {
    STITCH_RETURN_IF_ERROR(fold->run(graph).status());
    STITCH_ASSIGN_OR_RETURN(auto wanted, shape_deciding_values(graph));
    add_parameter_inputs(graph, wanted);
    std::set<graph::Value*> seen, found;
    for (graph::Value* v : wanted) small_input_ancestors(v, seen, found);
    bool changed = false;
    for (graph::Value* in : found) {
      auto it = input_index.find(in);
      if (it == input_index.end() || in->users().empty()) continue;
      const Tensor& example = *inputs[it->second];
      if (example.dtype() != in->dtype() || example.shape() != in->shape()) continue;
      graph::Value* c =
          graph.add_constant(graph.unique_name(in->name() + "_specialized"), example.clone());
      graph.replace_all_uses(in, c);
      runtime::InputValueGuard g;
      g.input = it->second;
      g.value.resize(example.nbytes());
      // An empty input (ReduceSum's empty axes) has no data pointer, and memcpy wants one.
      if (!g.value.empty()) std::memcpy(g.value.data(), example.raw_data(), example.nbytes());
      guards.push_back(std::move(g));
      changed = true;
    }
    if (!changed) break;
    STITCH_RETURN_IF_ERROR(graph::infer_graph_types(graph));
  }
  return guards;
}

}  // namespace stitch::driver
