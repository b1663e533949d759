// Copies of control-flow bodies (If branches, Loop and Scan bodies). A body reads values of the
// graphs around it by name; a *standalone* copy turns those reads into inputs or constants of its
// own, so that it can be type-inferred, optimized and compiled like a top-level graph. Part of
// graph/; used by the control-flow schemas (graph/ops/control_flow.cc) to infer output shapes
// and by the driver to compile bodies (driver/control_flow_steps.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace stitch::graph {

// A deep copy of `a`; a subgraph is copied with copy_graph.
Attribute copy_attribute(const Attribute& a);

// A deep copy of `g`, nested bodies included; values it reads from outside stay outer-scope
// reads of the same names.
std::unique_ptr<Graph> copy_graph(const Graph& g);

// The outer names `body` (or a body nested in it) reads that `scope` defines as something other
// than a constant, sorted: what a standalone copy takes as captured inputs.
std::vector<std::string> captured_names(const Graph& body, const Graph& scope);

// `body` as a graph of its own. Its inputs are its formal inputs, typed `formal_types` (the
// types the node gives them, which may be more precise than the body's declarations), followed
// by `captures` (the values of those names in `scope`, the graph that holds the control-flow
// node, with their types). Any other outer name must be a constant of `scope`; it is copied in.
// Errors name a formal input count that does not match or an outer name `scope` cannot give.
Expected<std::unique_ptr<Graph>> make_standalone_body(const Graph& body,
                                                      const std::vector<TensorType>& formal_types,
                                                      const Graph& scope,
                                                      const std::vector<std::string>& captures);

// Scan's attributes in one form for both of its versions. Scan 9+: inputs (states..., scan
// inputs...) with per-input and per-output axes and directions (1 = reversed). Scan 8 (opset
// < 9): a leading sequence_lens input and a batch axis 0 on every input and output; its scan
// axes are 0 once the batch axis is removed, and only its inputs have directions.
struct ScanAttributes {
  bool batched = false;  // Scan 8
  int64_t num_states = 0;
  std::vector<int64_t> input_axes, input_reverse, output_axes, output_reverse;
};
// Errors when num_scan_inputs does not fit the node's inputs and outputs, or an axes or
// directions list has the wrong length.
Expected<ScanAttributes> scan_attributes(const Node& n);

// The types a control-flow node (If, Loop, Scan) gives its body's formal inputs, from the
// node's input types: If: none; Loop: (int64 iteration, bool condition, carried...); Scan 9:
// (states..., scan inputs without their scan axis); Scan 8: the same without the batch axis 0.
// nullopt when an input's shape is unknown or the attributes do not fit the inputs.
std::optional<std::vector<TensorType>> body_input_types(
    const Node& node, const std::vector<const TensorType*>& input_types);

}  // namespace stitch::graph
