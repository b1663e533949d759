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
  }
  return "?";
}

namespace {

Status validate_buffer(const ExecutionPlan& plan, const PlanBuffer& b, int64_t num_constants) {
  if (!shape_is_static(b.shape) || shape_numel(b.shape) > kMaxElements ||
      dtype_size(b.dtype) == 0) {
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
  }
  return error("buffer '", b.name, "' (", buffer_role_name(b.role), ") has a bad index or offset");
}

}  // namespace

Status validate_execution_plan(const ExecutionPlan& plan, int64_t num_constants) {
  auto in_range = [&](int32_t i) {
    return i >= 0 && i < static_cast<int32_t>(plan.buffers.size());
  };
  for (const auto& b : plan.buffers)
    STITCH_RETURN_IF_ERROR(validate_buffer(plan, b, num_constants));
  for (const auto& s : plan.steps) {
    for (int32_t i : s.buffers) {
      if (!in_range(i)) return error("kernel ", s.kernel_symbol, " refers to buffer ", i);
    }
  }
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
