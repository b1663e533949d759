// Engines the CLI can run a model with: the reference interpreter and native code compiled in
// process (here), or a compiled artifact loaded from disk (artifact_engine.h). Part of driver/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "driver/compiled_model.h"
#include "graph/graph.h"
#include "support/tensor.h"

namespace stitch::driver {

struct EngineOptions {
  std::string name = "reference";
  bool name_given = false;  // --engine was on the command line (an artifact refuses "reference")
  int threads = 1;
  // The compiled engine's compiler settings (fusion policy, target, cache, prints, timing).
  CompiledModelOptions compiled;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  // Threads the engine really uses (the reference interpreter is single-threaded).
  virtual int threads() const = 0;
  virtual Expected<std::vector<Tensor>> run(const std::vector<const Tensor*>& inputs) = 0;
  // run() that may write into the storage of `previous` (an earlier run's outputs, handed
  // back) instead of allocating outputs anew; see runtime::Executor::run. The reference
  // engine ignores `previous`.
  virtual Expected<std::vector<Tensor>> run_reusing(const std::vector<const Tensor*>& inputs,
                                                    std::vector<Tensor> previous) {
    (void)previous;
    return run(inputs);
  }
  // The compiled model behind a compiled engine (reports); nullptr otherwise.
  virtual CompiledModel* compiled_model() { return nullptr; }
  // The plan executor of a compiled or artifact engine (profiling); nullptr otherwise.
  virtual runtime::Executor* executor() { return nullptr; }
};

// The engines this build offers, for --help and errors.
std::vector<std::string> engine_names();
// The graph must outlive the engine. The compiled engine optimizes `graph` in place and
// specializes symbolic input dims to `example_inputs`.
Expected<std::unique_ptr<Engine>> make_engine(graph::Graph& graph,
                                              const std::vector<const Tensor*>& example_inputs,
                                              const EngineOptions& opt);

}  // namespace stitch::driver
