// The thin C++ API over the C API (stitch.h): RAII ownership of a loaded model, and errors as
// exceptions (stitch::Error, carrying the C status and message). Part of include/stitch/;
// header-only, C++17, it adds nothing the C API does not do. The same rules hold: a Model runs
// one call at a time; outputs() of the last run belong to the Model.
//
//   stitch::Model model = stitch::Model::load("resnet.stitch", /*num_threads=*/4);
//   std::vector<float> x(model.inputs()[0].size_bytes / sizeof(float));
//   model.run({x.data()});
//   const float* y = model.output<float>(0);
#ifndef STITCH_STITCH_HPP_
#define STITCH_STITCH_HPP_

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "stitch/stitch.h"

namespace stitch {

class Error : public std::runtime_error {
 public:
  Error(stitch_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  stitch_status status() const { return status_; }

 private:
  stitch_status status_;
};

struct TensorInfo {
  std::string name;
  stitch_dtype dtype = STITCH_DTYPE_UNDEFINED;
  std::vector<int64_t> dims;
  size_t size_bytes = 0;
};

namespace detail {
inline void check(stitch_status s) {
  if (s != STITCH_OK) throw Error(s, stitch_last_error());
}
}  // namespace detail

class Model {
 public:
  // Throws Error (STITCH_ERROR_LOAD with the loader's message) if the artifact cannot load.
  static Model load(const std::string& artifact_dir, int num_threads = 1) {
    stitch_model* m = nullptr;
    detail::check(stitch_model_load(artifact_dir.c_str(), num_threads, &m));
    return Model(m);
  }

  Model(Model&& other) noexcept : model_(std::exchange(other.model_, nullptr)) {
    inputs_ = std::move(other.inputs_);
    outputs_ = std::move(other.outputs_);
  }
  Model& operator=(Model&& other) noexcept {
    if (this != &other) {
      stitch_model_free(model_);
      model_ = std::exchange(other.model_, nullptr);
      inputs_ = std::move(other.inputs_);
      outputs_ = std::move(other.outputs_);
    }
    return *this;
  }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model() { stitch_model_free(model_); }

  const std::vector<TensorInfo>& inputs() const { return inputs_; }
  const std::vector<TensorInfo>& outputs() const { return outputs_; }

  // Runs on caller-owned input buffers (graph order, inputs()[i].size_bytes each); the outputs
  // stay in the model until the next run: read them with output_data / output<T>.
  void run(const std::vector<const void*>& inputs) {
    detail::check(stitch_model_run(model_, inputs.data(), inputs.size()));
  }
  const void* output_data(size_t index) const {
    const void* data = nullptr;
    detail::check(stitch_model_output_data(model_, index, &data));
    return data;
  }
  template <typename T>
  const T* output(size_t index) const {
    return static_cast<const T*>(output_data(index));
  }
  // Output `index` as the last run produced it: every dim known, also for outputs whose shape
  // depends on data (outputs()[i].dims has -1 there).
  TensorInfo last_output_info(size_t index) const {
    stitch_tensor_info c{};
    detail::check(stitch_model_last_output_info(model_, index, &c));
    return to_info(c);
  }

  // Runs, then copies output i into outputs[i] (outputs()[i].size_bytes bytes each).
  void run_into(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) {
    detail::check(stitch_model_run_into(model_, inputs.data(), inputs.size(), outputs.data(),
                                        outputs.size()));
  }

  stitch_model* get() const { return model_; }

 private:
  explicit Model(stitch_model* m) : model_(m) {
    try {
      for (size_t i = 0; i < stitch_model_num_inputs(m); ++i) inputs_.push_back(info(true, i));
      for (size_t i = 0; i < stitch_model_num_outputs(m); ++i) outputs_.push_back(info(false, i));
    } catch (...) {
      stitch_model_free(m);  // a throwing constructor runs no destructor
      throw;
    }
  }
  TensorInfo info(bool input, size_t index) const {
    stitch_tensor_info c{};
    detail::check(input ? stitch_model_input_info(model_, index, &c)
                        : stitch_model_output_info(model_, index, &c));
    return to_info(c);
  }
  static TensorInfo to_info(const stitch_tensor_info& c) {
    return TensorInfo{c.name, c.dtype, std::vector<int64_t>(c.dims, c.dims + c.rank), c.size_bytes};
  }

  stitch_model* model_ = nullptr;
  std::vector<TensorInfo> inputs_;
  std::vector<TensorInfo> outputs_;
};

}  // namespace stitch

#endif  // STITCH_STITCH_HPP_
