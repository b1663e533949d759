// Validation of execution plans. Part of runtime/.
#include "runtime/execution_plan.h"

namespace stitch::runtime {

const char* buffer_role_name(BufferRole role) {
  switch (role) {
    case BufferRole::kInput:
      return "input";
    case BufferRole::kOutput:
      return "output";
    case BufferRole::kConstant:
      return "constant";
    case BufferRole::kIntermediate:
      return "intermediate";
    case BufferRole::kDynamic:
      return "dynamic";
  }
  return "?";
}

const char* step_kind_name(StepKind kind) {
  switch (kind) {
    case StepKind::kKernel:
      return "kernel";
    case StepKind::kHost:
      return "host";
  }
  return "?";
}

std::string step_name(const PlanStep& step) {
  return step.kind == StepKind::kHost ? "host " + step.host_op : step.kernel_symbol;
}

int64_t count_kernel_steps(const ExecutionPlan& plan) {
  int64_t n = 0;
  for (const auto& s : plan.steps) n += s.kind == StepKind::kKernel ? 1 : 0;
  return n;
}

int64_t count_dynamic_buffers(const ExecutionPlan& plan) {
  int64_t n = 0;
  for (const auto& b : plan.buffers) n += b.role == BufferRole::kDynamic ? 1 : 0;
  return n;
}

namespace {

// A dynamic buffer's dims may be -1 (known at run time); every other buffer's are static.
bool valid_shape(const PlanBuffer& b) {
  if (b.role != BufferRole::kDynamic) {
    return shape_is_static(b.shape) && shape_numel(b.shape) <= kMaxElements;
  }
  for (int64_t d : b.shape) {
    if (d < -1 || d > kMaxElements) return false;
  }
  return true;
}

Status validate_buffer(const ExecutionPlan& plan, const PlanBuffer& b, int64_t num_constants,
                       int64_t num_dynamic) {
  if (!valid_shape(b) || dtype_size(b.dtype) == 0) {
    return error("buffer '", b.name, "' has a bad type ", dtype_name(b.dtype),
                 shape_to_string(b.shape));
  }
  switch (b.role) {
    case BufferRole::kInput:
      if (b.index < 0 || b.index >= static_cast<int64_t>(plan.inputs.size())) break;
      return Status::ok();
    case BufferRole::kOutput:
      if (b.index < 0 || b.index >= static_cast<int64_t>(plan.outputs.size())) break;
      return Status::ok();
    case BufferRole::kConstant:
      if (b.index < 0 || b.index >= num_constants) break;
      return Status::ok();
    case BufferRole::kIntermediate:
      if (b.arena_offset < 0 || b.arena_offset % 64 != 0 ||
          b.arena_offset + b.nbytes() > plan.arena_size) {
        break;
      }
      return Status::ok();
    case BufferRole::kDynamic:
      if (b.index < 0 || b.index >= num_dynamic) break;
      return Status::ok();
  }
  return error("buffer '", b.name, "' (", buffer_role_name(b.role), ") has a bad index or offset");
}

// Kernels read only static buffers; a host step's counts fit its op, and every dynamic buffer
// is written by exactly one host step before anything reads it.
Status validate_steps(const ExecutionPlan& plan) {
  auto in_range = [&](int32_t i) {
    return i >= 0 && i < static_cast<int32_t>(plan.buffers.size());
  };
  std::vector<bool> written(plan.buffers.size(), false);
  for (const auto& s : plan.steps) {
    const std::string name = step_name(s);
    if (s.kind == StepKind::kKernel) {
      for (int32_t i : s.buffers) {
        if (!in_range(i)) return error("kernel ", name, " refers to buffer ", i);
        if (plan.buffers[i].role == BufferRole::kDynamic) {
          return error("kernel ", name, " reads '", plan.buffers[i].name,
                       "', whose shape is known only at run time");
        }
      }
      continue;
    }
    if (s.kind != StepKind::kHost || !host_ops::find_host_op(s.host_op)) {
      return error("step ", name, " runs an unknown host op");
    }
    host_ops::HostOpArity a = host_ops::host_op_arity(s.host_op);
    const int32_t outs = static_cast<int32_t>(s.buffers.size()) - s.num_inputs;
    if (s.num_inputs < a.min_inputs || s.num_inputs > a.max_inputs || outs < a.min_outputs ||
        outs > a.max_outputs) {
      return error("step ", name, " has ", s.num_inputs, " inputs and ", outs, " outputs");
    }
    for (size_t k = 0; k < s.buffers.size(); ++k) {
      int32_t i = s.buffers[k];
      if (i == -1) continue;
      if (!in_range(i)) return error("step ", name, " refers to buffer ", i);
      const bool is_output = static_cast<int32_t>(k) >= s.num_inputs;
      if (plan.buffers[i].role != BufferRole::kDynamic) continue;
      if (is_output == written[i]) {
        return error("dynamic buffer '", plan.buffers[i].name, "' is ",
                     is_output ? "written twice" : "read before it is written");
      }
      written[i] = true;
    }
  }
  return Status::ok();
}

}  // namespace

Status validate_execution_plan(const ExecutionPlan& plan, int64_t num_constants) {
  auto in_range = [&](int32_t i) {
    return i >= 0 && i < static_cast<int32_t>(plan.buffers.size());
  };
  const int64_t num_dynamic = count_dynamic_buffers(plan);
  std::vector<bool> dynamic_seen(static_cast<size_t>(num_dynamic), false);
  for (const auto& b : plan.buffers) {
    STITCH_RETURN_IF_ERROR(validate_buffer(plan, b, num_constants, num_dynamic));
    if (b.role != BufferRole::kDynamic) continue;
    if (dynamic_seen[b.index]) return error("two dynamic buffers share index ", b.index);
    dynamic_seen[b.index] = true;
  }
  STITCH_RETURN_IF_ERROR(validate_steps(plan));
  for (size_t k = 0; k < plan.inputs.size(); ++k) {
    int32_t i = plan.inputs[k];
    if (!in_range(i) || plan.buffers[i].role != BufferRole::kInput ||
        plan.buffers[i].index != static_cast<int64_t>(k)) {
      return error("graph input ", k, " refers to a bad buffer");
    }
  }
  for (int32_t i : plan.outputs) {
    if (!in_range(i) || plan.buffers[i].role == BufferRole::kIntermediate) {
      return error("a graph output refers to a bad buffer");
    }
  }
  for (const auto& g : plan.input_value_guards) {
    if (g.input < 0 || g.input >= static_cast<int32_t>(plan.inputs.size()) ||
        static_cast<int64_t>(g.value.size()) != plan.buffers[plan.inputs[g.input]].nbytes()) {
      return error("an input value guard refers to a bad input");
    }
  }
  return Status::ok();
}

}  // namespace stitch::runtime
