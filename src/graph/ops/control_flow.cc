// Schemas of the control-flow ops If, Loop and Scan. Their bodies are subgraph attributes;
// output shapes depend on the data, so inference gives dtypes from the body's outputs and
// leaves shapes to the run. Part of graph/ops/.
#include "graph/ops/all_ops.h"

namespace stitch::graph {
namespace {

// Copies the dtypes of body outputs [first, first + count) to outputs [out_first, …).
Status dtypes_from_body(const Graph* body, size_t first, size_t out_first,
                        std::vector<TensorType>& outputs) {
  if (!body) return error("missing body graph attribute");
  for (size_t i = out_first; i < outputs.size(); ++i) {
    size_t b = first + (i - out_first);
    if (b >= body->outputs().size()) return error("the body has too few outputs");
    outputs[i] = TensorType{body->outputs()[b]->dtype(), {}, false};
  }
  return Status::ok();
}

Status infer_if(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Graph* then_branch = ctx.node().attr_graph("then_branch");
  const Graph* else_branch = ctx.node().attr_graph("else_branch");
  if (!then_branch || !else_branch) return error("If needs then_branch and else_branch graphs");
  if (then_branch->outputs().size() != outputs.size() ||
      else_branch->outputs().size() != outputs.size()) {
    return error("If branches must have as many outputs as the node (", outputs.size(), ")");
  }
  return dtypes_from_body(then_branch, 0, 0, outputs);
}

// Loop body outputs: (cond, carried..., scan outputs...); node outputs: (carried..., scans...).
Status infer_loop(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Graph* body = ctx.node().attr_graph("body");
  if (!body) return error("Loop needs a body graph");
  if (body->outputs().size() != outputs.size() + 1) {
    return error("Loop body has ", body->outputs().size(), " outputs, expected ",
                 outputs.size() + 1);
  }
  return dtypes_from_body(body, 1, 0, outputs);
}

Status infer_scan(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Graph* body = ctx.node().attr_graph("body");
  if (!body) return error("Scan needs a body graph");
  if (body->outputs().size() != outputs.size()) {
    return error("Scan body has ", body->outputs().size(), " outputs, the node ", outputs.size());
  }
  return dtypes_from_body(body, 0, 0, outputs);
}

}  // namespace

void register_control_flow_ops(OpRegistry& r) {
  r.add({"If", "", 1, 1, 1, -1, OpClass::kOpaque, 1, infer_if, nullptr});
  r.add({"Loop", "", 2, -1, 0, -1, OpClass::kOpaque, 1, infer_loop, nullptr});
  r.add({"Scan", "", 0, -1, 1, -1, OpClass::kOpaque, 8, infer_scan, nullptr});
}

}  // namespace stitch::graph
