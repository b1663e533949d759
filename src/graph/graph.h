// The graph IR: a Graph owns its Nodes and Values; edits go through Graph so that producer and
// user lists stay right. Part of graph/, built by frontend/, read by passes, partitioner, the
// reference interpreter and lowering.
//
// Invariants: every Value has at most one producer (a Node output) or is a graph input or a
// constant (initializer); `users` lists each consuming node once per use; nodes() is kept in a
// topological order by the importer and by every pass that edits the graph.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/attribute.h"
#include "support/shape.h"
#include "support/status.h"
#include "support/tensor.h"

namespace stitch::graph {

class Node;

// Element type and shape of a value. Shapes may hold kUnknownDim until inputs fix them; a
// value with has_shape == false has unknown rank.
struct TensorType {
  DType dtype = DType::kUndefined;
  Shape shape;
  bool has_shape = false;
  bool is_static() const { return has_shape && shape_is_static(shape); }
  std::string to_string() const;
};

class Value {
 public:
  int id() const { return id_; }
  const std::string& name() const { return name_; }
  const TensorType& type() const { return type_; }
  DType dtype() const { return type_.dtype; }
  const Shape& shape() const { return type_.shape; }
  void set_type(TensorType t) { type_ = std::move(t); }
  // Symbolic names of input dims ("batch"), parallel to shape(); empty strings where concrete.
  std::vector<std::string>& dim_params() { return dim_params_; }
  const std::vector<std::string>& dim_params() const { return dim_params_; }

  Node* producer() const { return producer_; }
  int producer_output() const { return producer_output_; }
  const std::vector<Node*>& users() const { return users_; }

  // Constant data (initializers and folded constants); nullptr otherwise.
  const Tensor* constant() const { return constant_.get(); }
  bool is_constant() const { return constant_ != nullptr; }
  bool is_graph_input() const { return is_graph_input_; }
  bool is_graph_output() const { return is_graph_output_; }
  // A name a subgraph reads from an enclosing graph (If/Loop/Scan bodies).
  bool is_outer_scope() const { return is_outer_scope_; }

 private:
  friend class Graph;
  int id_ = 0;
  std::string name_;
  TensorType type_;
  std::vector<std::string> dim_params_;
  Node* producer_ = nullptr;
  int producer_output_ = -1;
  std::vector<Node*> users_;
  std::unique_ptr<Tensor> constant_;
  bool is_graph_input_ = false;
  bool is_graph_output_ = false;
  bool is_outer_scope_ = false;
};

class Node {
 public:
  int id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& op_type() const { return op_type_; }
  // "" for the default ONNX domain ("ai.onnx" is normalized to "").
  const std::string& domain() const { return domain_; }
  // The opset version of this node's domain that the model imported.
  int opset() const { return opset_; }
  // Inputs may hold nullptr for an omitted optional input.
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  Value* input(int i) const { return i < num_inputs() ? inputs_[i] : nullptr; }
  Value* output(int i) const { return i < num_outputs() ? outputs_[i] : nullptr; }
  bool has_input(int i) const { return input(i) != nullptr; }

  const std::map<std::string, Attribute>& attributes() const { return attrs_; }
  bool has_attr(const std::string& name) const { return attrs_.count(name) != 0; }
  const Attribute* attr(const std::string& name) const;
  int64_t attr_int(const std::string& name, int64_t fallback) const;
  float attr_float(const std::string& name, float fallback) const;
  std::string attr_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& name,
                                 const std::vector<int64_t>& fallback = {}) const;
  std::vector<float> attr_floats(const std::string& name,
                                 const std::vector<float>& fallback = {}) const;
  std::vector<std::string> attr_strings(const std::string& name) const;
  const Tensor* attr_tensor(const std::string& name) const;
  const Graph* attr_graph(const std::string& name) const;
  void set_attr(const std::string& name, Attribute a) { attrs_[name] = std::move(a); }
  void remove_attr(const std::string& name) { attrs_.erase(name); }

  // "node 'conv1' (Conv, opset 13)": the prefix of every error about this node.
  std::string describe() const;

 private:
  friend class Graph;
  int id_ = 0;
  std::string name_;
  std::string op_type_;
  std::string domain_;
  int opset_ = 0;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  std::map<std::string, Attribute> attrs_;
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

  // Values. Names are unique within a graph; find_value returns nullptr when absent.
  Value* add_value(const std::string& name, TensorType type = {});
  Value* find_value(const std::string& name) const;
  Value* add_constant(const std::string& name, Tensor data);
  void set_constant(Value* v, Tensor data);
  // A name that no value has yet, built from `hint`.
  std::string unique_name(const std::string& hint);

  void add_input(Value* v);
  void add_output(Value* v);
  void add_outer_scope_value(Value* v) { v->is_outer_scope_ = true; }
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  void replace_output(int index, Value* v);

  // Nodes, appended in order; call topo_sort() after out-of-order edits.
  Node* add_node(const std::string& op_type, const std::string& name,
                 const std::vector<Value*>& inputs, const std::vector<Value*>& outputs,
                 const std::string& domain = "", int opset = 0);
  void set_node_input(Node* n, int index, Value* v);
  // Turns a node into another op in place (canonicalization: Upsample → Resize, Gemm → MatMul).
  void set_op_type(Node* n, const std::string& op_type) { n->op_type_ = op_type; }
  // Redirects every use of `from` (node inputs and graph outputs) to `to`.
  void replace_all_uses(Value* from, Value* to);
  // Removes a node; its outputs keep existing with no producer (passes then drop them).
  void remove_node(Node* n);
  // Removes values that have no producer, no users, are not inputs/outputs and are not read by
  // name from a subgraph.
  void remove_dead_values();
  std::vector<Node*> nodes() const;
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  std::vector<Value*> values() const;
  // Orders nodes so producers come first; an error naming a node on the cycle if there is one.
  Status topo_sort();

  // Opset imports: domain ("" = ai.onnx) → version.
  std::map<std::string, int>& opset_imports() { return opset_imports_; }
  const std::map<std::string, int>& opset_imports() const { return opset_imports_; }

  // Text dump: inputs, nodes with attributes and types, outputs. Stable for golden tests.
  std::string to_string() const;

 private:
  std::string name_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Value>> values_;
  std::map<std::string, Value*> value_by_name_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  std::map<std::string, int> opset_imports_;
  int next_node_id_ = 0;
  int next_value_id_ = 0;
};

}  // namespace stitch::graph
