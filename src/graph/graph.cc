// Graph, Node and Value: construction, edits that keep use-lists right, topological order,
// and the text dump. Part of graph/.
#include "graph/graph.h"

#include <algorithm>
#include <queue>
#include <set>
#include <sstream>

namespace stitch::graph {

std::string TensorType::to_string() const {
  if (!has_shape) return std::string(dtype_name(dtype)) + "[?]";
  return std::string(dtype_name(dtype)) + shape_to_string(shape);
}

const Attribute* Node::attr(const std::string& name) const {
  auto it = attrs_.find(name);
  return it == attrs_.end() ? nullptr : &it->second;
}

int64_t Node::attr_int(const std::string& name, int64_t fallback) const {
  const Attribute* a = attr(name);
  return a && a->kind == Attribute::Kind::kInt ? a->i : fallback;
}

float Node::attr_float(const std::string& name, float fallback) const {
  const Attribute* a = attr(name);
  if (!a) return fallback;
  if (a->kind == Attribute::Kind::kFloat) return a->f;
  if (a->kind == Attribute::Kind::kInt) return static_cast<float>(a->i);
  return fallback;
}

std::string Node::attr_string(const std::string& name, const std::string& fallback) const {
  const Attribute* a = attr(name);
  return a && a->kind == Attribute::Kind::kString ? a->s : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& name,
                                     const std::vector<int64_t>& fallback) const {
  const Attribute* a = attr(name);
  return a && a->kind == Attribute::Kind::kInts ? a->ints : fallback;
}

std::vector<float> Node::attr_floats(const std::string& name,
                                     const std::vector<float>& fallback) const {
  const Attribute* a = attr(name);
  return a && a->kind == Attribute::Kind::kFloats ? a->floats : fallback;
}

std::vector<std::string> Node::attr_strings(const std::string& name) const {
  const Attribute* a = attr(name);
  return a && a->kind == Attribute::Kind::kStrings ? a->strings : std::vector<std::string>{};
}

const Tensor* Node::attr_tensor(const std::string& name) const {
  const Attribute* a = attr(name);
  return a && a->kind == Attribute::Kind::kTensor ? &a->t : nullptr;
}

const Graph* Node::attr_graph(const std::string& name) const {
  const Attribute* a = attr(name);
  return a && a->kind == Attribute::Kind::kGraph ? a->g.get() : nullptr;
}

std::string Node::describe() const {
  std::string d = "node '" + name_ + "' (" + (domain_.empty() ? "" : domain_ + ".") + op_type_;
  if (opset_ > 0) d += ", opset " + std::to_string(opset_);
  return d + ")";
}

Value* Graph::add_value(const std::string& name, TensorType type) {
  STITCH_CHECK(value_by_name_.count(name) == 0 || name.empty(), "duplicate value name ", name);
  auto v = std::make_unique<Value>();
  v->id_ = next_value_id_++;
  v->name_ = name.empty() ? "%" + std::to_string(v->id_) : name;
  v->type_ = std::move(type);
  Value* raw = v.get();
  value_by_name_[raw->name_] = raw;
  values_.push_back(std::move(v));
  return raw;
}

Value* Graph::find_value(const std::string& name) const {
  auto it = value_by_name_.find(name);
  return it == value_by_name_.end() ? nullptr : it->second;
}

Value* Graph::add_constant(const std::string& name, Tensor data) {
  Value* v = add_value(name);
  set_constant(v, std::move(data));
  return v;
}

void Graph::set_constant(Value* v, Tensor data) {
  v->type_ = TensorType{data.dtype(), data.shape(), true};
  v->constant_ = std::make_unique<Tensor>(std::move(data));
}

std::string Graph::unique_name(const std::string& hint) {
  if (!find_value(hint)) return hint;
  for (int i = 1;; ++i) {
    std::string candidate = hint + "_" + std::to_string(i);
    if (!find_value(candidate)) return candidate;
  }
}

void Graph::add_input(Value* v) {
  v->is_graph_input_ = true;
  inputs_.push_back(v);
}

void Graph::add_output(Value* v) {
  v->is_graph_output_ = true;
  outputs_.push_back(v);
}

void Graph::replace_output(int index, Value* v) {
  Value* old = outputs_[index];
  outputs_[index] = v;
  old->is_graph_output_ = std::count(outputs_.begin(), outputs_.end(), old) > 0;
  v->is_graph_output_ = true;
}

Node* Graph::add_node(const std::string& op_type, const std::string& name,
                      const std::vector<Value*>& inputs, const std::vector<Value*>& outputs,
                      const std::string& domain, int opset) {
  auto n = std::make_unique<Node>();
  n->id_ = next_node_id_++;
  n->name_ = name.empty() ? op_type + "_" + std::to_string(n->id_) : name;
  n->op_type_ = op_type;
  n->domain_ = domain;
  n->opset_ = opset;
  n->inputs_ = inputs;
  n->outputs_ = outputs;
  Node* raw = n.get();
  for (Value* in : inputs) {
    if (in) in->users_.push_back(raw);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i]) continue;
    STITCH_CHECK(outputs[i]->producer_ == nullptr, "value ", outputs[i]->name_,
                 " already has a producer");
    outputs[i]->producer_ = raw;
    outputs[i]->producer_output_ = static_cast<int>(i);
  }
  nodes_.push_back(std::move(n));
  return raw;
}

namespace {
void erase_one(std::vector<Node*>& users, Node* n) {
  auto it = std::find(users.begin(), users.end(), n);
  if (it != users.end()) users.erase(it);
}
}  // namespace

void Graph::set_node_input(Node* n, int index, Value* v) {
  if (index >= n->num_inputs()) n->inputs_.resize(index + 1, nullptr);
  if (Value* old = n->inputs_[index]) erase_one(old->users_, n);
  n->inputs_[index] = v;
  if (v) v->users_.push_back(n);
}

void Graph::replace_all_uses(Value* from, Value* to) {
  std::vector<Node*> users = from->users_;
  for (Node* n : users) {
    for (int i = 0; i < n->num_inputs(); ++i) {
      if (n->inputs_[i] == from) set_node_input(n, i, to);
    }
  }
  for (size_t i = 0; i < outputs_.size(); ++i) {
    if (outputs_[i] == from) replace_output(static_cast<int>(i), to);
  }
}

void Graph::remove_node(Node* n) {
  for (Value* in : n->inputs_) {
    if (in) erase_one(in->users_, n);
  }
  for (Value* out : n->outputs_) {
    if (out) {
      out->producer_ = nullptr;
      out->producer_output_ = -1;
    }
  }
  auto it = std::find_if(nodes_.begin(), nodes_.end(), [n](const auto& p) { return p.get() == n; });
  STITCH_CHECK(it != nodes_.end(), "remove_node: node not in graph");
  nodes_.erase(it);
}

void Graph::remove_dead_values() {
  std::vector<std::unique_ptr<Value>> kept;
  for (auto& v : values_) {
    bool dead = !v->producer_ && v->users_.empty() && !v->is_graph_input_ && !v->is_graph_output_ &&
                !v->is_outer_scope_;
    if (dead) {
      value_by_name_.erase(v->name_);
    } else {
      kept.push_back(std::move(v));
    }
  }
  values_ = std::move(kept);
}

std::vector<Node*> Graph::nodes() const {
  std::vector<Node*> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n.get());
  return out;
}

std::vector<Value*> Graph::values() const {
  std::vector<Value*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v.get());
  return out;
}

// Kahn's algorithm; ties keep the original order so dumps stay stable.
Status Graph::topo_sort() {
  std::map<Node*, size_t> position;
  for (size_t i = 0; i < nodes_.size(); ++i) position[nodes_[i].get()] = i;
  std::vector<int> pending(nodes_.size(), 0);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (Value* in : nodes_[i]->inputs_) {
      if (in && in->producer_ && position.count(in->producer_)) ++pending[i];
    }
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (Value* out : nodes_[i]->outputs_) {
      if (!out) continue;
      for (Node* user : out->users_) {
        size_t j = position[user];
        // A node using the same value twice is counted once per use above.
        if (--pending[j] == 0) ready.push(j);
      }
    }
  }
  if (order.size() != nodes_.size()) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (pending[i] > 0) {
        return error("the graph has a cycle through ", nodes_[i]->describe());
      }
    }
  }
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(nodes_.size());
  for (size_t i : order) sorted.push_back(std::move(nodes_[i]));
  nodes_ = std::move(sorted);
  return Status::ok();
}

std::string Graph::to_string() const {
  std::ostringstream os;
  os << "graph " << name_ << " (";
  for (size_t i = 0; i < inputs_.size(); ++i) {
    os << (i ? ", " : "") << "%" << inputs_[i]->name() << ": " << inputs_[i]->type().to_string();
  }
  os << ") {\n";
  for (const auto& n : nodes_) {
    os << "  ";
    for (int i = 0; i < n->num_outputs(); ++i) {
      Value* o = n->outputs_[i];
      os << (i ? ", " : "") << (o ? "%" + o->name() + ": " + o->type().to_string() : "_");
    }
    os << " = " << n->op_type_ << "(";
    for (int i = 0; i < n->num_inputs(); ++i) {
      Value* in = n->inputs_[i];
      os << (i ? ", " : "") << (in ? "%" + in->name() : "_");
    }
    os << ")";
    if (!n->attrs_.empty()) {
      os << " {";
      bool first = true;
      for (const auto& [k, a] : n->attrs_) {
        os << (first ? "" : ", ") << k << "=" << a.to_string();
        first = false;
      }
      os << "}";
    }
    os << "\n";
  }
  os << "  return ";
  for (size_t i = 0; i < outputs_.size(); ++i) os << (i ? ", " : "") << "%" << outputs_[i]->name();
  os << "\n}\n";
  return os.str();
}

}  // namespace stitch::graph
