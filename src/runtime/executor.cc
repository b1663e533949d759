// The plan executor. Part of runtime/.
#include "runtime/executor.h"

#include <chrono>
#include <cstring>

namespace stitch::runtime {
namespace {

// The kernel ABI's parallel_for on top of the thread pool.
void pool_parallel_for(void* pool, int64_t n, void (*fn)(void*, int64_t, int64_t), void* closure) {
  static_cast<ThreadPool*>(pool)->parallel_for(
      n, [&](int64_t begin, int64_t end, int) { fn(closure, begin, end); });
}

}  // namespace

Expected<std::unique_ptr<Executor>> Executor::create(ExecutionPlan plan,
                                                     std::shared_ptr<const ConstantPool> constants,
                                                     const KernelResolver& resolve,
                                                     int num_threads) {
  if (num_threads < 1) return error("the number of threads must be at least 1");
  int64_t num_constants = constants ? constants->size() : 0;
  STITCH_RETURN_IF_ERROR(validate_execution_plan(plan, num_constants));
  for (const auto& b : plan.buffers) {
    if (b.role == BufferRole::kConstant && constants->size_bytes(b.index) != b.nbytes()) {
      return error("constant '", b.name, "' holds ", constants->size_bytes(b.index),
                   " bytes, the plan expects ", b.nbytes());
    }
  }
  std::unique_ptr<Executor> e(new Executor(std::move(plan), std::move(constants), num_threads));
  for (const auto& step : e->plan_.steps) {
    if (step.kind == StepKind::kHost) {
      e->kernels_.push_back(nullptr);
      e->host_fns_.push_back(host_ops::find_host_op(step.host_op));
      continue;
    }
    STITCH_ASSIGN_OR_RETURN(stitch_kernel_fn fn, resolve(step.kernel_symbol));
    e->kernels_.push_back(fn);
    e->host_fns_.push_back(nullptr);
  }
  e->dynamic_.resize(static_cast<size_t>(count_dynamic_buffers(e->plan_)));
  STITCH_ASSIGN_OR_RETURN(e->arena_, Arena::create(e->plan_.arena_size));
  e->parallel_.pool = &e->pool_;
  e->parallel_.parallel_for = pool_parallel_for;
  return e;
}

Status Executor::check_inputs(const std::vector<const Tensor*>& inputs) const {
  if (inputs.size() != plan_.inputs.size()) {
    return error("the model takes ", plan_.inputs.size(), " inputs, got ", inputs.size());
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const PlanBuffer& b = plan_.buffers[plan_.inputs[i]];
    if (!inputs[i]) return error("input '", b.name, "' is missing");
    if (inputs[i]->dtype() != b.dtype || inputs[i]->shape() != b.shape) {
      return error("input '", b.name, "' expects ", dtype_name(b.dtype), shape_to_string(b.shape),
                   ", got ", inputs[i]->type_string(),
                   " (the compiled model is specialized to these shapes)");
    }
  }
  for (const InputValueGuard& g : plan_.input_value_guards) {
    const Tensor& t = *inputs[g.input];
    if (!g.value.empty() && std::memcmp(t.raw_data(), g.value.data(), g.value.size()) != 0) {
      return error("input '", plan_.buffers[plan_.inputs[g.input]].name,
                   "' determines shapes, and the model was compiled for another value of it; "
                   "compile again with this input");
    }
  }
  return Status::ok();
}

void* Executor::buffer_address(int32_t id, const std::vector<const Tensor*>& inputs,
                               std::vector<Tensor>& outputs) {
  const PlanBuffer& b = plan_.buffers[id];
  switch (b.role) {
    case BufferRole::kInput:
      return const_cast<void*>(inputs[b.index]->raw_data());
    case BufferRole::kOutput:
      return outputs[b.index].raw_data();
    case BufferRole::kConstant:
      return const_cast<std::byte*>(constants_->data(b.index));
    case BufferRole::kIntermediate:
      return arena_.data() + b.arena_offset;
    case BufferRole::kDynamic:
      return dynamic_[b.index].raw_data();
  }
  return nullptr;
}

// Host outputs with a static plan shape go to their planned buffer (checked); dynamic ones
// become the run's value of that buffer.
Status Executor::store_host_output(int32_t id, Tensor result,
                                   const std::vector<const Tensor*>& inputs,
                                   std::vector<Tensor>& outputs) {
  const PlanBuffer& b = plan_.buffers[id];
  bool fits = result.dtype() == b.dtype && result.rank() == static_cast<int64_t>(b.shape.size());
  for (size_t d = 0; fits && d < b.shape.size(); ++d) {
    fits = b.shape[d] == -1 || b.shape[d] == result.dim(static_cast<int64_t>(d));
  }
  if (!fits) {
    return error("value '", b.name, "' came out as ", result.type_string(), ", the plan expects ",
                 dtype_name(b.dtype), shape_to_string(b.shape));
  }
  if (b.role == BufferRole::kDynamic) {
    dynamic_[b.index] = std::move(result);
  } else if (result.nbytes() > 0) {
    std::memcpy(buffer_address(id, inputs, outputs), result.raw_data(), result.nbytes());
  }
  return Status::ok();
}

Status Executor::run_host_step(size_t s, const std::vector<const Tensor*>& inputs,
                               std::vector<Tensor>& outputs) {
  const PlanStep& step = plan_.steps[s];
  std::vector<host_ops::TensorView> views(static_cast<size_t>(step.num_inputs));
  host_ops::HostOpCall call{step.attributes, {}, nullptr};
  for (int32_t k = 0; k < step.num_inputs; ++k) {
    int32_t id = step.buffers[k];
    if (id < 0) {
      call.inputs.push_back(nullptr);
      continue;
    }
    const PlanBuffer& b = plan_.buffers[id];
    const Shape& shape = b.role == BufferRole::kDynamic ? dynamic_[b.index].shape() : b.shape;
    views[k] = {b.dtype, shape, buffer_address(id, inputs, outputs)};
    call.inputs.push_back(&views[k]);
  }
  std::vector<Tensor> results(step.buffers.size() - static_cast<size_t>(step.num_inputs));
  call.outputs = &results;
  STITCH_RETURN_IF_ERROR(host_fns_[s](call));
  for (size_t k = 0; k < results.size(); ++k) {
    int32_t id = step.buffers[step.num_inputs + k];
    if (id >= 0) {
      STITCH_RETURN_IF_ERROR(store_host_output(id, std::move(results[k]), inputs, outputs));
    }
  }
  return Status::ok();
}

// Outputs that are inputs or constants themselves (or that two outputs share) are copied;
// dynamic ones are moved out (copied when another output reads the same value).
Status Executor::collect_outputs(const std::vector<const Tensor*>& inputs,
                                 std::vector<Tensor>& outputs) {
  for (size_t k = 0; k < plan_.outputs.size(); ++k) {
    const int32_t id = plan_.outputs[k];
    const PlanBuffer& b = plan_.buffers[id];
    if (b.role == BufferRole::kDynamic) {
      Tensor& t = dynamic_[b.index];
      if (!t.defined()) return error("internal: output '", b.name, "' was not computed");
      bool read_again = false;
      for (size_t j = k + 1; j < plan_.outputs.size(); ++j) read_again |= plan_.outputs[j] == id;
      outputs[k] = read_again ? t.clone() : std::move(t);
      continue;
    }
    if (b.role == BufferRole::kOutput && b.index == static_cast<int64_t>(k)) continue;
    const void* src = buffer_address(id, inputs, outputs);
    if (b.nbytes() > 0) std::memcpy(outputs[k].raw_data(), src, static_cast<size_t>(b.nbytes()));
  }
  return Status::ok();
}

Expected<std::vector<Tensor>> Executor::run(const std::vector<const Tensor*>& inputs) {
  STITCH_RETURN_IF_ERROR(check_inputs(inputs));
  std::vector<Tensor> outputs(plan_.outputs.size());
  for (size_t k = 0; k < plan_.outputs.size(); ++k) {
    const PlanBuffer& b = plan_.buffers[plan_.outputs[k]];
    if (b.role != BufferRole::kDynamic) outputs[k] = Tensor(b.dtype, b.shape);
  }
  for (Tensor& t : dynamic_) t = Tensor();
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  profile_.clear();
  std::vector<void*> args;
  for (size_t s = 0; s < plan_.steps.size(); ++s) {
    const PlanStep& step = plan_.steps[s];
    auto k0 = profiling_ ? Clock::now() : Clock::time_point{};
    if (step.kind == StepKind::kHost) {
      Status st = run_host_step(s, inputs, outputs);
      if (!st.is_ok()) {
        return st.with_context("step " + std::to_string(s) + " (" + step_name(step) + ")");
      }
    } else {
      args.clear();
      for (int32_t id : step.buffers) args.push_back(buffer_address(id, inputs, outputs));
      kernels_[s](args.data(), nullptr, &parallel_);
    }
    if (profiling_) {
      auto k1 = Clock::now();
      profile_.push_back({static_cast<int32_t>(s),
                          std::chrono::duration<double, std::micro>(k0 - t0).count(),
                          std::chrono::duration<double, std::micro>(k1 - k0).count()});
    }
  }
  STITCH_RETURN_IF_ERROR(collect_outputs(inputs, outputs));
  for (Tensor& t : dynamic_) t = Tensor();
  return outputs;
}

}  // namespace stitch::runtime
