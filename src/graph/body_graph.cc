// Deep copies of graphs and standalone copies of control-flow bodies. Part of graph/.
#include "graph/body_graph.h"

#include <functional>
#include <map>
#include <set>

namespace stitch::graph {
namespace {

// Every outer name that `g` or a body nested in it reads.
void collect_outer_reads(const Graph& g, std::set<std::string>& out) {
  for (const Value* v : g.values()) {
    if (v->is_outer_scope()) out.insert(v->name());
  }
  for (const Node* n : g.nodes()) {
    for (const auto& [name, a] : n->attributes()) {
      if (a.g) collect_outer_reads(*a.g, out);
    }
  }
}

// Copies nodes, constants and outputs of `from` into `to`, whose inputs are already mapped.
// `resolve_outer` creates the value of an outer-scope read in `to`.
class GraphCopier {
 public:
  using OuterResolver = std::function<Expected<Value*>(const Value& outer)>;
  GraphCopier(Graph& to, OuterResolver resolve_outer)
      : to_(to), resolve_outer_(std::move(resolve_outer)) {}

  void map(const Value* from, Value* to) { map_[from] = to; }

  Status copy_body(const Graph& from) {
    for (const Node* n : from.nodes()) {
      std::vector<Value*> inputs, outputs;
      for (const Value* v : n->inputs()) {
        Value* c = nullptr;
        if (v) {
          STITCH_ASSIGN_OR_RETURN(c, value_of(*v));
        }
        inputs.push_back(c);
      }
      for (const Value* v : n->outputs()) {
        Value* c = v ? to_.add_value(v->name(), v->type()) : nullptr;
        if (v) map_[v] = c;
        outputs.push_back(c);
      }
      Node* m = to_.add_node(n->op_type(), n->name(), inputs, outputs, n->domain(), n->opset());
      for (const auto& [name, a] : n->attributes()) m->set_attr(name, copy_attribute(a));
    }
    for (const Value* v : from.outputs()) {
      STITCH_ASSIGN_OR_RETURN(Value * c, value_of(*v));
      to_.add_output(c);
    }
    return Status::ok();
  }

  Expected<Value*> value_of(const Value& v) {
    auto it = map_.find(&v);
    if (it != map_.end()) return it->second;
    Value* c = nullptr;
    if (v.is_constant()) {
      c = to_.add_constant(v.name(), v.constant()->clone());
    } else if (v.is_outer_scope()) {
      STITCH_ASSIGN_OR_RETURN(c, resolve_outer_(v));
    } else {
      return error("value '", v.name(), "' is read before any node defines it");
    }
    map_[&v] = c;
    return c;
  }

 private:
  Graph& to_;
  OuterResolver resolve_outer_;
  std::map<const Value*, Value*> map_;
};

}  // namespace

Attribute copy_attribute(const Attribute& a) {
  Attribute c;
  c.kind = a.kind;
  c.f = a.f;
  c.i = a.i;
  c.s = a.s;
  if (a.t.defined()) c.t = a.t.clone();
  if (a.g) c.g = copy_graph(*a.g);
  c.floats = a.floats;
  c.ints = a.ints;
  c.strings = a.strings;
  for (const Tensor& t : a.tensors) c.tensors.push_back(t.clone());
  return c;
}

std::unique_ptr<Graph> copy_graph(const Graph& g) {
  auto out = std::make_unique<Graph>();
  out->set_name(g.name());
  out->opset_imports() = g.opset_imports();
  GraphCopier copier(*out, [&](const Value& outer) -> Expected<Value*> {
    Value* v = out->add_value(outer.name(), outer.type());
    out->add_outer_scope_value(v);
    return v;
  });
  for (const Value* in : g.inputs()) {
    Value* v = out->add_value(in->name(), in->type());
    out->add_input(v);
    copier.map(in, v);
  }
  // A copy of a graph the importer accepted: every read is defined, so this cannot fail.
  Status s = copier.copy_body(g);
  STITCH_CHECK(s.is_ok(), "copy_graph: ", s.message());
  // Outer names only a nested body reads stay outer-scope reads here too.
  std::set<std::string> nested;
  collect_outer_reads(g, nested);
  for (const std::string& name : nested) {
    if (out->find_value(name)) continue;
    const Value* v = g.find_value(name);
    out->add_outer_scope_value(out->add_value(name, v ? v->type() : TensorType{}));
  }
  return out;
}

std::vector<std::string> captured_names(const Graph& body, const Graph& scope) {
  std::set<std::string> reads;
  collect_outer_reads(body, reads);
  std::vector<std::string> out;
  for (const std::string& name : reads) {
    const Value* v = scope.find_value(name);
    if (v && !v->is_constant()) out.push_back(name);
  }
  return out;
}

Expected<std::unique_ptr<Graph>> make_standalone_body(const Graph& body,
                                                      const std::vector<TensorType>& formal_types,
                                                      const Graph& scope,
                                                      const std::vector<std::string>& captures) {
  if (formal_types.size() != body.inputs().size()) {
    return error("body '", body.name(), "' has ", body.inputs().size(), " inputs, the node gives ",
                 formal_types.size());
  }
  auto result = std::make_unique<Graph>();
  Graph& g = *result;
  g.set_name(body.name());
  g.opset_imports() = scope.opset_imports();
  std::vector<Value*> formal;
  for (size_t i = 0; i < body.inputs().size(); ++i) {
    formal.push_back(g.add_value(body.inputs()[i]->name(), formal_types[i]));
    g.add_input(formal.back());
  }
  for (const std::string& name : captures) {
    const Value* o = scope.find_value(name);
    if (!o) return error("body '", body.name(), "' captures '", name, "', which is not defined");
    if (g.find_value(name)) {
      return error("body '", body.name(), "' captures '", name, "', the name of an input");
    }
    g.add_input(g.add_value(name, o->type()));
  }
  auto constant = [&](const std::string& name) -> Expected<Value*> {
    const Value* o = scope.find_value(name);
    if (!o) return error("body '", body.name(), "' reads '", name, "', which no scope defines");
    if (!o->is_constant()) {
      return error("internal: body '", body.name(), "' reads '", name, "', which is not captured");
    }
    return g.add_constant(name, o->constant()->clone());
  };
  GraphCopier copier(g, [&](const Value& outer) -> Expected<Value*> {
    if (Value* v = g.find_value(outer.name())) return v;
    return constant(outer.name());
  });
  for (size_t i = 0; i < body.inputs().size(); ++i) copier.map(body.inputs()[i], formal[i]);
  STITCH_RETURN_IF_ERROR(copier.copy_body(body));
  std::set<std::string> nested;
  collect_outer_reads(body, nested);
  for (const std::string& name : nested) {
    if (!g.find_value(name)) STITCH_RETURN_IF_ERROR(constant(name).status());
  }
  return result;
}

namespace {

// `t` without its dim `axis` (negative counts from the end), or nullopt.
std::optional<TensorType> without_axis(const TensorType& t, int64_t axis) {
  if (!t.has_shape) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(t.shape.size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return std::nullopt;
  TensorType r = t;
  r.shape.erase(r.shape.begin() + axis);
  return r;
}

}  // namespace

Expected<ScanAttributes> scan_attributes(const Node& n) {
  ScanAttributes a;
  a.batched = n.opset() < 9;
  const int64_t n_scan_in = n.attr_int("num_scan_inputs", 0);
  a.num_states = n.num_inputs() - (a.batched ? 1 : 0) - n_scan_in;
  const int64_t n_scan_out = n.num_outputs() - a.num_states;
  if (n_scan_in < 1 || a.num_states < 0 || n_scan_out < 0) {
    return error("Scan: num_scan_inputs ", n_scan_in, " does not fit ", n.num_inputs(),
                 " inputs and ", n.num_outputs(), " outputs");
  }
  if (a.batched) {
    a.input_axes.assign(n_scan_in, 0);
    a.input_reverse = n.attr_ints("directions", std::vector<int64_t>(n_scan_in, 0));
    a.output_axes.assign(n_scan_out, 0);
    a.output_reverse.assign(n_scan_out, 0);
  } else {
    a.input_axes = n.attr_ints("scan_input_axes", std::vector<int64_t>(n_scan_in, 0));
    a.input_reverse = n.attr_ints("scan_input_directions", std::vector<int64_t>(n_scan_in, 0));
    a.output_axes = n.attr_ints("scan_output_axes", std::vector<int64_t>(n_scan_out, 0));
    a.output_reverse = n.attr_ints("scan_output_directions", std::vector<int64_t>(n_scan_out, 0));
  }
  if (static_cast<int64_t>(a.input_axes.size()) != n_scan_in ||
      static_cast<int64_t>(a.input_reverse.size()) != n_scan_in ||
      static_cast<int64_t>(a.output_axes.size()) != n_scan_out ||
      static_cast<int64_t>(a.output_reverse.size()) != n_scan_out) {
    return error(
        "Scan: an axes or directions attribute does not have one entry per scan input "
        "or output");
  }
  return a;
}

std::optional<std::vector<TensorType>> body_input_types(
    const Node& node, const std::vector<const TensorType*>& input_types) {
  const std::string& op = node.op_type();
  auto known = [&](size_t i) {
    return i < input_types.size() && input_types[i] && input_types[i]->has_shape;
  };
  if (op == "If") return std::vector<TensorType>{};
  if (op == "Loop") {
    std::vector<TensorType> formal = {TensorType{DType::kInt64, {}, true},
                                      TensorType{DType::kBool, {}, true}};
    for (size_t i = 2; i < input_types.size(); ++i) {
      if (!known(i)) return std::nullopt;
      formal.push_back(*input_types[i]);
    }
    return formal;
  }
  if (op != "Scan" || static_cast<int>(input_types.size()) != node.num_inputs()) {
    return std::nullopt;
  }
  auto scan = scan_attributes(node);
  if (!scan.is_ok()) return std::nullopt;
  const size_t first = scan->batched ? 1 : 0;
  std::vector<TensorType> formal;
  for (size_t i = first; i < input_types.size(); ++i) {
    if (!known(i)) return std::nullopt;
    const int64_t k = static_cast<int64_t>(i - first);
    std::optional<TensorType> t = *input_types[i];
    if (scan->batched) t = without_axis(*t, 0);
    if (t && k >= scan->num_states) t = without_axis(*t, scan->input_axes[k - scan->num_states]);
    if (!t) return std::nullopt;
    formal.push_back(*t);
  }
  return formal;
}

}  // namespace stitch::graph
