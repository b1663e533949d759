// Loop and Scan iteration on the host (see control_flow.h). Part of runtime/host_ops/.
#include "runtime/host_ops/control_flow.h"

#include <algorithm>
#include <cstring>

namespace stitch::runtime::host_ops {
namespace {

// Element [index] of `t` along `axis`, with that axis removed.
Tensor take_along(const Tensor& t, int64_t axis, int64_t index) {
  Shape shape = t.shape();
  const int64_t outer = shape_product(shape, 0, axis);
  const int64_t inner = shape_product(shape, axis + 1, shape.size()) * dtype_size(t.dtype());
  const int64_t len = shape[axis];
  shape.erase(shape.begin() + axis);
  Tensor out(t.dtype(), shape);
  if (inner == 0) return out;
  const auto* src = static_cast<const uint8_t*>(t.raw_data());
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(dst + o * inner, src + (o * len + index) * inner, static_cast<size_t>(inner));
  }
  return out;
}

// Stacks equally-typed slices along a new `axis` (negative counts from the end of the result).
// With no slices, `empty_type` gives the slice type of a zero-length result.
Expected<Tensor> stack_along(const std::vector<Tensor>& parts, int64_t axis,
                             const std::optional<IterationType>& empty_type) {
  DType dtype;
  Shape shape;
  if (!parts.empty()) {
    dtype = parts.front().dtype();
    shape = parts.front().shape();
  } else if (empty_type) {
    dtype = empty_type->dtype;
    shape = empty_type->shape;
  } else {
    return error("unsupported: a scan output of zero iterations whose element type is unknown");
  }
  for (const auto& p : parts) {
    if (p.shape() != shape || p.dtype() != dtype) {
      return error("scan outputs of different iterations differ: ", p.type_string(), " vs ",
                   parts.front().type_string());
    }
  }
  if (dtype_size(dtype) == 0) return error("unsupported: a scan output of ", dtype_name(dtype));
  STITCH_ASSIGN_OR_RETURN(axis, normalize_axis(axis, static_cast<int64_t>(shape.size()) + 1));
  const int64_t outer = shape_product(shape, 0, axis);
  const int64_t inner = shape_product(shape, axis, shape.size()) * dtype_size(dtype);
  const int64_t n = static_cast<int64_t>(parts.size());
  shape.insert(shape.begin() + axis, n);
  Tensor out(dtype, shape);
  if (inner == 0 || n == 0) return out;
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < n; ++k) {
      const auto* src = static_cast<const uint8_t*>(parts[k].raw_data());
      std::memcpy(dst + (o * n + k) * inner, src + o * inner, static_cast<size_t>(inner));
    }
  }
  return out;
}

Status check_body_outputs(const std::vector<Tensor>& outs, size_t expected, const char* op) {
  if (outs.size() != expected) {
    return error("the ", op, " body returned ", outs.size(), " values, expected ", expected);
  }
  return Status::ok();
}

// One Scan 9 over `states` and `scan_in` (no batch axis).
Expected<std::vector<Tensor>> scan_once(const ScanArgs& a, std::vector<const Tensor*> states_in,
                                        std::vector<const Tensor*> scan_in, const BodyFn& body) {
  const size_t n_scan_out = a.output_axes.size();
  int64_t len = -1;
  std::vector<int64_t> axes(scan_in.size());
  for (size_t j = 0; j < scan_in.size(); ++j) {
    STITCH_ASSIGN_OR_RETURN(axes[j], normalize_axis(a.input_axes[j], scan_in[j]->rank()));
    const int64_t n = scan_in[j]->dim(axes[j]);
    if (len >= 0 && n != len) return error("scan inputs differ in length: ", len, " and ", n);
    len = n;
  }
  std::vector<Tensor> states;
  for (const Tensor* t : states_in) states.push_back(t->clone());
  std::vector<std::vector<Tensor>> scans(n_scan_out);
  for (int64_t t = 0; t < len; ++t) {
    std::vector<Tensor> slices;
    for (size_t j = 0; j < scan_in.size(); ++j) {
      slices.push_back(take_along(*scan_in[j], axes[j], a.input_reverse[j] ? len - 1 - t : t));
    }
    std::vector<const Tensor*> in;
    for (const Tensor& s : states) in.push_back(&s);
    for (const Tensor& s : slices) in.push_back(&s);
    STITCH_ASSIGN_OR_RETURN(auto outs, body(in));
    STITCH_RETURN_IF_ERROR(check_body_outputs(outs, states.size() + n_scan_out, "Scan"));
    for (size_t i = 0; i < states.size(); ++i) states[i] = std::move(outs[i]);
    for (size_t k = 0; k < n_scan_out; ++k) scans[k].push_back(std::move(outs[states.size() + k]));
  }
  std::vector<Tensor> result = std::move(states);
  for (size_t k = 0; k < n_scan_out; ++k) {
    if (a.output_reverse[k]) std::reverse(scans[k].begin(), scans[k].end());
    STITCH_ASSIGN_OR_RETURN(Tensor stacked, stack_along(scans[k], a.output_axes[k], std::nullopt));
    result.push_back(std::move(stacked));
  }
  return result;
}

}  // namespace

bool condition_holds(const Tensor& t) { return t.numel() > 0 && t.as_double(0) != 0; }

Expected<std::vector<Tensor>> run_loop(const LoopArgs& a, const BodyFn& body) {
  const bool bounded = a.trip_count != nullptr;
  if (bounded && a.trip_count->numel() < 1) return error("Loop: the trip count is empty");
  const int64_t trip = bounded ? a.trip_count->as_int64(0) : kMaxUnboundedIterations;
  bool cond = a.condition ? condition_holds(*a.condition) : true;
  const size_t n_carried = a.carried.size();
  std::vector<Tensor> carried;
  for (const Tensor* t : a.carried) carried.push_back(t->clone());
  std::vector<std::vector<Tensor>> scans(a.num_scan_outputs);
  for (int64_t it = 0; it < trip && cond; ++it) {
    Tensor iter = Tensor::scalar<int64_t>(it);
    Tensor c = Tensor::scalar<bool>(cond);
    std::vector<const Tensor*> in = {&iter, &c};
    for (const Tensor& t : carried) in.push_back(&t);
    STITCH_ASSIGN_OR_RETURN(auto outs, body(in));
    STITCH_RETURN_IF_ERROR(check_body_outputs(outs, 1 + n_carried + a.num_scan_outputs, "Loop"));
    cond = condition_holds(outs[0]);
    for (size_t i = 0; i < n_carried; ++i) carried[i] = std::move(outs[1 + i]);
    for (size_t k = 0; k < a.num_scan_outputs; ++k) {
      scans[k].push_back(std::move(outs[1 + n_carried + k]));
    }
    if (!bounded && cond && it + 1 == trip) {
      return error("Loop without a trip count ran ", trip,
                   " iterations and its condition is still true; stopping");
    }
  }
  std::vector<Tensor> result = std::move(carried);
  for (size_t k = 0; k < a.num_scan_outputs; ++k) {
    std::optional<IterationType> type;
    if (k < a.scan_output_types.size()) type = a.scan_output_types[k];
    STITCH_ASSIGN_OR_RETURN(Tensor stacked, stack_along(scans[k], 0, type));
    result.push_back(std::move(stacked));
  }
  return result;
}

Expected<std::vector<Tensor>> run_scan(const ScanArgs& a, const BodyFn& body) {
  if (a.input_axes.size() != a.scan_inputs.size() ||
      a.input_reverse.size() != a.scan_inputs.size() ||
      a.output_axes.size() != a.output_reverse.size()) {
    return error("Scan: the axes and directions do not match the inputs and outputs");
  }
  if (a.scan_inputs.empty()) return error("Scan needs at least one scan input");
  for (const Tensor* t : a.scan_inputs) {
    if (!t) return error("Scan inputs cannot be omitted");
  }
  for (const Tensor* t : a.states) {
    if (!t) return error("Scan inputs cannot be omitted");
  }
  if (!a.batched) return scan_once(a, a.states, a.scan_inputs, body);
  // Scan 8: each batch entry on its own, the results stacked along the batch axis.
  std::vector<const Tensor*> all = a.states;
  all.insert(all.end(), a.scan_inputs.begin(), a.scan_inputs.end());
  for (const Tensor* t : all) {
    if (t->rank() < 1 || t->dim(0) != all.front()->dim(0)) {
      return error("Scan 8: every input needs the same batch axis 0");
    }
  }
  const int64_t batch = all.front()->dim(0);
  if (a.sequence_lens) {
    const Tensor& lens = *a.sequence_lens;
    const Tensor& first_scan = *a.scan_inputs.front();
    const int64_t full = first_scan.rank() > 1 ? first_scan.dim(1) : 0;
    for (int64_t b = 0; b < batch; ++b) {
      if (b >= lens.numel() || lens.as_int64(b) != full) {
        return error("unsupported: Scan 8 with sequence_lens shorter than the sequence");
      }
    }
  }
  std::vector<std::vector<Tensor>> per_output;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Tensor> slices;
    for (const Tensor* t : all) slices.push_back(take_along(*t, 0, b));
    std::vector<const Tensor*> states, scan_in;
    for (size_t i = 0; i < slices.size(); ++i) {
      (i < a.states.size() ? states : scan_in).push_back(&slices[i]);
    }
    STITCH_ASSIGN_OR_RETURN(auto outs, scan_once(a, states, scan_in, body));
    per_output.resize(outs.size());
    for (size_t k = 0; k < outs.size(); ++k) per_output[k].push_back(std::move(outs[k]));
  }
  if (batch == 0) return error("unsupported: Scan 8 with an empty batch");
  std::vector<Tensor> result;
  for (const auto& parts : per_output) {
    STITCH_ASSIGN_OR_RETURN(Tensor stacked, stack_along(parts, 0, std::nullopt));
    result.push_back(std::move(stacked));
  }
  return result;
}

}  // namespace stitch::runtime::host_ops
