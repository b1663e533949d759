// Op registry lookups, arity checks and whole-graph type inference. Part of graph/.
#include "graph/op_registry.h"

namespace stitch::graph {

const char* op_class_name(OpClass c) {
  switch (c) {
    case OpClass::kInjective:
      return "injective";
    case OpClass::kReduce:
      return "reduce";
    case OpClass::kComplex:
      return "complex";
    case OpClass::kOpaque:
      return "opaque";
  }
  return "?";
}

void OpRegistry::add(OpSchema schema) {
  auto key = std::make_pair(schema.domain, schema.op_type);
  schemas_[key] = std::move(schema);
}

const OpSchema* OpRegistry::find(const std::string& domain, const std::string& op_type) const {
  auto it = schemas_.find({domain, op_type});
  return it == schemas_.end() ? nullptr : &it->second;
}

std::vector<const OpSchema*> OpRegistry::all() const {
  std::vector<const OpSchema*> out;
  for (const auto& [key, s] : schemas_) out.push_back(&s);
  return out;
}

Status infer_node(const OpSchema& schema, const InferContext& ctx,
                  std::vector<TensorType>& outputs) {
  const Node& n = ctx.node();
  int present = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i) present += ctx.has_input(i) ? 1 : 0;
  if (ctx.num_inputs() < schema.min_inputs ||
      (schema.max_inputs >= 0 && ctx.num_inputs() > schema.max_inputs)) {
    return error(
        n.describe(), ": takes ", schema.min_inputs, " to ",
        schema.max_inputs < 0 ? std::string("any number of") : std::to_string(schema.max_inputs),
        " inputs, got ", ctx.num_inputs());
  }
  for (int i = 0; i < std::min(ctx.num_inputs(), schema.min_inputs); ++i) {
    if (!ctx.has_input(i)) return error(n.describe(), ": required input ", i, " is missing");
  }
  (void)present;
  if (n.num_outputs() < schema.min_outputs ||
      (schema.max_outputs >= 0 && n.num_outputs() > schema.max_outputs)) {
    return error(n.describe(), ": has ", n.num_outputs(), " outputs, the op allows ",
                 schema.min_outputs, " to ", schema.max_outputs);
  }
  outputs.assign(n.num_outputs(), TensorType{});
  if (!schema.infer) return error(n.describe(), ": no shape inference registered");
  Status s = schema.infer(ctx, outputs);
  if (!s.is_ok()) return s.with_context(n.describe());
  if (static_cast<int>(outputs.size()) != n.num_outputs()) {
    return error(n.describe(), ": internal: inference produced ", outputs.size(), " outputs");
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].is_static() && shape_numel(outputs[i].shape) > kMaxElements) {
      return error(n.describe(), ": output ", i, " would have shape ",
                   shape_to_string(outputs[i].shape), ", more than 2^40 elements");
    }
  }
  return Status::ok();
}

Status infer_graph_types(Graph& graph) {
  const OpRegistry& registry = OpRegistry::global();
  for (Node* n : graph.nodes()) {
    const OpSchema* schema = registry.find(n->domain(), n->op_type());
    if (!schema) return error(n->describe(), ": unsupported operator");
    std::vector<const TensorType*> types;
    std::vector<const Tensor*> values;
    for (Value* in : n->inputs()) {
      types.push_back(in ? &in->type() : nullptr);
      values.push_back(in ? in->constant() : nullptr);
    }
    InferContext ctx(*n, types, values);
    ctx.set_scope(&graph);
    std::vector<TensorType> outs;
    STITCH_RETURN_IF_ERROR(infer_node(*schema, ctx, outs));
    for (int i = 0; i < n->num_outputs(); ++i) {
      if (n->output(i)) n->output(i)->set_type(outs[i]);
    }
  }
  return Status::ok();
}

OpSchema make_schema(const std::string& op_type, int min_inputs, int max_inputs, OpClass op_class,
                     InferFn infer) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = min_inputs;
  s.max_inputs = max_inputs;
  s.op_class = op_class;
  s.infer = std::move(infer);
  return s;
}

TensorType make_type(DType dtype, Shape shape) { return TensorType{dtype, std::move(shape), true}; }

Status infer_same_as_input0(const InferContext& ctx, std::vector<TensorType>& outputs) {
  outputs[0] = ctx.input_type(0);
  return Status::ok();
}

int64_t flops_output_numel(const InferContext& ctx, const std::vector<TensorType>& outputs) {
  if (outputs.empty() || !outputs[0].is_static()) return 0;
  return shape_numel(outputs[0].shape);
}

}  // namespace stitch::graph
