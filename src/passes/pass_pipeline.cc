// The pass pipeline: runs stages in order, fixed-point groups round after round, re-infers
// types after each change, and calls the hook after every pass. Part of passes/.
#include "passes/pass_pipeline.h"

#include <chrono>

#include "graph/op_registry.h"
#include "passes/canonicalize.h"
#include "passes/common_subexpression_elimination.h"
#include "passes/dead_code_elimination.h"
#include "passes/decompose_batchnorm_training.h"
#include "passes/fold_affine.h"
#include "passes/fold_batchnorm.h"
#include "passes/layout_assignment.h"
#include "passes/pack_matmul_weights.h"
#include "passes/pass_util.h"
#include "passes/unroll_loops.h"

namespace stitch::passes {

void PassPipeline::add(std::unique_ptr<Pass> pass) {
  Stage s;
  s.passes.push_back(std::move(pass));
  stages_.push_back(std::move(s));
}

void PassPipeline::add_fixed_point(std::vector<std::unique_ptr<Pass>> passes) {
  Stage s;
  s.passes = std::move(passes);
  s.fixed_point = true;
  stages_.push_back(std::move(s));
}

std::vector<std::string> PassPipeline::pass_names() const {
  std::vector<std::string> names;
  for (const Stage& s : stages_) {
    for (const auto& p : s.passes) names.push_back(p->name());
  }
  return names;
}

Expected<bool> PassPipeline::run_pass(Pass& pass, graph::Graph& graph, int round) const {
  auto start = std::chrono::steady_clock::now();
  Expected<bool> changed = pass.run(graph);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!changed.is_ok()) return changed.status().with_context("pass " + pass.name());
  if (*changed) {
    STITCH_RETURN_IF_ERROR(
        graph::infer_graph_types(graph).with_context("shape inference after pass " + pass.name()));
  }
  if (verify_) {
    STITCH_RETURN_IF_ERROR(verify_graph(graph).with_context("after pass " + pass.name()));
  }
  if (after_pass_) after_pass_(PassEvent{pass, graph, *changed, seconds, round});
  return *changed;
}

Expected<bool> PassPipeline::run(graph::Graph& graph) const {
  // Passes match on static shapes; make sure they are current.
  STITCH_RETURN_IF_ERROR(graph::infer_graph_types(graph).with_context("shape inference"));
  bool any = false;
  for (const Stage& stage : stages_) {
    int rounds = stage.fixed_point ? max_rounds_ : 1;
    for (int round = 0; round < rounds; ++round) {
      bool changed = false;
      for (const auto& pass : stage.passes) {
        STITCH_ASSIGN_OR_RETURN(bool c, run_pass(*pass, graph, round));
        changed = changed || c;
      }
      any = any || changed;
      if (!changed) break;
    }
  }
  return any;
}

PassPipeline make_default_pipeline(const PipelineOptions& options) {
  PassPipeline p(options);
  std::vector<std::unique_ptr<Pass>> group;
  group.push_back(make_unroll_loops_pass());
  group.push_back(make_canonicalize_pass());
  group.push_back(make_constant_folding_pass(options.constant_folding));
  group.push_back(make_decompose_batchnorm_training_pass());
  group.push_back(make_fold_batchnorm_pass());
  group.push_back(make_fold_affine_pass());
  group.push_back(make_common_subexpression_elimination_pass());
  group.push_back(make_dead_code_elimination_pass());
  p.add_fixed_point(std::move(group));
  if (options.layout_assignment) {
    // Once the graph is simplified: blocking needs the folded weights and final channel counts.
    p.add(make_layout_assignment_pass(options.layout));
    p.add(make_pack_matmul_weights_pass());
    p.add(make_dead_code_elimination_pass());
  }
  return p;
}

}  // namespace stitch::passes
