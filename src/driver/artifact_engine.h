// Deployable artifacts from the driver's side: writing a CompiledModel as an artifact
// (`stitch compile -o`) and the engine that runs a loaded one (`stitch run|bench ARTIFACT`).
// Part of driver/; the format and the loader are the runtime's (runtime/artifact.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codegen/toolchain/target.h"
#include "driver/compiled_model.h"
#include "driver/engine.h"
#include "graph/graph.h"
#include "runtime/artifact.h"

namespace stitch::driver {

// Writes `model` (compiled for `target`) into the directory `dir`.
Status write_compiled_artifact(const CompiledModel& model, const toolchain::Target& target,
                               const std::string& dir);

// True when `path` names a directory, which the CLI then treats as an artifact.
bool is_artifact_path(const std::string& path);

class ArtifactEngine : public Engine {
 public:
  static Expected<std::unique_ptr<ArtifactEngine>> load(const std::string& dir, int threads);

  std::string name() const override { return "artifact"; }
  int threads() const override { return artifact_->executor().num_threads(); }
  Expected<std::vector<Tensor>> run(const std::vector<const Tensor*>& inputs) override {
    return artifact_->executor().run(inputs);
  }
  Expected<std::vector<Tensor>> run_reusing(const std::vector<const Tensor*>& inputs,
                                            std::vector<Tensor> previous) override {
    return artifact_->executor().run(inputs, std::move(previous));
  }
  runtime::Executor* executor() override { return &artifact_->executor(); }
  const runtime::ExecutionPlan& plan() const { return artifact_->plan(); }

 private:
  explicit ArtifactEngine(std::unique_ptr<runtime::LoadedArtifact> a) : artifact_(std::move(a)) {}
  std::unique_ptr<runtime::LoadedArtifact> artifact_;
};

// A graph with only the plan's inputs (names, dtypes, shapes): what input binding needs.
std::unique_ptr<graph::Graph> graph_of_plan_inputs(const runtime::ExecutionPlan& plan);

}  // namespace stitch::driver
