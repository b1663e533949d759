// Common-subexpression elimination. Part of passes/.
//
// Nodes are visited in topological order, so by the time a node is keyed its inputs are
// already the surviving representatives and chains of duplicates collapse in one sweep. The
// earlier node survives, except when only the later one writes graph outputs: then the later
// one survives (its inputs are the same values, so the order stays valid after a re-sort) and
// graph outputs keep their names. Nondeterministic ops and nodes with subgraphs never merge.
#include "passes/common_subexpression_elimination.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "passes/pass_util.h"

namespace stitch::passes {
namespace {

using graph::Graph;
using graph::Node;
using graph::Value;

class CommonSubexpressionElimination : public Pass {
 public:
  std::string name() const override { return "cse"; }
  Expected<bool> run(Graph& graph) override;

 private:
  bool merge_constants(Graph& graph, const PinnedNames& pinned);
  bool merge_nodes(Graph& graph, const PinnedNames& pinned);
};

size_t hash_tensor(const Tensor& t) {
  size_t h = std::hash<std::string>()(t.type_string());
  if (t.dtype() == DType::kString) {
    for (const auto& s : t.strings()) h = h * 31 + std::hash<std::string>()(s);
    return h;
  }
  std::string_view bytes(static_cast<const char*>(t.raw_data()), t.nbytes());
  return h ^ std::hash<std::string_view>()(bytes);
}

bool CommonSubexpressionElimination::merge_constants(Graph& graph, const PinnedNames& pinned) {
  std::unordered_map<size_t, std::vector<Value*>> seen;
  bool changed = false;
  for (Value* v : graph.values()) {
    if (!v->is_constant() || v->users().empty()) continue;
    std::vector<Value*>& bucket = seen[hash_tensor(*v->constant())];
    Value* same = nullptr;
    for (Value* c : bucket) {
      if (tensors_equal(*c->constant(), *v->constant())) same = c;
    }
    if (!same || v->is_graph_output() || pinned.count(v->name())) {
      bucket.push_back(v);
      continue;
    }
    graph.replace_all_uses(v, same);
    changed = true;
  }
  return changed;
}

// Op, domain, opset, which output slots exist, and input identities; attributes are compared
// separately.
std::string node_key(const Node& n) {
  std::string key = n.domain() + "|" + n.op_type() + "|" + std::to_string(n.opset()) + "|";
  for (const Value* out : n.outputs()) key += out ? "o" : "_";
  key += "|";
  for (const Value* in : n.inputs()) key += (in ? std::to_string(in->id()) : "_") + ",";
  return key;
}

bool same_attributes(const Node& a, const Node& b) {
  if (a.attributes().size() != b.attributes().size()) return false;
  for (const auto& [name, attr] : a.attributes()) {
    const graph::Attribute* other = b.attr(name);
    if (!other || !attributes_equal(attr, *other)) return false;
  }
  return true;
}

bool writes_graph_output(const Node& n, const PinnedNames& pinned) {
  for (const Value* o : n.outputs()) {
    if (o && (o->is_graph_output() || pinned.count(o->name()))) return true;
  }
  return false;
}

// Removes `dup` and makes readers of its outputs read `keep`'s.
void merge_into(Graph& graph, Node* keep, Node* dup) {
  std::vector<Value*> from = dup->outputs();
  graph.remove_node(dup);
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] && keep->output(static_cast<int>(i))) {
      graph.replace_all_uses(from[i], keep->output(static_cast<int>(i)));
    }
  }
}

bool CommonSubexpressionElimination::merge_nodes(Graph& graph, const PinnedNames& pinned) {
  std::unordered_map<std::string, std::vector<Node*>> seen;
  bool changed = false;
  for (Node* n : graph.nodes()) {
    if (is_nondeterministic(*n) || has_graph_attribute(*n) || n->num_outputs() == 0) continue;
    std::vector<Node*>& bucket = seen[node_key(*n)];
    auto it = std::find_if(bucket.begin(), bucket.end(),
                           [&](Node* c) { return same_attributes(*c, *n); });
    if (it == bucket.end()) {
      bucket.push_back(n);
      continue;
    }
    bool n_out = writes_graph_output(*n, pinned), c_out = writes_graph_output(**it, pinned);
    if (n_out && c_out) continue;
    if (n_out) {
      merge_into(graph, n, *it);
      *it = n;
    } else {
      merge_into(graph, *it, n);
    }
    changed = true;
  }
  return changed;
}

Expected<bool> CommonSubexpressionElimination::run(Graph& graph) {
  PinnedNames pinned = names_read_by_subgraphs(graph);
  bool changed = merge_constants(graph, pinned);
  changed = merge_nodes(graph, pinned) || changed;
  if (changed) STITCH_RETURN_IF_ERROR(finish_edits(graph));
  return changed;
}

}  // namespace

std::unique_ptr<Pass> make_common_subexpression_elimination_pass() {
  return std::make_unique<CommonSubexpressionElimination>();
}

}  // namespace stitch::passes
