// The execution plan of a compiled model as plain data: a table of buffers (inputs, outputs,
// constants, arena-planned intermediates, run-time sized values) and the steps in order: kernel
// calls, host steps that run an op whose output shape depends on data (host_ops/), and control
// steps (If, Loop, Scan) that run the plans of their bodies. Part of runtime/; the driver builds
// it from lowered subgraphs, the artifact stores it, the executor runs it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/host_ops/host_ops.h"
#include "support/dtype.h"
#include "support/shape.h"

namespace stitch::runtime {

enum class BufferRole {
  kInput,         // graph input `index`, bound per run
  kOutput,        // graph output `index`, allocated per run (later kernels may read it)
  kConstant,      // constant `index` of the constant pool
  kIntermediate,  // lives at `arena_offset` in the session's arena
  // Written by a host step, with a shape known only once that step ran (`shape` holds -1 for
  // those dims); allocated per run, slot `index` of the run's dynamic values. Only host steps
  // read it, or it is a graph output.
  kDynamic,
};
const char* buffer_role_name(BufferRole role);

struct PlanBuffer {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
  BufferRole role = BufferRole::kIntermediate;
  int64_t index = -1;         // input, output or constant index, by role
  int64_t arena_offset = -1;  // intermediates only
  // Bytes of the buffer; 0 for a dynamic one (its size is known per run).
  int64_t nbytes() const {
    if (role == BufferRole::kDynamic) return 0;
    return shape_numel(shape) * static_cast<int64_t>(dtype_size(dtype));
  }
};

enum class StepKind {
  kKernel,   // calls `kernel_symbol` of the kernels library
  kHost,     // runs host op `host_op` (host_ops.h) in the runtime itself
  kControl,  // runs If, Loop or Scan (`control`) over body plans
};
const char* step_kind_name(StepKind kind);

using host_ops::HostAttribute;

enum class ControlOp { kIf, kLoop, kScan };
const char* control_op_name(ControlOp op);

// What a control step runs. Its `buffers` are the node's inputs then its outputs, as for a host
// step (ONNX order: If (cond); Loop (M, cond, carried...); Scan 9 (states..., scan inputs...),
// Scan 8 (sequence_lens, states..., scan inputs...)). Each body plan takes its formal inputs
// followed by the `captures` (outer values the bodies read), and returns its formal outputs.
struct ControlFlow {
  ControlOp op = ControlOp::kIf;
  std::vector<int32_t> bodies;    // ExecutionPlan::bodies indices: If: then, else; else: body
  std::vector<int32_t> captures;  // buffers of this plan
  // Scan only: how many inputs are states; axes and directions per scan input and output.
  int32_t num_states = 0;
  bool batched = false;  // Scan 8: a batch axis 0 on everything, sequence_lens first
  std::vector<int64_t> input_axes, input_reverse, output_axes, output_reverse;
};

struct PlanStep {
  std::string kernel_symbol;  // kernel steps: resolved in the kernels library
  // Indices into ExecutionPlan::buffers. Kernel steps: the kernel's parameters. Host steps: the
  // op's inputs, then its outputs; -1 for an absent optional input or an unused output.
  std::vector<int32_t> buffers;
  StepKind kind = StepKind::kKernel;
  std::string host_op{};                    // host steps: the ONNX op type ("NonZero")
  int32_t num_inputs = 0;                   // host steps: how many of `buffers` are inputs
  std::vector<HostAttribute> attributes{};  // host steps: the op's integer attributes
  ControlFlow control{};                    // control steps
};
// "stitch_kernel_k3" or "host NonZero", for profiles and errors.
std::string step_name(const PlanStep& step);

// An input whose *value* the compiler specialized on (a Reshape's target shape, a Resize's
// scales given as a graph input): code was generated for exactly these bytes, so a run with
// other values is refused instead of computing with the wrong shapes.
struct InputValueGuard {
  int32_t input = -1;            // graph input index
  std::vector<std::byte> value;  // the bytes it must hold
};

struct ExecutionPlan {
  std::vector<PlanBuffer> buffers;
  std::vector<PlanStep> steps;
  // Buffers of the graph inputs and outputs, in graph order. An output may be a constant or an
  // input buffer too (a graph that returns one unchanged); it is then copied.
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<InputValueGuard> input_value_guards;
  int64_t arena_size = 0;
  int64_t sum_of_intermediates = 0;  // bytes the intermediates would take without reuse
  // The plans of control-flow bodies, each run by a control step (they may nest).
  std::vector<ExecutionPlan> bodies;
};

// How many steps call a kernel, bodies included (the rest run host ops or control flow).
int64_t count_kernel_steps(const ExecutionPlan& plan);
// How many dynamic buffers the plan has (their indices are 0..n-1, each once).
int64_t count_dynamic_buffers(const ExecutionPlan& plan);

// Checks indices, roles and sizes (bodies too) so a corrupt artifact gives an error, not a crash.
Status validate_execution_plan(const ExecutionPlan& plan, int64_t num_constants);

}  // namespace stitch::runtime
