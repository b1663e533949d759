// Engine selection: the reference interpreter, or native code compiled in process.
// Part of driver/.
#include "driver/engine.h"

#include "reference/interpreter.h"

namespace stitch::driver {
namespace {

class ReferenceEngine : public Engine {
 public:
  explicit ReferenceEngine(std::unique_ptr<reference::Interpreter> interp)
      : interp_(std::move(interp)) {}
  std::string name() const override { return "reference"; }
  int threads() const override { return 1; }
  Expected<std::vector<Tensor>> run(const std::vector<const Tensor*>& inputs) override {
    return interp_->run(inputs);
  }

 private:
  std::unique_ptr<reference::Interpreter> interp_;
};

class CompiledEngine : public Engine {
 public:
  explicit CompiledEngine(std::unique_ptr<CompiledModel> model) : model_(std::move(model)) {}
  std::string name() const override { return "compiled"; }
  int threads() const override { return model_->executor().num_threads(); }
  Expected<std::vector<Tensor>> run(const std::vector<const Tensor*>& inputs) override {
    return model_->run(inputs);
  }
  Expected<std::vector<Tensor>> run_reusing(const std::vector<const Tensor*>& inputs,
                                            std::vector<Tensor> previous) override {
    return model_->executor().run(inputs, std::move(previous));
  }
  CompiledModel* compiled_model() override { return model_.get(); }
  runtime::Executor* executor() override { return &model_->executor(); }

 private:
  std::unique_ptr<CompiledModel> model_;
};

}  // namespace

std::vector<std::string> engine_names() { return {"compiled", "reference"}; }

Expected<std::unique_ptr<Engine>> make_engine(graph::Graph& graph,
                                              const std::vector<const Tensor*>& example_inputs,
                                              const EngineOptions& opt) {
  if (opt.threads < 1) return error("--threads must be at least 1, got ", opt.threads);
  if (opt.name == "reference") {
    STITCH_ASSIGN_OR_RETURN(auto interp, reference::Interpreter::create(graph));
    return std::unique_ptr<Engine>(new ReferenceEngine(std::move(interp)));
  }
  if (opt.name == "compiled") {
    CompiledModelOptions co = opt.compiled;
    co.threads = opt.threads;
    STITCH_ASSIGN_OR_RETURN(auto model, CompiledModel::compile(graph, example_inputs, co));
    return std::unique_ptr<Engine>(new CompiledEngine(std::move(model)));
  }
  return error("unknown engine '", opt.name, "' (available: compiled, reference)");
}

}  // namespace stitch::driver
