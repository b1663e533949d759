// The graph-pass interface: a named rewrite of the graph IR that reports whether it changed
// anything. Part of passes/, run in order by the pass pipeline (pass_pipeline.h).
//
// A pass keeps the graph valid: use-lists right (edits go through Graph's methods), nodes in
// topological order, graph outputs under their names, and semantics unchanged up to float
// rounding. Passes hold no global state and read no environment; options come in a struct.
#pragma once

#include <memory>
#include <string>

#include "graph/graph.h"
#include "support/status.h"

namespace stitch::passes {

class Pass {
 public:
  virtual ~Pass() = default;
  // Short snake_case name, the one `--print-after=NAME` takes ("constant_folding").
  virtual std::string name() const = 0;
  // Rewrites `graph`; true when it changed. Errors carry the pass and node context.
  virtual Expected<bool> run(graph::Graph& graph) = 0;
};

}  // namespace stitch::passes
