// The reference interpreter: runs a graph node by node with the reference kernels. It is the
// numerical oracle for every compiled result, so it favours clarity over speed. Part of
// reference/; also runs If/Loop/Scan bodies for the control-flow kernels.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "graph/graph.h"
#include "reference/kernel_registry.h"

namespace stitch::reference {

class Interpreter {
 public:
  // Fails, listing every node at once, when some op has no reference kernel.
  static Expected<std::unique_ptr<Interpreter>> create(const graph::Graph& graph);

  // Runs the graph. `inputs` are bound to graph.inputs() in order; their dtypes must match and
  // their shapes must agree with every known dim (symbolic dims take the given size).
  // Returns the outputs in graph-output order.
  Expected<std::vector<Tensor>> run(const std::vector<const Tensor*>& inputs) const;

  // Runs a subgraph (If/Loop/Scan body) from inside a kernel: names the body reads from
  // enclosing graphs resolve against the frames that are running now.
  Expected<std::vector<Tensor>> run_subgraph(const graph::Graph& body,
                                             const std::vector<const Tensor*>& inputs) const;

 private:
  struct Frame;
  explicit Interpreter(const graph::Graph& graph) : graph_(graph) {}
  Expected<std::vector<Tensor>> run_graph(const graph::Graph& g,
                                          const std::vector<const Tensor*>& inputs,
                                          bool check_inputs) const;
  Status run_node(const graph::Node& n, Frame& frame) const;
  const Tensor* lookup(const Frame& frame, const graph::Value* v) const;

  const graph::Graph& graph_;
  // Frames of the graphs running now, innermost last (interpretation is single-threaded).
  mutable std::vector<const Frame*> frames_;
};

// Lists "op (domain, opset) in node 'name'" for every node in `graph` (and its subgraphs)
// that has no reference kernel.
std::vector<std::string> find_missing_kernels(const graph::Graph& graph);

}  // namespace stitch::reference
