// Engine selection. Part of driver/.
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

}  // namespace

std::vector<std::string> engine_names() { return {"reference"}; }

Expected<std::unique_ptr<Engine>> make_engine(const graph::Graph& graph, const EngineOptions& opt) {
  if (opt.threads < 1) return error("--threads must be at least 1, got ", opt.threads);
  if (opt.name == "reference") {
    STITCH_ASSIGN_OR_RETURN(auto interp, reference::Interpreter::create(graph));
    return std::unique_ptr<Engine>(new ReferenceEngine(std::move(interp)));
  }
  if (opt.name == "compiled") {
    return error(
        "engine 'compiled' is not implemented yet (the compiler is the next milestone); "
        "use --engine reference");
  }
  return error("unknown engine '", opt.name, "' (available: reference)");
}

}  // namespace stitch::driver
