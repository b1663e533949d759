// Rewrite helpers the graph passes share. Part of passes/.
#include "passes/pass_util.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "graph/body_graph.h"

namespace stitch::passes {

using graph::Attribute;
using graph::Graph;
using graph::Node;
using graph::Value;

namespace {

void collect_outer_reads(const Graph& body, PinnedNames& out) {
  for (const Value* v : body.values()) {
    if (v->is_outer_scope()) out.insert(v->name());
  }
  for (const Node* n : body.nodes()) {
    for (const auto& [name, a] : n->attributes()) {
      if (a.g) collect_outer_reads(*a.g, out);
    }
  }
}

}  // namespace

PinnedNames names_read_by_subgraphs(const Graph& graph) {
  PinnedNames out;
  for (const Node* n : graph.nodes()) {
    for (const auto& [name, a] : n->attributes()) {
      if (a.g) collect_outer_reads(*a.g, out);
    }
  }
  return out;
}

bool has_single_use(const Value& v, const PinnedNames& pinned) {
  return v.users().size() == 1 && !v.is_graph_output() && pinned.count(v.name()) == 0;
}

bool is_unused(const Value& v, const PinnedNames& pinned) {
  return v.users().empty() && !v.is_graph_output() && pinned.count(v.name()) == 0;
}

bool has_graph_attribute(const Node& n) {
  for (const auto& [name, a] : n.attributes()) {
    if (a.kind == Attribute::Kind::kGraph) return true;
  }
  return false;
}

bool tensors_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.dtype() == DType::kString) return a.strings() == b.strings();
  return a.nbytes() == 0 || std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

bool attributes_equal(const Attribute& a, const Attribute& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Attribute::Kind::kFloat:
      return std::memcmp(&a.f, &b.f, sizeof(float)) == 0;
    case Attribute::Kind::kInt:
      return a.i == b.i;
    case Attribute::Kind::kString:
      return a.s == b.s;
    case Attribute::Kind::kTensor:
      return tensors_equal(a.t, b.t);
    case Attribute::Kind::kGraph:
      return false;
    case Attribute::Kind::kFloats:
      return a.floats.size() == b.floats.size() &&
             (a.floats.empty() ||
              std::memcmp(a.floats.data(), b.floats.data(), a.floats.size() * sizeof(float)) == 0);
    case Attribute::Kind::kInts:
      return a.ints == b.ints;
    case Attribute::Kind::kStrings:
      return a.strings == b.strings;
    case Attribute::Kind::kTensors:
      if (a.tensors.size() != b.tensors.size()) return false;
      for (size_t i = 0; i < a.tensors.size(); ++i) {
        if (!tensors_equal(a.tensors[i], b.tensors[i])) return false;
      }
      return true;
  }
  return false;
}

std::optional<Attribute> clone_attribute(const Attribute& a) {
  if (a.kind == Attribute::Kind::kGraph) return std::nullopt;
  return graph::copy_attribute(a);
}

Node* reemit_node(Graph& g, Node* n, const std::vector<Value*>& new_inputs,
                  const std::vector<Value*>& new_outputs) {
  // Copies first: callers may pass n's own lists, which die with n.
  std::vector<Value*> inputs = new_inputs, outputs = new_outputs;
  STITCH_CHECK(!has_graph_attribute(*n), "reemit_node: ", n->describe(), " has a subgraph");
  std::string op = n->op_type(), name = n->name(), domain = n->domain();
  int opset = n->opset();
  std::map<std::string, Attribute> attrs;
  for (const auto& [k, a] : n->attributes()) attrs.emplace(k, *clone_attribute(a));
  g.remove_node(n);
  Node* m = g.add_node(op, name, inputs, outputs, domain, opset);
  for (auto& [k, a] : attrs) m->set_attr(k, std::move(a));
  return m;
}

namespace {

// The other outputs of `n` (besides `keep`) are read by nobody.
bool other_outputs_unused(const Node& n, const Value* keep, const PinnedNames& pinned) {
  for (const Value* o : n.outputs()) {
    if (o && o != keep && !is_unused(*o, pinned)) return false;
  }
  return true;
}

}  // namespace

bool bypass_node(Graph& g, Node* n, Value* from, Value* to, const PinnedNames& pinned) {
  if (pinned.count(from->name()) || !other_outputs_unused(*n, from, pinned)) return false;
  if (!from->is_graph_output()) {
    g.remove_node(n);
    g.replace_all_uses(from, to);
    return true;
  }
  // `from` names a graph output: let the producer of `to` write `from` directly. Only possible
  // when `to` is an intermediate that `n` alone reads.
  Node* p = to->producer();
  bool movable = p && !to->is_graph_output() && pinned.count(to->name()) == 0 &&
                 to->users().size() == 1 && !has_graph_attribute(*p);
  if (!movable) return false;
  std::vector<Value*> outs = p->outputs();
  std::replace(outs.begin(), outs.end(), to, from);
  std::vector<Value*> ins = p->inputs();
  g.remove_node(n);
  reemit_node(g, p, ins, outs);
  return true;
}

Value* add_temp_value(Graph& g, const std::string& hint, graph::TensorType type) {
  return g.add_value(g.unique_name(hint), std::move(type));
}

Value* add_constant_value(Graph& g, const std::string& hint, Tensor data) {
  return g.add_constant(g.unique_name(hint), std::move(data));
}

void replace_constant_input(Graph& g, Node* user, int input_index, Tensor data,
                            const PinnedNames& pinned) {
  Value* c = user->input(input_index);
  bool sole = c && c->is_constant() && !c->is_graph_input() && has_single_use(*c, pinned);
  if (sole) {
    g.set_constant(c, std::move(data));
    return;
  }
  std::string hint = c ? c->name() : user->name() + "_in" + std::to_string(input_index);
  g.set_node_input(user, input_index, add_constant_value(g, hint, std::move(data)));
}

Status finish_edits(Graph& g) {
  STITCH_RETURN_IF_ERROR(g.topo_sort());
  // remove_dead_values cannot see reads by subgraphs; keep everything when it would drop one.
  PinnedNames pinned = names_read_by_subgraphs(g);
  for (const Value* v : g.values()) {
    bool dead = !v->producer() && v->users().empty() && !v->is_graph_input() &&
                !v->is_graph_output() && !v->is_outer_scope();
    if (dead && pinned.count(v->name())) return Status::ok();
  }
  g.remove_dead_values();
  return Status::ok();
}

namespace {

Status verify_node(const Graph& g, const Node& n, const std::map<const Node*, size_t>& position) {
  size_t pos = position.at(&n);
  for (const Value* v : n.inputs()) {
    if (!v) continue;
    if (g.find_value(v->name()) != v) {
      return error(n.describe(), " reads '", v->name(), "', which is not in the graph");
    }
    auto uses = std::count(n.inputs().begin(), n.inputs().end(), v);
    if (std::count(v->users().begin(), v->users().end(), &n) != uses) {
      return error("the use-list of '", v->name(), "' does not match ", n.describe());
    }
    if (v->producer() && (!position.count(v->producer()) || position.at(v->producer()) >= pos)) {
      return error(n.describe(), " reads '", v->name(), "' before it is computed");
    }
    if (!v->producer() && !v->is_constant() && !v->is_graph_input() && !v->is_outer_scope()) {
      return error(n.describe(), " reads '", v->name(), "', which nothing defines");
    }
  }
  for (int i = 0; i < n.num_outputs(); ++i) {
    const Value* o = n.output(i);
    if (o && (o->producer() != &n || o->producer_output() != i || o->is_constant())) {
      return error("output ", i, " of ", n.describe(), " does not name it as producer");
    }
  }
  return Status::ok();
}

}  // namespace

Status verify_graph(const Graph& g) {
  std::map<const Node*, size_t> position;
  std::vector<Node*> nodes = g.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) position[nodes[i]] = i;
  for (const Node* n : nodes) STITCH_RETURN_IF_ERROR(verify_node(g, *n, position));
  for (const Value* v : g.values()) {
    for (const Node* u : v->users()) {
      if (!position.count(u)) return error("'", v->name(), "' lists a user not in the graph");
    }
    if (v->producer() && !position.count(v->producer())) {
      return error("'", v->name(), "' names a producer not in the graph");
    }
  }
  for (const Value* o : g.outputs()) {
    if (!o->producer() && !o->is_constant() && !o->is_graph_input() && !o->is_outer_scope()) {
      return error("graph output '", o->name(), "' is not defined");
    }
    if (!o->is_graph_output()) return error("graph output '", o->name(), "' is not marked");
  }
  return Status::ok();
}

bool dropout_is_identity(const Node& n) {
  const Value* training = n.input(2);
  const Value* ratio = n.input(1);
  bool inference = !training || (training->constant() && training->constant()->numel() == 1 &&
                                 training->constant()->as_double(0) == 0.0);
  bool zero_ratio = ratio && ratio->constant() && ratio->constant()->numel() == 1 &&
                    ratio->constant()->as_double(0) == 0.0;
  return inference || zero_ratio;
}

bool is_nondeterministic(const Node& n) {
  if (n.op_type() == "Dropout" && n.domain().empty()) return !dropout_is_identity(n);
  static const std::set<std::string> kOps = {"RandomNormal",     "RandomUniform",
                                             "RandomNormalLike", "RandomUniformLike",
                                             "Multinomial",      "Bernoulli"};
  return !n.domain().empty() || kOps.count(n.op_type()) != 0;
}

Expected<bool> rewrite_nodes_until_fixed_point(graph::Graph& g, NodeRewrite rewrite) {
  PinnedNames pinned = names_read_by_subgraphs(g);
  bool changed = false;
  for (bool again = true; again;) {
    again = false;
    for (graph::Node* n : g.nodes()) {
      if (rewrite(g, n, pinned)) {
        again = changed = true;
        break;
      }
    }
  }
  if (changed) STITCH_RETURN_IF_ERROR(finish_edits(g));
  return changed;
}

}  // namespace stitch::passes
