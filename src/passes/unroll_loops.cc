// Loop unrolling (see unroll_loops.h). Part of passes/.
#include "passes/unroll_loops.h"

#include <map>

#include "graph/body_graph.h"
#include "graph/op_registry.h"
#include "passes/pass_util.h"

namespace stitch::passes {
namespace {

using graph::Graph;
using graph::Node;
using graph::Value;

bool is_true_constant(const Value* v) {
  return v && v->is_constant() && v->constant()->numel() == 1 && v->constant()->as_double(0) != 0;
}

// The body's condition output is its condition input passed through Identity nodes, or true.
bool condition_stays_true(const Graph& body) {
  const Value* v = body.outputs()[0];
  while (v->producer() && v->producer()->op_type() == "Identity") v = v->producer()->input(0);
  if (v == body.inputs()[1] || is_true_constant(v)) return true;
  const Node* p = v->producer();
  if (p && p->op_type() == "Constant" && p->attr_tensor("value")) {
    const Tensor* t = p->attr_tensor("value");
    return t->numel() == 1 && t->as_double(0) != 0;
  }
  return false;
}

// True when typing a standalone copy of the body leaves some value without a static shape, or
// gives a carried value back with another shape: then the body cannot be compiled once for all
// iterations.
bool body_shapes_vary(const Graph& g, const Node& loop) {
  std::vector<const graph::TensorType*> types;
  for (const Value* v : loop.inputs()) types.push_back(v ? &v->type() : nullptr);
  const Graph& body = *loop.attr_graph("body");
  auto formal = graph::body_input_types(loop, types);
  if (!formal) return false;
  auto copy = graph::make_standalone_body(body, *formal, g, graph::captured_names(body, g));
  if (!copy.is_ok() || !graph::infer_graph_types(**copy).is_ok()) return false;
  for (const Value* v : (*copy)->values()) {
    if (!v->type().is_static()) return true;
  }
  // A carried value that changes shape (a Concat that grows it) varies too.
  for (size_t i = 2; i < formal->size(); ++i) {
    if ((*copy)->outputs()[i - 1]->shape() != (*formal)[i].shape) return true;
  }
  return false;
}

// The trip count when `loop` may be unrolled, else -1.
int64_t unrollable_trip_count(const Graph& g, const Node& loop) {
  const Graph* body = loop.attr_graph("body");
  const Value* m = loop.input(0);
  if (!body || !m || !m->is_constant() || m->constant()->numel() != 1) return -1;
  if (loop.has_input(1) && !is_true_constant(loop.input(1))) return -1;
  if (body->inputs().size() != static_cast<size_t>(loop.num_inputs()) ||
      body->outputs().size() != static_cast<size_t>(loop.num_outputs()) + 1) {
    return -1;
  }
  const int64_t trip = m->constant()->as_int64(0);
  const int64_t nodes = std::max<int64_t>(body->num_nodes(), 1);
  if (trip < 1 || trip > kMaxUnrolledIterations || trip * nodes > kMaxUnrolledNodes) return -1;
  for (const Node* n : body->nodes()) {
    if (has_graph_attribute(*n)) return -1;
  }
  if (!condition_stays_true(*body) || !body_shapes_vary(g, loop)) return -1;
  return trip;
}

// Appends one iteration of `body` to `g`: body inputs read `inputs`; returns the values of the
// body outputs.
Expected<std::vector<Value*>> emit_iteration(Graph& g, const Graph& body,
                                             const std::vector<Value*>& inputs,
                                             const std::string& tag) {
  std::map<const Value*, Value*> map;
  for (size_t i = 0; i < inputs.size(); ++i) map[body.inputs()[i]] = inputs[i];
  auto value_of = [&](const Value* v) -> Expected<Value*> {
    auto it = map.find(v);
    if (it != map.end()) return it->second;
    Value* c = nullptr;
    if (v->is_constant()) {
      c = add_constant_value(g, tag + v->name(), v->constant()->clone());
    } else if (v->is_outer_scope()) {
      c = g.find_value(v->name());
      if (!c) return error("the Loop body reads '", v->name(), "', which is not defined");
    } else {
      return error("the Loop body reads '", v->name(), "' before it is defined");
    }
    map[v] = c;
    return c;
  };
  for (const Node* n : body.nodes()) {
    std::vector<Value*> ins, outs;
    for (const Value* v : n->inputs()) {
      Value* c = nullptr;
      if (v) {
        STITCH_ASSIGN_OR_RETURN(c, value_of(v));
      }
      ins.push_back(c);
    }
    for (const Value* v : n->outputs()) {
      Value* c = v ? add_temp_value(g, tag + v->name(), v->type()) : nullptr;
      if (v) map[v] = c;
      outs.push_back(c);
    }
    Node* m = g.add_node(n->op_type(), g.unique_name(tag + n->name()), ins, outs, n->domain(),
                         n->opset());
    for (const auto& [name, a] : n->attributes()) m->set_attr(name, *clone_attribute(a));
  }
  std::vector<Value*> outs;
  for (const Value* v : body.outputs()) {
    STITCH_ASSIGN_OR_RETURN(Value * c, value_of(v));
    outs.push_back(c);
  }
  return outs;
}

Status unroll(Graph& g, Node* loop, int64_t trip) {
  // The body dies with the node, which goes before its copies come in.
  const std::unique_ptr<Graph> body_copy = graph::copy_graph(*loop->attr_graph("body"));
  const Graph& body = *body_copy;
  const std::string base = loop->name().empty() ? "loop" : loop->name();
  const size_t n_carried = static_cast<size_t>(loop->num_inputs() - 2);
  const size_t n_scan = static_cast<size_t>(loop->num_outputs()) - n_carried;
  std::vector<Value*> carried(loop->inputs().begin() + 2, loop->inputs().end());
  std::vector<Value*> results(loop->outputs());
  std::vector<std::vector<Value*>> scans(n_scan);
  const int opset = loop->opset();
  Value* truth = add_constant_value(g, base + "_true", Tensor::scalar<bool>(true));
  Value* axis0 = add_constant_value(g, base + "_axis0", Tensor::from_vector<int64_t>({0}, {1}));
  g.remove_node(loop);
  for (int64_t it = 0; it < trip; ++it) {
    const std::string tag = base + "_it" + std::to_string(it) + "_";
    std::vector<Value*> inputs = {
        add_constant_value(g, tag + "iteration", Tensor::scalar<int64_t>(it)), truth};
    inputs.insert(inputs.end(), carried.begin(), carried.end());
    STITCH_ASSIGN_OR_RETURN(auto outs, emit_iteration(g, body, inputs, tag));
    for (size_t i = 0; i < n_carried; ++i) carried[i] = outs[1 + i];
    for (size_t k = 0; k < n_scan; ++k) {
      Value* part = add_temp_value(g, tag + "scan" + std::to_string(k), {});
      g.add_node("Unsqueeze", g.unique_name(tag + "unsqueeze"), {outs[1 + n_carried + k], axis0},
                 {part}, "", std::max(opset, 13));
      scans[k].push_back(part);
    }
  }
  // The Loop's outputs keep their values (and names): Identity of the last carried values, a
  // Concat of the scan parts.
  for (size_t i = 0; i < n_carried; ++i) {
    if (results[i])
      g.add_node("Identity", g.unique_name(base + "_result"), {carried[i]}, {results[i]}, "",
                 std::max(opset, 13));
  }
  for (size_t k = 0; k < n_scan; ++k) {
    Value* out = results[n_carried + k];
    if (!out) continue;
    Node* concat = g.add_node("Concat", g.unique_name(base + "_scan"), scans[k], {out}, "",
                              std::max(opset, 13));
    concat->set_attr("axis", graph::Attribute::of_int(0));
  }
  return Status::ok();
}

class UnrollLoops : public Pass {
 public:
  std::string name() const override { return "unroll_loops"; }
  Expected<bool> run(Graph& g) override {
    bool changed = false;
    for (Node* n : g.nodes()) {
      if (!n->domain().empty() || n->op_type() != "Loop") continue;
      const int64_t trip = unrollable_trip_count(g, *n);
      if (trip < 0) continue;
      const std::string where = n->describe();  // n is gone once unrolled
      STITCH_RETURN_IF_ERROR(unroll(g, n, trip).with_context(where));
      changed = true;
    }
    if (!changed) return false;
    STITCH_RETURN_IF_ERROR(finish_edits(g));
    STITCH_RETURN_IF_ERROR(graph::infer_graph_types(g));
    return true;
  }
};

}  // namespace

std::unique_ptr<Pass> make_unroll_loops_pass() { return std::make_unique<UnrollLoops>(); }

}  // namespace stitch::passes
