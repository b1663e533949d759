// Dead-code elimination. Part of passes/.
//
// Liveness flows backwards from the graph outputs and from values that subgraphs read by name;
// in reverse topological order every user of a value is decided before its producer, so one
// sweep suffices.
#include "passes/dead_code_elimination.h"

#include <unordered_set>

#include "passes/pass_util.h"

namespace stitch::passes {
namespace {

using graph::Graph;
using graph::Node;
using graph::Value;

class DeadCodeElimination : public Pass {
 public:
  std::string name() const override { return "dce"; }
  Expected<bool> run(Graph& graph) override;
};

Expected<bool> DeadCodeElimination::run(Graph& graph) {
  PinnedNames pinned = names_read_by_subgraphs(graph);
  std::unordered_set<const Value*> live(graph.outputs().begin(), graph.outputs().end());
  for (const Value* v : graph.values()) {
    if (pinned.count(v->name())) live.insert(v);
  }
  std::vector<Node*> nodes = graph.nodes();
  bool changed = false;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    Node* n = *it;
    bool needed = false;
    for (const Value* o : n->outputs()) needed = needed || (o && live.count(o));
    if (!needed) {
      graph.remove_node(n);
      changed = true;
      continue;
    }
    for (const Value* in : n->inputs()) {
      if (in) live.insert(in);
    }
  }
  size_t values_before = graph.values().size();
  STITCH_RETURN_IF_ERROR(finish_edits(graph));
  return changed || graph.values().size() != values_before;
}

}  // namespace

std::unique_ptr<Pass> make_dead_code_elimination_pass() {
  return std::make_unique<DeadCodeElimination>();
}

}  // namespace stitch::passes
