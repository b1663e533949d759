// Compiles a graph into native code and an execution plan, in process: passes → partition →
// lower → emit C++ → system compiler → dlopen → runtime executor (DESIGN 2). Part of driver/;
// the `compiled` engine of the CLI; artifact_engine.h writes it as a deployable artifact.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "codegen/toolchain/toolchain.h"
#include "driver/compile_pipeline.h"
#include "lower/lower_subgraph.h"
#include "runtime/executor.h"
#include "runtime/shared_object.h"

namespace stitch::driver {

struct CompiledModelOptions {
  CompileOptions pipeline;  // passes, partition policy, --print-after, --time-stages
  lower::LowerOptions lower;
  toolchain::ToolchainOptions toolchain;
  int threads = 1;
  // Prepended to every kernel name ("k0" -> prefix + "k0"), so that the kernels of many models
  // can live in one library without their symbols clashing.
  std::string kernel_prefix;
  // Replaces toolchain::Toolchain::build for the emitted units when set, so that a caller can
  // build the kernels of many models together (tests/conformance batches them); the library it
  // returns is loaded as usual.
  std::function<Expected<toolchain::BuildResult>(const std::vector<toolchain::TranslationUnit>&)>
      build_units;
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
  // shapes of `example_inputs` first (the compiled code is shape-specialized), and inputs that
  // decide shapes to their values (with a guard; driver/specialize_inputs.h).
  static Expected<std::unique_ptr<CompiledModel>> compile(
      graph::Graph& graph, const std::vector<const Tensor*>& example_inputs,
      const CompiledModelOptions& options);

  Expected<std::vector<Tensor>> run(const std::vector<const Tensor*>& inputs) {
    return executor_->run(inputs);
  }
  runtime::Executor& executor() { return *executor_; }
  const CompileReport& report() const { return report_; }
  // What an artifact stores: the plan, the constants and the kernels library (its path in the
  // kernel cache; empty when the model needs no kernels).
  const runtime::ExecutionPlan& plan() const { return executor_->plan(); }
  const std::shared_ptr<const runtime::ConstantPool>& constants() const {
    return executor_->constants();
  }
  std::string library_path() const { return library_ ? library_->path() : std::string(); }

 private:
  CompiledModel() = default;
  std::optional<runtime::SharedObject> library_;  // set once built; outlives the executor
  std::unique_ptr<runtime::Executor> executor_;
  CompileReport report_;
};

}  // namespace stitch::driver
