// Maps old-opset forms of ONNX ops onto the canonical forms of the op registry (attributes that
// later became inputs, renamed ops). Part of frontend/onnx/; runs on each node as it is imported.
#pragma once

#include "graph/graph.h"

namespace stitch::frontend {

// Rewrites `node` in place (may add constant inputs to `graph`). Needs the types of the node's
// inputs already inferred where a constant must match an input's dtype (Clip < 11).
Status canonicalize_node(graph::Graph& graph, graph::Node* node);

}  // namespace stitch::frontend
