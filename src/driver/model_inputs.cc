// Input binding for the CLI. Part of driver/.
#include "driver/model_inputs.h"

#include <random>

#include "frontend/onnx/onnx_importer.h"
#include "support/npy.h"

namespace stitch::driver {

InputSpec parse_input_spec(const std::string& arg) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return {"", arg};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

Expected<Tensor> load_tensor_file(const std::string& path) {
  auto npy = read_npy(path);
  if (npy.is_ok()) return npy;
  if (npy.status().message().find("not a NumPy") == std::string::npos) return npy.status();
  auto pb = frontend::load_tensor_proto_file(path);
  if (pb.is_ok()) return pb;
  return error("'", path, "' is neither a NumPy .npy file nor an ONNX TensorProto .pb file (",
               pb.status().message(), ")");
}

Tensor random_tensor(const graph::TensorType& type, uint64_t seed) {
  Shape shape = type.shape;
  for (int64_t& d : shape) d = d < 0 ? 1 : d;
  Tensor t(type.dtype, shape);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> real(-1.0, 1.0);
  std::uniform_int_distribution<int> small(0, 9);
  Status s = visit_numeric(type.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = small(rng) % 2 == 0;
      } else if (dtype_is_float(kDTypeOf<T>)) {
        p[i] = static_cast<T>(static_cast<ComputeType<T>>(real(rng)));
      } else {
        p[i] = static_cast<T>(small(rng));
      }
    }
    return Status::ok();
  });
  (void)s;  // strings stay empty
  return t;
}

namespace {

Status check_bound(const graph::Value& v, const Tensor& t, const std::string& path) {
  if (v.dtype() != DType::kUndefined && t.dtype() != v.dtype()) {
    return error("input '", v.name(), "' expects ", dtype_name(v.dtype()), " but '", path,
                 "' holds ", t.type_string());
  }
  if (!v.type().has_shape) return Status::ok();
  bool ok = static_cast<size_t>(t.rank()) == v.shape().size();
  for (size_t i = 0; ok && i < v.shape().size(); ++i) {
    ok = v.shape()[i] < 0 || v.shape()[i] == t.dim(static_cast<int64_t>(i));
  }
  if (!ok) {
    return error("input '", v.name(), "' expects shape ", shape_to_string(v.shape()), " but '",
                 path, "' holds ", t.type_string());
  }
  return Status::ok();
}

}  // namespace

Expected<std::vector<Tensor>> bind_inputs(const graph::Graph& graph,
                                          const std::vector<InputSpec>& specs,
                                          int64_t random_seed) {
  const auto& inputs = graph.inputs();
  std::vector<Tensor> bound(inputs.size());
  std::vector<std::string> sources(inputs.size());
  auto index_of = [&](const std::string& name) -> int {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i]->name() == name) return static_cast<int>(i);
    }
    return -1;
  };
  size_t next_positional = 0;
  for (const auto& spec : specs) {
    int idx;
    if (!spec.name.empty()) {
      idx = index_of(spec.name);
      if (idx < 0) {
        std::string names;
        for (const auto* v : inputs) names += (names.empty() ? "" : ", ") + v->name();
        return error("the model has no input named '", spec.name, "' (inputs: ", names, ")");
      }
    } else {
      while (next_positional < inputs.size() && bound[next_positional].defined()) ++next_positional;
      if (next_positional >= inputs.size()) {
        return error("too many input files: the model takes ", inputs.size(), " inputs");
      }
      idx = static_cast<int>(next_positional);
    }
    if (bound[idx].defined()) return error("input '", inputs[idx]->name(), "' is given twice");
    STITCH_ASSIGN_OR_RETURN(bound[idx], load_tensor_file(spec.path));
    STITCH_RETURN_IF_ERROR(check_bound(*inputs[idx], bound[idx], spec.path));
  }
  std::vector<std::string> missing;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (bound[i].defined()) continue;
    if (random_seed >= 0) {
      bound[i] = random_tensor(inputs[i]->type(), static_cast<uint64_t>(random_seed) + i);
    } else {
      missing.push_back(inputs[i]->name() + " (" + inputs[i]->type().to_string() + ")");
    }
  }
  if (!missing.empty()) {
    std::string msg = "missing input";
    msg += missing.size() > 1 ? "s: " : ": ";
    for (size_t i = 0; i < missing.size(); ++i) msg += (i ? ", " : "") + missing[i];
    return Status::error(msg + " (give --input NAME=FILE, or --random-inputs SEED)");
  }
  return bound;
}

}  // namespace stitch::driver
