// Artifact writing and the artifact engine. Part of driver/.
#include "driver/artifact_engine.h"

#include <filesystem>

namespace stitch::driver {

Status write_compiled_artifact(const CompiledModel& model, const toolchain::Target& target,
                               const std::string& dir) {
  runtime::ArtifactMetadata metadata{"stitch 0.1.0", target.name()};
  const runtime::ConstantPool no_constants;
  const runtime::ConstantPool& constants = model.constants() ? *model.constants() : no_constants;
  Status s = runtime::write_artifact(dir, metadata, model.plan(), constants, model.library_path());
  return s.with_context("writing the artifact '" + dir + "'");
}

bool is_artifact_path(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

Expected<std::unique_ptr<ArtifactEngine>> ArtifactEngine::load(const std::string& dir,
                                                               int threads) {
  if (threads < 1) return error("--threads must be at least 1, got ", threads);
  STITCH_ASSIGN_OR_RETURN(auto artifact, runtime::LoadedArtifact::load(dir, threads));
  return std::unique_ptr<ArtifactEngine>(new ArtifactEngine(std::move(artifact)));
}

std::unique_ptr<graph::Graph> graph_of_plan_inputs(const runtime::ExecutionPlan& plan) {
  auto g = std::make_unique<graph::Graph>();
  for (int32_t id : plan.inputs) {
    const runtime::PlanBuffer& b = plan.buffers[id];
    g->add_input(g->add_value(b.name, graph::TensorType{b.dtype, b.shape, true}));
  }
  return g;
}

}  // namespace stitch::driver
