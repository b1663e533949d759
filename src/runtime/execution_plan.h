// The execution plan of a compiled model as plain data: a table of buffers (inputs, outputs,
// constants, arena-planned intermediates) and the kernel calls in order. Part of runtime/;
// the driver builds it from lowered subgraphs, the artifact stores it, the executor runs it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "support/dtype.h"
#include "support/shape.h"

namespace stitch::runtime {

enum class BufferRole {
  kInput,         // graph input `index`, bound per run
  kOutput,        // graph output `index`, allocated per run (later kernels may read it)
  kConstant,      // constant `index` of the constant pool
  kIntermediate,  // lives at `arena_offset` in the session's arena
};
const char* buffer_role_name(BufferRole role);

struct PlanBuffer {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
  BufferRole role = BufferRole::kIntermediate;
  int64_t index = -1;         // input, output or constant index, by role
  int64_t arena_offset = -1;  // intermediates only
  int64_t nbytes() const { return shape_numel(shape) * static_cast<int64_t>(dtype_size(dtype)); }
};

struct PlanStep {
  std::string kernel_symbol;     // resolved in the kernels library
  std::vector<int32_t> buffers;  // indices into ExecutionPlan::buffers, the kernel's parameters
};

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
};

// Checks indices, roles and sizes so a corrupt artifact gives an error, not a crash.
Status validate_execution_plan(const ExecutionPlan& plan, int64_t num_constants);

}  // namespace stitch::runtime
