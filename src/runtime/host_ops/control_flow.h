// The iteration of the control-flow ops Loop and Scan on the host: slicing scan inputs, running
// the body, threading states and stacking scan outputs, with ONNX semantics. The body is a
// callback, so the reference interpreter (which interprets it) and the runtime executor (which
// runs its compiled plan) share one implementation. Part of runtime/host_ops/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "support/status.h"
#include "support/tensor.h"

namespace stitch::runtime::host_ops {

// Runs a body on its formal inputs and returns its outputs.
using BodyFn = std::function<Expected<std::vector<Tensor>>(const std::vector<const Tensor*>&)>;

// A Loop without a trip count runs until its condition turns false; stopped with an error after
// this many iterations instead of hanging.
inline constexpr int64_t kMaxUnboundedIterations = 10'000'000;

// The element type and shape of one iteration's scan output, when known before the run: a Loop
// that runs zero times then still returns [0, ...] of it.
struct IterationType {
  DType dtype = DType::kUndefined;
  Shape shape;
};

struct LoopArgs {
  const Tensor* trip_count = nullptr;  // optional int64 scalar
  const Tensor* condition = nullptr;   // optional bool scalar
  std::vector<const Tensor*> carried;  // the initial loop-carried values
  size_t num_scan_outputs = 0;
  std::vector<std::optional<IterationType>> scan_output_types;  // empty, or one per scan output
};
// Final carried values, then the scan outputs stacked along a new axis 0. The body takes
// (iteration, condition, carried...) and returns (condition, carried..., scan outputs...).
Expected<std::vector<Tensor>> run_loop(const LoopArgs& args, const BodyFn& body);

struct ScanArgs {
  std::vector<const Tensor*> states;
  std::vector<const Tensor*> scan_inputs;
  std::vector<int64_t> input_axes, input_reverse;    // per scan input
  std::vector<int64_t> output_axes, output_reverse;  // per scan output
  // Scan 8: every input and output has a batch axis 0 (the scan axes count without it), and
  // each batch entry is scanned on its own.
  bool batched = false;
  // Scan 8's optional sequence_lens (int, one per batch entry): only full lengths are supported.
  const Tensor* sequence_lens = nullptr;
};
// Final states, then the scan outputs stacked along their axes. The body takes (states...,
// scan input slices...) and returns (states..., scan output slices...).
Expected<std::vector<Tensor>> run_scan(const ScanArgs& args, const BodyFn& body);

// True when `t` has a first element and it is not zero (an If or Loop condition).
bool condition_holds(const Tensor& t);

}  // namespace stitch::runtime::host_ops
