// A loaded model (an .onnx file or a compiled artifact directory), an engine for it and bound
// inputs: what `run`, `bench` and `check` share. Part of driver/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "driver/engine.h"
#include "driver/model_inputs.h"
#include "graph/graph.h"

namespace stitch::driver {

struct Session {
  // The model; for an artifact, a graph of its inputs only (what input binding needs).
  std::unique_ptr<graph::Graph> graph;
  std::unique_ptr<Engine> engine;
  std::vector<Tensor> inputs;
  std::vector<std::string> output_names;  // graph-output order
  std::vector<const Tensor*> input_pointers() const;
};

// Loads the model, binds inputs (random_seed < 0: every input must be given) and creates the
// engine. A directory is a compiled artifact: it runs on the artifact engine with
// `engine.threads` threads (the compiler flags do not apply). Errors name the file or input at
// fault.
Expected<Session> open_session(const std::string& model_path, const EngineOptions& engine,
                               const std::vector<InputSpec>& inputs, int64_t random_seed);

}  // namespace stitch::driver
