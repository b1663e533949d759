// The plan executor. Part of runtime/.
#include "runtime/executor.h"

#include <chrono>
#include <cstring>
#include <deque>

#include "runtime/host_ops/control_flow.h"

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
  return create_body(std::move(plan), std::move(constants), resolve, num_threads, nullptr);
}

Expected<std::unique_ptr<Executor>> Executor::create_body(
    ExecutionPlan plan, std::shared_ptr<const ConstantPool> constants,
    const KernelResolver& resolve, int num_threads, ThreadPool* pool) {
  for (const auto& b : plan.buffers) {
    if (b.role == BufferRole::kConstant && constants->size_bytes(b.index) != b.nbytes()) {
      return error("constant '", b.name, "' holds ", constants->size_bytes(b.index),
                   " bytes, the plan expects ", b.nbytes());
    }
  }
  // The body executors get copies: plan() keeps the whole plan (an artifact writer stores it).
  const std::vector<ExecutionPlan> bodies = plan.bodies;
  std::unique_ptr<Executor> e(new Executor(std::move(plan), constants));
  if (!pool) {
    e->owned_pool_ = std::make_unique<ThreadPool>(num_threads);
    pool = e->owned_pool_.get();
  }
  e->pool_ = pool;
  for (const ExecutionPlan& body : bodies) {
    STITCH_ASSIGN_OR_RETURN(auto b, create_body(body, constants, resolve, num_threads, pool));
    e->bodies_.push_back(std::move(b));
  }
  for (const auto& step : e->plan_.steps) {
    if (step.kind != StepKind::kKernel) {
      e->kernels_.push_back(nullptr);
      e->host_fns_.push_back(step.kind == StepKind::kHost ? host_ops::find_host_op(step.host_op)
                                                          : nullptr);
      continue;
    }
    STITCH_ASSIGN_OR_RETURN(stitch_kernel_fn fn, resolve(step.kernel_symbol));
    e->kernels_.push_back(fn);
    e->host_fns_.push_back(nullptr);
  }
  e->dynamic_.resize(static_cast<size_t>(count_dynamic_buffers(e->plan_)));
  STITCH_ASSIGN_OR_RETURN(e->arena_, Arena::create(e->plan_.arena_size));
  e->parallel_.pool = e->pool_;
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
    if (b.role == BufferRole::kDynamic && !dynamic_[b.index].defined()) {
      return error("'", b.name, "' was not computed");
    }
    if (b.dtype == DType::kString) {
      // Only inputs and dynamic values hold strings (validate_execution_plan).
      const Tensor& t = b.role == BufferRole::kInput ? *inputs[b.index] : dynamic_[b.index];
      views[k] = host_ops::view_of(t);
    } else {
      const Shape& shape = b.role == BufferRole::kDynamic ? dynamic_[b.index].shape() : b.shape;
      views[k] = {b.dtype, shape, buffer_address(id, inputs, outputs), nullptr};
    }
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

// A control step reads its inputs and captures as tensors: graph inputs and dynamic values as
// they are, anything else copied out of its buffer (into `copies`, which keeps them alive).
// Runs If, Loop or Scan with the body executors; results are stored like a host step's.
Status Executor::run_control_step(size_t s, const std::vector<const Tensor*>& inputs,
                                  std::vector<Tensor>& outputs) {
  const PlanStep& step = plan_.steps[s];
  const ControlFlow& c = step.control;
  std::deque<Tensor> copies;
  auto tensor_of = [&](int32_t id) -> Expected<const Tensor*> {
    if (id < 0) return static_cast<const Tensor*>(nullptr);
    const PlanBuffer& b = plan_.buffers[id];
    if (b.role == BufferRole::kInput) return inputs[b.index];
    if (b.role == BufferRole::kDynamic) {
      if (!dynamic_[b.index].defined()) return error("'", b.name, "' was not computed");
      return &dynamic_[b.index];
    }
    Tensor& t = copies.emplace_back(b.dtype, b.shape);
    if (b.nbytes() > 0) {
      std::memcpy(t.raw_data(), buffer_address(id, inputs, outputs),
                  static_cast<size_t>(b.nbytes()));
    }
    return &t;
  };
  std::vector<const Tensor*> in, captured;
  for (int32_t k = 0; k < step.num_inputs; ++k) {
    STITCH_ASSIGN_OR_RETURN(const Tensor* t, tensor_of(step.buffers[k]));
    in.push_back(t);
  }
  for (int32_t id : c.captures) {
    STITCH_ASSIGN_OR_RETURN(const Tensor* t, tensor_of(id));
    captured.push_back(t);
  }
  auto body_fn = [&](int32_t body) -> host_ops::BodyFn {
    Executor* e = bodies_[body].get();
    return [e, &captured](const std::vector<const Tensor*>& formal) {
      std::vector<const Tensor*> all = formal;
      all.insert(all.end(), captured.begin(), captured.end());
      return e->run(all);
    };
  };
  const size_t num_outputs = step.buffers.size() - static_cast<size_t>(step.num_inputs);
  std::vector<Tensor> results;
  switch (c.op) {
    case ControlOp::kIf: {
      if (!in[0]) return error("If: the condition is missing");
      const int32_t body = c.bodies[host_ops::condition_holds(*in[0]) ? 0 : 1];
      STITCH_ASSIGN_OR_RETURN(results, body_fn(body)({}));
      break;
    }
    case ControlOp::kLoop: {
      host_ops::LoopArgs args;
      args.trip_count = in[0];
      args.condition = in[1];
      for (size_t k = 2; k < in.size(); ++k) {
        if (!in[k]) return error("Loop-carried inputs cannot be omitted");
        args.carried.push_back(in[k]);
      }
      args.num_scan_outputs = num_outputs - args.carried.size();
      // The body plan knows one iteration's scan outputs when they are static, so a Loop that
      // runs zero times still returns [0, ...] of them.
      const ExecutionPlan& body = bodies_[c.bodies[0]]->plan_;
      for (size_t k = 0; k < args.num_scan_outputs; ++k) {
        const PlanBuffer& b = body.buffers[body.outputs[1 + args.carried.size() + k]];
        if (b.role == BufferRole::kDynamic) {
          args.scan_output_types.emplace_back(std::nullopt);
        } else {
          args.scan_output_types.emplace_back(host_ops::IterationType{b.dtype, b.shape});
        }
      }
      STITCH_ASSIGN_OR_RETURN(results, host_ops::run_loop(args, body_fn(c.bodies[0])));
      break;
    }
    case ControlOp::kScan: {
      host_ops::ScanArgs args;
      args.batched = c.batched;
      size_t first = 0;
      if (c.batched) args.sequence_lens = in[first++];
      for (size_t k = first; k < in.size(); ++k) {
        (k - first < static_cast<size_t>(c.num_states) ? args.states : args.scan_inputs)
            .push_back(in[k]);
      }
      args.input_axes = c.input_axes;
      args.input_reverse = c.input_reverse;
      args.output_axes = c.output_axes;
      args.output_reverse = c.output_reverse;
      STITCH_ASSIGN_OR_RETURN(results, host_ops::run_scan(args, body_fn(c.bodies[0])));
      break;
    }
  }
  if (results.size() != num_outputs) {
    return error("the body gave ", results.size(), " values for ", num_outputs, " outputs");
  }
  for (size_t k = 0; k < results.size(); ++k) {
    const int32_t id = step.buffers[step.num_inputs + k];
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
    if (b.dtype == DType::kString) {  // an input returned as it is
      outputs[k] = inputs[b.index]->clone();
      continue;
    }
    const void* src = buffer_address(id, inputs, outputs);
    if (b.nbytes() > 0) std::memcpy(outputs[k].raw_data(), src, static_cast<size_t>(b.nbytes()));
  }
  return Status::ok();
}

Expected<std::vector<Tensor>> Executor::run(const std::vector<const Tensor*>& inputs,
                                            std::vector<Tensor> reuse) {
  STITCH_RETURN_IF_ERROR(check_inputs(inputs));
  std::vector<Tensor> outputs(plan_.outputs.size());
  for (size_t k = 0; k < plan_.outputs.size(); ++k) {
    const PlanBuffer& b = plan_.buffers[plan_.outputs[k]];
    if (b.role == BufferRole::kDynamic) continue;
    // Every element of a static output is written below (by its kernel, or copied in
    // collect_outputs), so reused storage needs no clearing. Strings own heap storage per
    // element and are not reused.
    const bool reusable = k < reuse.size() && reuse[k].defined() && reuse[k].dtype() == b.dtype &&
                          reuse[k].shape() == b.shape && b.dtype != DType::kString;
    outputs[k] = reusable ? std::move(reuse[k]) : Tensor(b.dtype, b.shape);
  }
  for (Tensor& t : dynamic_) t = Tensor();
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  profile_.clear();
  std::vector<void*> args;
  for (size_t s = 0; s < plan_.steps.size(); ++s) {
    const PlanStep& step = plan_.steps[s];
    auto k0 = profiling_ ? Clock::now() : Clock::time_point{};
    if (step.kind != StepKind::kKernel) {
      Status st = step.kind == StepKind::kHost ? run_host_step(s, inputs, outputs)
                                               : run_control_step(s, inputs, outputs);
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
