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
    case StepKind::kControl:
      return "control";
  }
  return "?";
}

const char* control_op_name(ControlOp op) {
  switch (op) {
    case ControlOp::kIf:
      return "If";
    case ControlOp::kLoop:
      return "Loop";
    case ControlOp::kScan:
      return "Scan";
  }
  return "?";
}

std::string step_name(const PlanStep& step) {
  switch (step.kind) {
    case StepKind::kHost:
      return "host " + step.host_op;
    case StepKind::kControl:
      return std::string("control ") + control_op_name(step.control.op);
    case StepKind::kKernel:
      break;
  }
  return step.kernel_symbol;
}

int64_t count_kernel_steps(const ExecutionPlan& plan) {
  int64_t n = 0;
  for (const auto& s : plan.steps) n += s.kind == StepKind::kKernel ? 1 : 0;
  for (const auto& b : plan.bodies) n += count_kernel_steps(b);
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
  // Strings have no flat storage: only inputs and run-time values (host steps) hold them.
  const bool string_ok =
      b.dtype == DType::kString && (b.role == BufferRole::kInput || b.role == BufferRole::kDynamic);
  if (!valid_shape(b) || (dtype_size(b.dtype) == 0 && !string_ok)) {
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

// How many formal inputs and outputs each body of a control step has.
struct BodyArity {
  int64_t inputs, outputs;
};
Expected<BodyArity> body_arity(const PlanStep& s) {
  const ControlFlow& c = s.control;
  const int64_t ins = s.num_inputs;
  const int64_t outs = static_cast<int64_t>(s.buffers.size()) - ins;
  const size_t bodies = c.op == ControlOp::kIf ? 2 : 1;
  if (c.bodies.size() != bodies || ins < 0 || outs < 0) {
    return error("control step ", control_op_name(c.op), " has ", c.bodies.size(), " bodies, ", ins,
                 " inputs and ", outs, " outputs");
  }
  switch (c.op) {
    case ControlOp::kIf:
      if (ins != 1) break;
      return BodyArity{0, outs};
    case ControlOp::kLoop:
      if (ins < 2 || outs < ins - 2) break;
      return BodyArity{ins, outs + 1};
    case ControlOp::kScan: {
      const int64_t formal = ins - (c.batched ? 1 : 0);
      const int64_t scan_in = formal - c.num_states;
      const int64_t scan_out = outs - c.num_states;
      if (c.num_states < 0 || scan_in < 1 || scan_out < 0 ||
          static_cast<int64_t>(c.input_axes.size()) != scan_in ||
          static_cast<int64_t>(c.input_reverse.size()) != scan_in ||
          static_cast<int64_t>(c.output_axes.size()) != scan_out ||
          static_cast<int64_t>(c.output_reverse.size()) != scan_out) {
        break;
      }
      return BodyArity{formal, outs};
    }
  }
  return error("control step ", control_op_name(c.op), " has a bad shape: ", ins, " inputs, ", outs,
               " outputs");
}

Status validate_control_step(const ExecutionPlan& plan, const PlanStep& s, int64_t num_constants) {
  if (s.control.op < ControlOp::kIf || s.control.op > ControlOp::kScan) {
    return error("a control step has an unknown op");
  }
  STITCH_ASSIGN_OR_RETURN(BodyArity arity, body_arity(s));
  for (int32_t i : s.control.captures) {
    if (i < 0 || i >= static_cast<int32_t>(plan.buffers.size())) {
      return error("control step ", step_name(s), " captures buffer ", i);
    }
  }
  for (int32_t b : s.control.bodies) {
    if (b < 0 || b >= static_cast<int32_t>(plan.bodies.size())) {
      return error("control step ", step_name(s), " runs body ", b, " of ", plan.bodies.size());
    }
    const ExecutionPlan& body = plan.bodies[b];
    const auto captures = static_cast<int64_t>(s.control.captures.size());
    if (static_cast<int64_t>(body.inputs.size()) != arity.inputs + captures ||
        static_cast<int64_t>(body.outputs.size()) != arity.outputs) {
      return error("body ", b, " of ", step_name(s), " takes ", body.inputs.size(),
                   " inputs and returns ", body.outputs.size(), " outputs; the step gives ",
                   arity.inputs + captures, " and wants ", arity.outputs);
    }
    STITCH_RETURN_IF_ERROR(
        validate_execution_plan(body, num_constants).with_context("body " + std::to_string(b)));
  }
  return Status::ok();
}

// Kernels read only static buffers; a host or control step's counts fit its op, and every
// dynamic buffer is written by exactly one such step before anything reads it.
Status validate_steps(const ExecutionPlan& plan, int64_t num_constants) {
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
    if (s.kind == StepKind::kControl) {
      STITCH_RETURN_IF_ERROR(validate_control_step(plan, s, num_constants));
    } else if (s.kind != StepKind::kHost || !host_ops::find_host_op(s.host_op)) {
      return error("step ", name, " runs an unknown host op");
    } else {
      host_ops::HostOpArity a = host_ops::host_op_arity(s.host_op);
      const int32_t outs = static_cast<int32_t>(s.buffers.size()) - s.num_inputs;
      if (s.num_inputs < a.min_inputs || s.num_inputs > a.max_inputs || outs < a.min_outputs ||
          outs > a.max_outputs) {
        return error("step ", name, " has ", s.num_inputs, " inputs and ", outs, " outputs");
      }
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
  STITCH_RETURN_IF_ERROR(validate_steps(plan, num_constants));
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
