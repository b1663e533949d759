// The op registry: for every supported operator its schema (arity), op class, shape and dtype
// inference, and FLOP count. Part of graph/; the frontend checks nodes against it, the
// partitioner reads op classes, the interpreter uses inference to size outputs.
//
// Ops are registered by family (graph/ops/<family>.cc, one register_* function each, listed
// in graph/ops/all_ops.cc). Schemas describe the *canonical* form the frontend produces: newest
// opset semantics, with attributes that later became inputs already moved to inputs.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace stitch::graph {

// How an op fuses (TVM's pattern lattice, coarsened; DESIGN 3.4).
enum class OpClass {
  kInjective,  // each output element reads a fixed set of input elements (elementwise, reshape…)
  kReduce,     // reduces along axes (reductions, softmax, normalization, pooling)
  kComplex,    // compute-heavy anchor (conv, matmul, gemm)
  kOpaque,     // never fused (data-dependent shapes, control flow, sorting…)
};
const char* op_class_name(OpClass c);

// What shape inference sees: the node, the types of its inputs, and their values when they are
// known (constants at compile time; every input when the interpreter runs).
class InferContext {
 public:
  InferContext(const Node& node, std::vector<const TensorType*> input_types,
               std::vector<const Tensor*> input_values)
      : node_(node), types_(std::move(input_types)), values_(std::move(input_values)) {}
  const Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(types_.size()); }
  // False for an omitted optional input (or one past the end).
  bool has_input(int i) const { return i < num_inputs() && types_[i] != nullptr; }
  const TensorType& input_type(int i) const { return *types_[i]; }
  DType input_dtype(int i) const { return types_[i]->dtype; }
  const Shape& input_shape(int i) const { return types_[i]->shape; }
  bool input_has_shape(int i) const { return has_input(i) && types_[i]->has_shape; }
  int64_t input_rank(int i) const { return static_cast<int64_t>(types_[i]->shape.size()); }
  // The input's data when known, else nullptr. Each call is recorded: an output shape left
  // unknown where inference asked for an unknown value tells the compiler which inputs decide
  // shapes (driver/specialize_inputs.h specializes on them).
  const Tensor* input_value(int i) const {
    value_requests_.push_back(i);
    return i < num_inputs() ? values_[i] : nullptr;
  }
  const std::vector<int>& value_requests() const { return value_requests_; }
  // The graph that holds the node, when the caller knows it: control-flow bodies resolve their
  // outer names there to infer output shapes (without it they give dtypes only).
  const Graph* scope() const { return scope_; }
  void set_scope(const Graph* g) { scope_ = g; }

 private:
  const Node& node_;
  const Graph* scope_ = nullptr;
  std::vector<const TensorType*> types_;
  std::vector<const Tensor*> values_;
  mutable std::vector<int> value_requests_;
};

// Fills one TensorType per node output (may leave has_shape false or dims unknown when they
// depend on data not known yet). Returns an error for invalid inputs (shape mismatch, bad
// attribute), without the node prefix (the caller adds it).
using InferFn = std::function<Status(const InferContext&, std::vector<TensorType>& outputs)>;
// Floating-point operations for one run, from input and output types (static shapes).
using FlopsFn = std::function<int64_t(const InferContext&, const std::vector<TensorType>& outputs)>;

struct OpSchema {
  std::string op_type;
  std::string domain;  // "" = ai.onnx
  int min_inputs = 1;
  int max_inputs = 1;  // -1: variadic
  int min_outputs = 1;
  int max_outputs = 1;
  OpClass op_class = OpClass::kOpaque;
  // Oldest opset version whose semantics the frontend maps onto this schema.
  int min_opset = 1;
  InferFn infer;
  FlopsFn flops;  // optional; default: 0
};

class OpRegistry {
 public:
  // The process-wide registry, filled once with every family on first use.
  static const OpRegistry& global();
  void add(OpSchema schema);
  const OpSchema* find(const std::string& domain, const std::string& op_type) const;
  std::vector<const OpSchema*> all() const;

 private:
  std::map<std::pair<std::string, std::string>, OpSchema> schemas_;
};

// Runs the schema's inference for one node: arity check, then InferFn. Errors carry the node.
Status infer_node(const OpSchema& schema, const InferContext& ctx,
                  std::vector<TensorType>& outputs);

// Infers types for every node of `graph` in order, storing them on the output values. Constant
// inputs' data are offered to inference. Errors name the node.
Status infer_graph_types(Graph& graph);

// A schema with one output (edit the returned value for more), the default domain, opset 1+.
OpSchema make_schema(const std::string& op_type, int min_inputs, int max_inputs, OpClass op_class,
                     InferFn infer);

// Helpers most InferFns share.
// A type with the given dtype and static shape.
TensorType make_type(DType dtype, Shape shape);
// Output 0 gets input 0's type (elementwise unary ops).
Status infer_same_as_input0(const InferContext& ctx, std::vector<TensorType>& outputs);
// FLOPs = number of elements of output 0 (elementwise ops).
int64_t flops_output_numel(const InferContext& ctx, const std::vector<TensorType>& outputs);

}  // namespace stitch::graph
