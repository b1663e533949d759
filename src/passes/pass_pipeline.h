// The pass pipeline: the ordered list of graph passes the driver runs between the frontend and
// the partitioner, groups of passes iterated to a fixed point, shape inference re-run after
// every change, and a hook after each pass (to print the IR for --print-after, or time it).
// Part of passes/.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "passes/constant_folding.h"
#include "passes/layout_assignment.h"
#include "passes/pass.h"

namespace stitch::passes {

struct PipelineOptions {
  ConstantFoldingOptions constant_folding;
  // Blocked channel layouts for conv chains (layout_assignment.h), after simplification.
  bool layout_assignment = true;
  LayoutAssignmentOptions layout;
  // Rounds of a fixed-point group before giving up on reaching the fixed point (not an error:
  // the graph is valid after every round).
  int max_rounds = 8;
  // Check use-lists and order after every pass (tests; costs a walk of the graph).
  bool verify_after_each_pass = false;
};

// What the hook after each pass sees.
struct PassEvent {
  const Pass& pass;
  const graph::Graph& graph;
  bool changed = false;
  double seconds = 0.0;  // wall time of the pass alone (inference and verification excluded)
  int round = 0;         // 0-based round of the pass's fixed-point group
};
using AfterPassFn = std::function<void(const PassEvent&)>;

class PassPipeline {
 public:
  explicit PassPipeline(const PipelineOptions& options = {})
      : max_rounds_(options.max_rounds), verify_(options.verify_after_each_pass) {}
  // Appends a pass run once.
  void add(std::unique_ptr<Pass> pass);
  // Appends passes run in order, round after round, until a round changes nothing.
  void add_fixed_point(std::vector<std::unique_ptr<Pass>> passes);
  void set_after_pass(AfterPassFn fn) { after_pass_ = std::move(fn); }
  // The names of the passes in order (each once).
  std::vector<std::string> pass_names() const;

  // Runs every stage; infers types again after each pass that changed the graph. Returns
  // whether anything changed. Errors name the pass.
  Expected<bool> run(graph::Graph& graph) const;

 private:
  struct Stage {
    std::vector<std::unique_ptr<Pass>> passes;
    bool fixed_point = false;
  };
  Expected<bool> run_pass(Pass& pass, graph::Graph& graph, int round) const;

  std::vector<Stage> stages_;
  AfterPassFn after_pass_;
  int max_rounds_;
  bool verify_;
};

// The default order: canonicalize (Gemm → MatMul + Add, no-ops out), then constant folding,
// training-mode BatchNorm decomposition, BatchNorm and affine folding, CSE and DCE to a fixed
// point; then layout assignment (NCHW8c) and DCE again.
PassPipeline make_default_pipeline(const PipelineOptions& options = {});

}  // namespace stitch::passes
