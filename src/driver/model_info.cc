// Model summary for `stitch info`. Part of driver/.
#include "driver/model_info.h"

#include <cstdio>
#include <sstream>

#include "graph/op_registry.h"

namespace stitch::driver {

ModelInfo compute_model_info(const graph::Graph& graph) {
  ModelInfo info;
  for (const graph::Value* v : graph.values()) {
    if (v->constant()) {
      info.parameters += v->constant()->numel();
      info.parameter_bytes += static_cast<int64_t>(v->constant()->nbytes());
    }
  }
  const auto& registry = graph::OpRegistry::global();
  for (const graph::Node* n : graph.nodes()) {
    info.op_histogram[n->op_type()]++;
    const graph::OpSchema* schema = registry.find(n->domain(), n->op_type());
    std::vector<const graph::TensorType*> types;
    std::vector<const Tensor*> values;
    bool is_static = true;
    for (const graph::Value* in : n->inputs()) {
      types.push_back(in ? &in->type() : nullptr);
      values.push_back(in ? in->constant() : nullptr);
      if (in && !in->type().is_static()) is_static = false;
    }
    std::vector<graph::TensorType> outs;
    for (const graph::Value* out : n->outputs())
      outs.push_back(out ? out->type() : graph::TensorType{});
    for (const auto& t : outs)
      is_static = is_static && (t.is_static() || t.dtype == DType::kUndefined);
    if (!schema || !schema->flops || !is_static) {
      if (!is_static) info.nodes_without_flops++;
      continue;
    }
    graph::InferContext ctx(*n, types, values);
    info.flops += schema->flops(ctx, outs);
  }
  return info;
}

std::string format_model_info(const graph::Graph& graph, const ModelInfo& info) {
  std::ostringstream os;
  auto describe = [](const graph::Value* v) {
    std::string s = "  " + v->name() + ": " + v->type().to_string();
    bool symbolic = false;
    for (const auto& p : v->dim_params()) symbolic = symbolic || !p.empty();
    if (symbolic) {
      s += "  (symbolic:";
      for (size_t i = 0; i < v->dim_params().size(); ++i) {
        if (!v->dim_params()[i].empty())
          s += " dim " + std::to_string(i) + "=" + v->dim_params()[i];
      }
      s += ")";
    }
    return s + "\n";
  };
  os << "inputs:\n";
  for (const auto* v : graph.inputs()) os << describe(v);
  os << "outputs:\n";
  for (const auto* v : graph.outputs()) os << describe(v);
  os << "opsets:";
  for (const auto& [d, v] : graph.opset_imports())
    os << " " << (d.empty() ? "ai.onnx" : d) << "=" << v;
  os << "\nnodes: " << graph.num_nodes() << "\nops:\n";
  for (const auto& [op, count] : info.op_histogram) os << "  " << op << ": " << count << "\n";
  char buf[160];
  std::snprintf(buf, sizeof buf, "parameters: %lld (%.2f MB)\n",
                static_cast<long long>(info.parameters), info.parameter_bytes / 1e6);
  os << buf;
  std::snprintf(buf, sizeof buf, "GFLOPs: %.4f", info.flops / 1e9);
  os << buf;
  if (info.nodes_without_flops) {
    os << " (excluding " << info.nodes_without_flops << " nodes with symbolic shapes)";
  }
  os << "\n";
  return os.str();
}

}  // namespace stitch::driver
