// Compiles a graph into native code and an execution plan, in process: passes → partition →
// lower → emit C++ → system compiler → dlopen → runtime executor (DESIGN 2). Part of driver/;
// the `compiled` engine of the CLI. Writing the plan as a deployable artifact comes next.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "codegen/toolchain/shared_object.h"
#include "codegen/toolchain/toolchain.h"
#include "driver/compile_pipeline.h"
#include "lower/lower_subgraph.h"
#include "runtime/executor.h"

namespace stitch::driver {

struct CompiledModelOptions {
  CompileOptions pipeline;  // passes, partition policy, --print-after, --time-stages
  lower::LowerOptions lower;
  toolchain::ToolchainOptions toolchain;
  int threads = 1;
};

struct CompileReport {
  int kernels = 0;
  int64_t arena_bytes = 0;
  int64_t sum_of_intermediates = 0;
  bool cache_hit = false;
  std::vector<StageTime> stage_times;  // pipeline stages, then lower, emit, build, plan
};

class CompiledModel {
 public:
  // `graph` is optimized in place. Graph inputs with symbolic dims are specialized to the
  // shapes of `example_inputs` first (the compiled code is shape-specialized).
  static Expected<std::unique_ptr<CompiledModel>> compile(
      graph::Graph& graph, const std::vector<const Tensor*>& example_inputs,
      const CompiledModelOptions& options);

  Expected<std::vector<Tensor>> run(const std::vector<const Tensor*>& inputs) {
    return executor_->run(inputs);
  }
  runtime::Executor& executor() { return *executor_; }
  const CompileReport& report() const { return report_; }

 private:
  CompiledModel() = default;
  static Expected<std::unique_ptr<CompiledModel>> finish_without_kernels(
      std::unique_ptr<CompiledModel> m, const graph::Graph& graph,
      const CompiledModelOptions& options);
  std::optional<toolchain::SharedObject> library_;  // set once built; outlives the executor
  std::unique_ptr<runtime::Executor> executor_;
  CompileReport report_;
};

// Gives graph inputs with unknown dims the shapes of the given tensors and re-infers types.
Status specialize_input_shapes(graph::Graph& graph, const std::vector<const Tensor*>& inputs);

}  // namespace stitch::driver
