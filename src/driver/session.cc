// Session setup for the CLI. Part of driver/.
#include "driver/session.h"

#include "frontend/onnx/onnx_importer.h"

namespace stitch::driver {

std::vector<const Tensor*> Session::input_pointers() const {
  std::vector<const Tensor*> out;
  for (const auto& t : inputs) out.push_back(&t);
  return out;
}

Expected<Session> open_session(const std::string& model_path, const EngineOptions& engine,
                               const std::vector<InputSpec>& inputs, int64_t random_seed) {
  Session s;
  STITCH_ASSIGN_OR_RETURN(s.graph, frontend::import_onnx_file(model_path));
  STITCH_ASSIGN_OR_RETURN(s.inputs, bind_inputs(*s.graph, inputs, random_seed));
  STITCH_ASSIGN_OR_RETURN(s.engine, make_engine(*s.graph, s.input_pointers(), engine));
  return s;
}

}  // namespace stitch::driver
