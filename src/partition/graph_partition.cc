// From graph::Graph to OpDag and back: the partitioner's adapter to the graph IR, and the text
// form of a partition. Part of partition/.
#include "partition/graph_partition.h"

#include <sstream>
#include <unordered_map>

#include "graph/op_registry.h"
#include "partition/in_place_concat.h"

namespace stitch::partition {
namespace {

int64_t value_bytes(const graph::Value& v) {
  if (!v.type().is_static()) return 0;
  return shape_numel(v.shape()) * static_cast<int64_t>(dtype_size(v.dtype()));
}

// Tensor id of `v`, creating an external tensor on first sight of a graph input or constant.
Expected<int> tensor_of(graph::Value* v, const graph::Node* user, OpDag& dag,
                        std::unordered_map<const graph::Value*, int>& ids,
                        std::vector<graph::Value*>* values) {
  auto it = ids.find(v);
  if (it != ids.end()) return it->second;
  if (v->producer() != nullptr) {
    return error(user->describe(), ": input '", v->name(), "' is produced by a later node (",
                 v->producer()->describe(), "); the graph is not in topological order");
  }
  int t = dag.add_external_tensor(value_bytes(*v), v->is_constant());
  ids.emplace(v, t);
  if (values) values->push_back(v);
  return t;
}

std::string node_label(const graph::Node& n) {
  return (n.name().empty() ? "#" + std::to_string(n.id()) : n.name()) + " (" + n.op_type() + ")";
}

template <typename T, typename F>
std::string join(const std::vector<T*>& items, F name) {
  std::string out;
  for (const T* item : items) out += (out.empty() ? "" : ", ") + name(*item);
  return out.empty() ? "-" : out;
}

}  // namespace

Expected<FusionPolicy> parse_fusion_policy(std::string_view name) {
  if (name == "none") return FusionPolicy::kNone;
  if (name == "single") return FusionPolicy::kSingle;
  if (name == "arbitrary") return FusionPolicy::kArbitrary;
  return error("unknown fusion policy '", name, "' (expected none, single or arbitrary)");
}

const char* fusion_policy_name(FusionPolicy policy) {
  switch (policy) {
    case FusionPolicy::kNone:
      return "none";
    case FusionPolicy::kSingle:
      return "single";
    case FusionPolicy::kArbitrary:
      return "arbitrary";
  }
  return "?";
}

bool touches_strings(const graph::Node& n) {
  for (const auto* list : {&n.inputs(), &n.outputs()}) {
    for (const graph::Value* v : *list) {
      if (v && v->dtype() == DType::kString) return true;
    }
  }
  return false;
}

Expected<OpDag> build_op_dag(const graph::Graph& graph, std::vector<graph::Value*>* values) {
  OpDag dag;
  std::unordered_map<const graph::Value*, int> ids;
  if (values) values->clear();
  const auto& registry = graph::OpRegistry::global();
  for (graph::Node* n : graph.nodes()) {
    const graph::OpSchema* schema = registry.find(n->domain(), n->op_type());
    if (schema == nullptr) return error(n->describe(), ": op is not in the registry");
    // Compiled kernels have no string type: a node that reads or writes strings runs in the
    // runtime, alone, like any opaque op. A Concat assembled in place (in_place_concat.h) is
    // kept alone too: it is no kernel, its producers write its output.
    const bool alone = touches_strings(*n) || in_place_concat_offsets(*n).has_value();
    int id = dag.add_node(alone ? OpClass::kOpaque : schema->op_class);
    for (graph::Value* in : n->inputs()) {
      if (in == nullptr) continue;
      STITCH_ASSIGN_OR_RETURN(int t, tensor_of(in, n, dag, ids, values));
      dag.add_use(id, t);
    }
    for (graph::Value* out : n->outputs()) {
      if (out == nullptr) continue;
      ids.emplace(out, dag.add_output_tensor(id, value_bytes(*out)));
      if (values) values->push_back(out);
    }
  }
  for (graph::Value* out : graph.outputs()) {
    auto it = ids.find(out);
    if (it != ids.end()) dag.mark_graph_output(it->second);
  }
  return dag;
}

Expected<GraphPartition> partition_graph(const graph::Graph& graph,
                                         const PartitionOptions& options) {
  std::vector<graph::Value*> values;
  STITCH_ASSIGN_OR_RETURN(OpDag dag, build_op_dag(graph, &values));
  Partition p;
  switch (options.policy) {
    case FusionPolicy::kNone:
      p = partition_none(dag);
      break;
    case FusionPolicy::kSingle:
      p = partition_single_anchor(dag);
      break;
    case FusionPolicy::kArbitrary:
      p = partition_arbitrary(dag, options.arbitrary);
      break;
  }
  STITCH_RETURN_IF_ERROR(validate(p, dag).with_context("internal"));
  std::vector<graph::Node*> nodes = graph.nodes();
  GraphPartition out;
  out.policy = options.policy;
  for (const Subgraph& sg : p.subgraphs) {
    GraphSubgraph g;
    for (int v : sg.nodes) g.nodes.push_back(nodes[v]);
    for (int v : sg.anchors) g.anchors.push_back(nodes[v]);
    for (int t : sg.inputs) g.inputs.push_back(values[t]);
    for (int t : sg.outputs) g.outputs.push_back(values[t]);
    out.subgraphs.push_back(std::move(g));
  }
  return out;
}

std::string partition_to_string(const graph::Graph& graph, const GraphPartition& partition) {
  std::ostringstream os;
  os << "partition of '" << graph.name() << "' (fusion " << fusion_policy_name(partition.policy)
     << "): " << partition.subgraphs.size() << " subgraphs, " << graph.num_nodes() << " nodes\n";
  auto value_name = [](const graph::Value& v) {
    return v.is_constant() ? "const " + v.name() : v.name();
  };
  auto node_name = [](const graph::Node& n) { return node_label(n); };
  for (size_t i = 0; i < partition.subgraphs.size(); ++i) {
    const GraphSubgraph& sg = partition.subgraphs[i];
    os << "subgraph " << i << ": " << sg.nodes.size() << " nodes";
    if (sg.nodes.size() == 1 && in_place_concat_offsets(*sg.nodes[0])) {
      os << " (assembled in place: its producers write the slices, no kernel)";
    }
    os << "\n";
    os << "  anchors: " << join(sg.anchors, node_name) << "\n";
    os << "  inputs: " << join(sg.inputs, value_name) << "\n";
    os << "  outputs: " << join(sg.outputs, value_name) << "\n";
    for (const graph::Node* n : sg.nodes) os << "  " << node_label(*n) << "\n";
  }
  return os.str();
}

}  // namespace stitch::partition
