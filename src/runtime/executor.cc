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
    STITCH_ASSIGN_OR_RETURN(stitch_kernel_fn fn, resolve(step.kernel_symbol));
    e->kernels_.push_back(fn);
  }
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
  }
  return nullptr;
}

Expected<std::vector<Tensor>> Executor::run(const std::vector<const Tensor*>& inputs) {
  STITCH_RETURN_IF_ERROR(check_inputs(inputs));
  std::vector<Tensor> outputs(plan_.outputs.size());
  for (size_t k = 0; k < plan_.outputs.size(); ++k) {
    const PlanBuffer& b = plan_.buffers[plan_.outputs[k]];
    outputs[k] = Tensor(b.dtype, b.shape);
  }
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  profile_.clear();
  std::vector<void*> args;
  for (size_t s = 0; s < plan_.steps.size(); ++s) {
    args.clear();
    for (int32_t id : plan_.steps[s].buffers) args.push_back(buffer_address(id, inputs, outputs));
    auto k0 = profiling_ ? Clock::now() : Clock::time_point{};
    kernels_[s](args.data(), nullptr, &parallel_);
    if (profiling_) {
      auto k1 = Clock::now();
      profile_.push_back({static_cast<int32_t>(s),
                          std::chrono::duration<double, std::micro>(k0 - t0).count(),
                          std::chrono::duration<double, std::micro>(k1 - k0).count()});
    }
  }
  // Outputs that are inputs or constants themselves (or that two outputs share) are copied.
  for (size_t k = 0; k < plan_.outputs.size(); ++k) {
    const PlanBuffer& b = plan_.buffers[plan_.outputs[k]];
    if (b.role == BufferRole::kOutput && b.index == static_cast<int64_t>(k)) continue;
    const void* src = buffer_address(plan_.outputs[k], inputs, outputs);
    std::memcpy(outputs[k].raw_data(), src, static_cast<size_t>(b.nbytes()));
  }
  return outputs;
}

}  // namespace stitch::runtime
