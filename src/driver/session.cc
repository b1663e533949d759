// Session setup for the CLI. Part of driver/.
#include "driver/session.h"

#include "driver/artifact_engine.h"
#include "frontend/onnx/onnx_importer.h"

namespace stitch::driver {

std::vector<const Tensor*> Session::input_pointers() const {
  std::vector<const Tensor*> out;
  for (const auto& t : inputs) out.push_back(&t);
  return out;
}

namespace {

Expected<Session> open_artifact_session(const std::string& dir, const EngineOptions& engine,
                                        const std::vector<InputSpec>& inputs, int64_t random_seed) {
  if (engine.name_given && engine.name != "compiled") {
    return error("'", dir, "' is a compiled artifact: it runs on the compiled code, not --engine ",
                 engine.name, " (give the .onnx model for that)");
  }
  STITCH_ASSIGN_OR_RETURN(auto artifact, ArtifactEngine::load(dir, engine.threads));
  Session s;
  s.graph = graph_of_plan_inputs(artifact->plan());
  for (int32_t id : artifact->plan().outputs) {
    s.output_names.push_back(artifact->plan().buffers[id].name);
  }
  STITCH_ASSIGN_OR_RETURN(s.inputs, bind_inputs(*s.graph, inputs, random_seed));
  s.engine = std::move(artifact);
  return s;
}

}  // namespace

Expected<Session> open_session(const std::string& model_path, const EngineOptions& engine,
                               const std::vector<InputSpec>& inputs, int64_t random_seed) {
  if (is_artifact_path(model_path)) {
    return open_artifact_session(model_path, engine, inputs, random_seed);
  }
  Session s;
  STITCH_ASSIGN_OR_RETURN(s.graph, frontend::import_onnx_file(model_path));
  for (const graph::Value* v : s.graph->outputs()) s.output_names.push_back(v->name());
  STITCH_ASSIGN_OR_RETURN(s.inputs, bind_inputs(*s.graph, inputs, random_seed));
  STITCH_ASSIGN_OR_RETURN(s.engine, make_engine(*s.graph, s.input_pointers(), engine));
  return s;
}

}  // namespace stitch::driver
