// Lowering a partitioned graph into plan steps, control-flow bodies included. Part of driver/.
#include "driver/lower_graph.h"

#include <ostream>
#include <set>

#include "graph/body_graph.h"
#include "partition/in_place_concat.h"
#include "passes/unroll_loops.h"
#include "runtime/host_ops/host_ops.h"

namespace stitch::driver {
namespace {

bool is_string_cast(const graph::Node& n) {
  return n.domain().empty() && (n.op_type() == "Cast" || n.op_type() == "CastLike") &&
         partition::touches_strings(n);
}

bool is_control_op(const graph::Node& n) {
  return n.domain().empty() &&
         (n.op_type() == "If" || n.op_type() == "Loop" || n.op_type() == "Scan");
}

// The node of `sg` if it is one op that the runtime runs itself.
const graph::Node* runtime_node(const partition::GraphSubgraph& sg) {
  if (sg.nodes.size() != 1) return nullptr;
  return runs_in_runtime(*sg.nodes[0]) ? sg.nodes[0] : nullptr;
}

// A host node's values must have a fixed-size dtype (strings for a StringCast) and a known
// rank.
Status check_host_node(const graph::Node& n) {
  const bool strings = host_op_of(n) == "StringCast";
  for (const auto* list : {&n.inputs(), &n.outputs()}) {
    for (const graph::Value* v : *list) {
      if (!v) continue;
      const bool sized = dtype_size(v->dtype()) != 0 || (strings && v->dtype() == DType::kString);
      if (!sized || !v->type().has_shape) {
        return error("unsupported: ", n.op_type(), " (node '", n.name(), "') on value '", v->name(),
                     "' of type ", v->type().to_string(),
                     " (host ops take numeric tensors of known rank)");
      }
    }
  }
  return Status::ok();
}

// Compiled kernels are generated per shape: a kernel cannot read a value whose shape the
// runtime decides while it runs. Names the node that would, and why.
Status check_kernel_inputs(const partition::GraphSubgraph& sg) {
  for (const graph::Value* v : sg.inputs) {
    const graph::Node* p = v->producer();
    if (v->type().is_static() || !p || !runs_in_runtime(*p)) continue;
    for (const graph::Node* n : sg.nodes) {
      for (const graph::Value* in : n->inputs()) {
        if (in != v) continue;
        return error("unsupported: ", n->op_type(), " (node '", n->name(), "') reads '", v->name(),
                     "', whose shape ", v->type().to_string(), " is known only at run time (",
                     p->op_type(), " node '", p->name(),
                     "' computes it from data); compiled kernels need static shapes, so such a "
                     "value may only be a graph output or the input of another op that the "
                     "runtime runs (data-dependent ops, If, Loop, Scan)");
      }
    }
  }
  return Status::ok();
}

// The subgraph attributes a control node runs, in the order of its plan bodies.
std::vector<const graph::Graph*> bodies_of(const graph::Node& n) {
  if (n.op_type() == "If") return {n.attr_graph("then_branch"), n.attr_graph("else_branch")};
  return {n.attr_graph("body")};
}

// A compiled body runs with one set of input shapes: the states it threads (Loop-carried
// values, Scan states) must come back with the shapes they went in with.
Status check_states_keep_shape(const graph::Node& n, const std::vector<graph::TensorType>& formal,
                               const graph::Graph& body) {
  size_t first_in = 0, first_out = 0, count = 0;
  if (n.op_type() == "Loop") {
    first_in = 2;
    first_out = 1;
    count = formal.size() - 2;
  } else if (n.op_type() == "Scan") {
    const int64_t states = static_cast<int64_t>(formal.size()) - n.attr_int("num_scan_inputs", 0);
    count = static_cast<size_t>(std::max<int64_t>(states, 0));
  }
  for (size_t i = 0; i < count && first_out + i < body.outputs().size(); ++i) {
    const graph::TensorType& in = formal[first_in + i];
    const graph::TensorType& out = body.outputs()[first_out + i]->type();
    if (in.dtype == out.dtype && in.shape == out.shape) continue;
    return error("unsupported: ", n.op_type(), " (node '", n.name(), "') gives its state '",
                 body.inputs()[first_in + i]->name(), "' back as ", out.to_string(),
                 " after taking it as ", in.to_string(),
                 "; a compiled body needs states that keep their type every iteration (a Loop "
                 "with a constant trip count of at most ",
                 passes::kMaxUnrolledIterations, " is unrolled instead)");
  }
  return Status::ok();
}

// Compiles each body of control node `n` of `g` as a graph of its own.
Expected<PlannedStep> lower_control(const graph::Graph& g, const graph::Node& n,
                                    const LowerGraphOptions& options, const std::string& prefix) {
  std::vector<const graph::TensorType*> types;
  for (const graph::Value* v : n.inputs()) types.push_back(v ? &v->type() : nullptr);
  for (const graph::Value* v : n.inputs()) {
    if (v && !v->type().is_static()) {
      return error("unsupported: ", n.op_type(), " (node '", n.name(), "') reads '", v->name(),
                   "' of type ", v->type().to_string(),
                   "; compiled bodies need the static shapes of their inputs");
    }
  }
  auto formal = graph::body_input_types(n, types);
  if (!formal) return error(n.describe(), ": its inputs do not fit its attributes");
  PlannedStep step;
  step.host = &n;
  std::set<std::string> captures;
  const std::vector<const graph::Graph*> bodies = bodies_of(n);
  for (const graph::Graph* body : bodies) {
    if (!body) return error(n.describe(), ": a body graph attribute is missing");
    for (const std::string& name : graph::captured_names(*body, g)) captures.insert(name);
  }
  step.captures.assign(captures.begin(), captures.end());
  for (const std::string& name : step.captures) {
    const graph::Value* v = g.find_value(name);
    if (!v->type().is_static()) {
      return error("unsupported: a body of ", n.op_type(), " (node '", n.name(), "') reads '", name,
                   "' of type ", v->type().to_string(), "; compiled bodies need static shapes");
    }
  }
  // Bodies print what --print-after asks for too, each under a header naming it; their stage
  // times are part of the outer "lower" stage.
  LowerGraphOptions body_options = options;
  body_options.pipeline.time_stages = false;
  const bool printing = !options.pipeline.print_after.empty() && options.pipeline.log;
  for (size_t b = 0; b < bodies.size(); ++b) {
    CompiledBody cb;
    STITCH_ASSIGN_OR_RETURN(cb.graph,
                            graph::make_standalone_body(*bodies[b], *formal, g, step.captures));
    const std::string where = str_cat("in body '", bodies[b]->name(), "' of ", n.describe());
    if (printing) {
      *options.pipeline.log << "// body '" << bodies[b]->name() << "' of " << n.describe()
                            << ", compiled as a graph of its own (kernels " << prefix << "b" << b
                            << "_*)\n";
    }
    STITCH_RETURN_IF_ERROR(graph::infer_graph_types(*cb.graph).with_context(where));
    STITCH_ASSIGN_OR_RETURN(CompileResult compiled,
                            run_compile_pipeline(*cb.graph, body_options.pipeline));
    body_options.kernel_prefix = str_cat(prefix, "b", b, "_");
    auto steps = lower_graph(*cb.graph, compiled.partition, body_options);
    if (!steps.is_ok()) return steps.status().with_context(where);
    cb.steps = std::move(steps).value();
    STITCH_RETURN_IF_ERROR(check_states_keep_shape(n, *formal, *cb.graph).with_context(where));
    step.bodies.push_back(std::move(cb));
  }
  return step;
}

}  // namespace

std::string host_op_of(const graph::Node& n) {
  if (is_string_cast(n)) return "StringCast";
  if (n.domain().empty() && runtime::host_ops::find_host_op(n.op_type())) return n.op_type();
  return "";
}

std::vector<runtime::host_ops::HostAttribute> host_attributes_of(const graph::Node& n) {
  std::vector<runtime::host_ops::HostAttribute> attrs;
  if (is_string_cast(n)) {
    const int64_t to = n.op_type() == "CastLike" && n.input(1)
                           ? static_cast<int64_t>(n.input(1)->dtype())
                           : n.attr_int("to", 0);
    attrs.push_back({"to", to});
    return attrs;
  }
  for (const std::string& name : runtime::host_ops::host_op_attribute_names(n.op_type())) {
    if (n.has_attr(name)) attrs.push_back({name, n.attr_int(name, 0)});
  }
  return attrs;
}

bool runs_in_runtime(const graph::Node& n) { return is_control_op(n) || !host_op_of(n).empty(); }

Expected<std::vector<PlannedStep>> lower_graph(const graph::Graph& g,
                                               const partition::GraphPartition& p,
                                               const LowerGraphOptions& options) {
  std::vector<PlannedStep> steps;
  std::vector<std::string> problems;
  for (size_t i = 0; i < p.subgraphs.size(); ++i) {
    const partition::GraphSubgraph& sg = p.subgraphs[i];
    const std::string name = options.kernel_prefix + "k" + std::to_string(i);
    if (const graph::Node* n = runtime_node(sg)) {
      if (is_control_op(*n)) {
        auto step = lower_control(g, *n, options, name + "_");
        if (step.is_ok()) {
          steps.push_back(std::move(step).value());
        } else {
          problems.push_back(step.status().message());
        }
      } else if (Status s = check_host_node(*n); s.is_ok()) {
        PlannedStep step;
        step.host = n;
        steps.push_back(std::move(step));
      } else {
        problems.push_back(s.message());
      }
      continue;
    }
    if (sg.nodes.size() == 1 && partition::in_place_concat_offsets(*sg.nodes[0])) {
      PlannedStep step;
      step.in_place_concat = sg.nodes[0];
      steps.push_back(std::move(step));
      continue;
    }
    if (Status s = check_kernel_inputs(sg); !s.is_ok()) {
      problems.push_back(s.message());
      continue;
    }
    auto k = lower::lower_subgraph(g, sg, name, options.lower);
    if (k.is_ok()) {
      PlannedStep step;
      step.kernel = std::move(k).value();
      steps.push_back(std::move(step));
    } else {
      problems.push_back(k.status().message());
    }
  }
  if (problems.empty()) return steps;
  std::string msg =
      str_cat("cannot compile ", problems.size(), " of ", p.subgraphs.size(), " subgraphs:");
  for (const auto& m : problems) msg += "\n  " + m;
  return Status::error(msg);
}

std::vector<kir::Kernel> kernels_of(const std::vector<PlannedStep>& steps) {
  std::vector<kir::Kernel> kernels;
  for (const PlannedStep& s : steps) {
    if (s.kernel) kernels.push_back(s.kernel->kernel);
    for (const CompiledBody& b : s.bodies) {
      std::vector<kir::Kernel> inner = kernels_of(b.steps);
      kernels.insert(kernels.end(), inner.begin(), inner.end());
    }
  }
  return kernels;
}

}  // namespace stitch::driver
