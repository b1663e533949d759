// The C API (include/stitch/stitch.h) over LoadedArtifact. Part of runtime/; errors become
// status codes plus a thread-local message, and no exception crosses the boundary.
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "runtime/artifact.h"
#include "stitch/stitch.h"
#include "support/tensor.h"

struct stitch_model {
  std::unique_ptr<stitch::runtime::LoadedArtifact> artifact;
  // Inputs are staged here (the executor takes Tensors); allocated once at load.
  std::vector<stitch::Tensor> inputs;
  std::vector<stitch::Tensor> outputs;  // of the last successful run
};

namespace {

using stitch::Status;
using stitch::runtime::ExecutionPlan;
using stitch::runtime::PlanBuffer;

thread_local std::string t_last_error;

stitch_status fail(stitch_status code, const std::string& message) {
  t_last_error = message;
  return code;
}

// Runs `body`, turning escaped exceptions into STITCH_ERROR_INTERNAL.
template <typename F>
stitch_status guarded(F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(STITCH_ERROR_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(STITCH_ERROR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(STITCH_ERROR_INTERNAL, "internal error: unknown exception");
  }
}

const PlanBuffer& buffer(const stitch_model* m, bool input, size_t index) {
  const ExecutionPlan& plan = m->artifact->plan();
  return plan.buffers[input ? plan.inputs[index] : plan.outputs[index]];
}

stitch_status tensor_info(const stitch_model* model, bool input, size_t index,
                          stitch_tensor_info* info) {
  if (!model || !info) return fail(STITCH_ERROR_INVALID_ARGUMENT, "model or info is NULL");
  size_t count = input ? stitch_model_num_inputs(model) : stitch_model_num_outputs(model);
  if (index >= count) {
    return fail(STITCH_ERROR_INVALID_ARGUMENT,
                stitch::str_cat(input ? "input" : "output", " index ", index,
                                " out of range (the model has ", count, ")"));
  }
  const PlanBuffer& b = buffer(model, input, index);
  info->name = b.name.c_str();
  info->dtype = static_cast<stitch_dtype>(b.dtype);
  info->rank = static_cast<int32_t>(b.shape.size());
  info->dims = b.shape.data();
  info->size_bytes = static_cast<size_t>(b.nbytes());
  return STITCH_OK;
}

bool is_dynamic(const stitch_model* m, size_t output) {
  return buffer(m, false, output).role == stitch::runtime::BufferRole::kDynamic;
}

stitch_status run(stitch_model* model, const void* const* inputs, size_t num_inputs) {
  if (!model) return fail(STITCH_ERROR_INVALID_ARGUMENT, "model is NULL");
  // The last run's outputs (valid only until this run, see stitch.h) lend it their storage.
  std::vector<stitch::Tensor> previous = std::move(model->outputs);
  model->outputs.clear();
  if (num_inputs != model->inputs.size()) {
    return fail(
        STITCH_ERROR_INVALID_ARGUMENT,
        stitch::str_cat("the model takes ", model->inputs.size(), " inputs, got ", num_inputs));
  }
  std::vector<const stitch::Tensor*> pointers;
  for (size_t i = 0; i < num_inputs; ++i) {
    stitch::Tensor& t = model->inputs[i];
    if (t.nbytes() > 0 && (!inputs || !inputs[i])) {
      return fail(STITCH_ERROR_INVALID_ARGUMENT,
                  stitch::str_cat("input ", i, " ('", buffer(model, true, i).name, "') is NULL"));
    }
    if (t.nbytes() > 0) std::memcpy(t.raw_data(), inputs[i], t.nbytes());
    pointers.push_back(&t);
  }
  auto outputs = model->artifact->executor().run(pointers, std::move(previous));
  if (!outputs) return fail(STITCH_ERROR_RUN, outputs.status().message());
  model->outputs = std::move(outputs).value();
  return STITCH_OK;
}

}  // namespace

extern "C" {

const char* stitch_last_error(void) { return t_last_error.c_str(); }

const char* stitch_dtype_name(stitch_dtype dtype) {
  if (dtype == STITCH_DTYPE_UNDEFINED || !stitch::dtype_is_valid(dtype)) return "undefined";
  return stitch::dtype_name(static_cast<stitch::DType>(dtype));
}

stitch_status stitch_model_load(const char* artifact_dir, int num_threads, stitch_model** model) {
  if (!model) return fail(STITCH_ERROR_INVALID_ARGUMENT, "model is NULL");
  *model = nullptr;
  if (!artifact_dir) return fail(STITCH_ERROR_INVALID_ARGUMENT, "artifact_dir is NULL");
  if (num_threads < 1) {
    return fail(STITCH_ERROR_INVALID_ARGUMENT,
                stitch::str_cat("num_threads must be at least 1, got ", num_threads));
  }
  return guarded([&] {
    auto artifact = stitch::runtime::LoadedArtifact::load(artifact_dir, num_threads);
    if (!artifact) return fail(STITCH_ERROR_LOAD, artifact.status().message());
    auto m = std::make_unique<stitch_model>();
    m->artifact = std::move(artifact).value();
    const ExecutionPlan& plan = m->artifact->plan();
    // The C API passes tensors as flat bytes, which strings do not have.
    for (const auto* list : {&plan.inputs, &plan.outputs}) {
      for (int32_t id : *list) {
        if (plan.buffers[id].dtype != stitch::DType::kString) continue;
        return fail(STITCH_ERROR_LOAD,
                    stitch::str_cat("'", plan.buffers[id].name,
                                    "' is a string tensor, which the C API cannot pass (it "
                                    "takes flat bytes); load this model with the C++ API"));
      }
    }
    for (int32_t id : plan.inputs)
      m->inputs.emplace_back(plan.buffers[id].dtype, plan.buffers[id].shape);
    *model = m.release();
    return STITCH_OK;
  });
}

void stitch_model_free(stitch_model* model) { delete model; }

size_t stitch_model_num_inputs(const stitch_model* model) {
  return model ? model->artifact->plan().inputs.size() : 0;
}

size_t stitch_model_num_outputs(const stitch_model* model) {
  return model ? model->artifact->plan().outputs.size() : 0;
}

stitch_status stitch_model_input_info(const stitch_model* model, size_t index,
                                      stitch_tensor_info* info) {
  return tensor_info(model, true, index, info);
}

stitch_status stitch_model_output_info(const stitch_model* model, size_t index,
                                       stitch_tensor_info* info) {
  return tensor_info(model, false, index, info);
}

stitch_status stitch_model_last_output_info(const stitch_model* model, size_t index,
                                            stitch_tensor_info* info) {
  if (!model || !info) return fail(STITCH_ERROR_INVALID_ARGUMENT, "model or info is NULL");
  if (model->outputs.empty() && stitch_model_num_outputs(model) > 0) {
    return fail(STITCH_ERROR_INVALID_ARGUMENT, "no outputs: the model has not run successfully");
  }
  if (index >= model->outputs.size()) {
    return fail(STITCH_ERROR_INVALID_ARGUMENT,
                stitch::str_cat("output index ", index, " out of range (the model has ",
                                model->outputs.size(), ")"));
  }
  const stitch::Tensor& t = model->outputs[index];
  info->name = buffer(model, false, index).name.c_str();
  info->dtype = static_cast<stitch_dtype>(t.dtype());
  info->rank = static_cast<int32_t>(t.rank());
  info->dims = t.shape().data();
  info->size_bytes = t.nbytes();
  return STITCH_OK;
}

stitch_status stitch_model_run(stitch_model* model, const void* const* inputs, size_t num_inputs) {
  return guarded([&] { return run(model, inputs, num_inputs); });
}

stitch_status stitch_model_output_data(const stitch_model* model, size_t index, const void** data) {
  if (!model || !data) return fail(STITCH_ERROR_INVALID_ARGUMENT, "model or data is NULL");
  if (model->outputs.empty() && stitch_model_num_outputs(model) > 0) {
    return fail(STITCH_ERROR_INVALID_ARGUMENT, "no outputs: the model has not run successfully");
  }
  if (index >= model->outputs.size()) {
    return fail(STITCH_ERROR_INVALID_ARGUMENT,
                stitch::str_cat("output index ", index, " out of range (the model has ",
                                model->outputs.size(), ")"));
  }
  *data = model->outputs[index].raw_data();
  return STITCH_OK;
}

stitch_status stitch_model_run_into(stitch_model* model, const void* const* inputs,
                                    size_t num_inputs, void* const* outputs, size_t num_outputs) {
  return guarded([&] {
    if (!model) return fail(STITCH_ERROR_INVALID_ARGUMENT, "model is NULL");
    if (num_outputs != stitch_model_num_outputs(model)) {
      return fail(STITCH_ERROR_INVALID_ARGUMENT,
                  stitch::str_cat("the model has ", stitch_model_num_outputs(model),
                                  " outputs, got ", num_outputs, " output buffers"));
    }
    for (size_t i = 0; i < num_outputs; ++i) {
      if (is_dynamic(model, i)) {
        return fail(STITCH_ERROR_INVALID_ARGUMENT,
                    stitch::str_cat("output ", i, " ('", buffer(model, false, i).name,
                                    "') has a shape known only at run time: use "
                                    "stitch_model_run and stitch_model_last_output_info"));
      }
      if (buffer(model, false, i).nbytes() > 0 && (!outputs || !outputs[i])) {
        return fail(STITCH_ERROR_INVALID_ARGUMENT,
                    stitch::str_cat("output buffer ", i, " is NULL"));
      }
    }
    stitch_status s = run(model, inputs, num_inputs);
    if (s != STITCH_OK) return s;
    for (size_t i = 0; i < num_outputs; ++i) {
      const stitch::Tensor& t = model->outputs[i];
      if (t.nbytes() > 0) std::memcpy(outputs[i], t.raw_data(), t.nbytes());
    }
    return STITCH_OK;
  });
}

}  // extern "C"
