// Reference kernels of If, Loop and Scan: they run their body graphs through the interpreter
// (outer-scope names resolve against the running frames). Part of reference/kernels/.
#include <algorithm>
#include <cstring>

#include "reference/interpreter.h"
#include "reference/kernel_registry.h"

namespace stitch::reference {
namespace {

// A Loop without a trip count runs until its condition turns false; the interpreter stops such a
// loop after this many iterations with an error instead of hanging.
constexpr int64_t kMaxUnboundedIterations = 10'000'000;

// Element [index] of `t` along `axis`, with that axis removed.
Tensor take_along(const Tensor& t, int64_t axis, int64_t index) {
  Shape shape = t.shape();
  int64_t outer = shape_product(shape, 0, axis);
  int64_t inner = shape_product(shape, axis + 1, shape.size()) * dtype_size(t.dtype());
  int64_t len = shape[axis];
  shape.erase(shape.begin() + axis);
  Tensor out(t.dtype(), shape);
  const auto* src = static_cast<const uint8_t*>(t.raw_data());
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(dst + o * inner, src + (o * len + index) * inner, static_cast<size_t>(inner));
  }
  return out;
}

// Stacks equally-shaped slices along a new `axis`.
Expected<Tensor> stack_along(const std::vector<Tensor>& parts, int64_t axis) {
  const Tensor& first = parts.front();
  for (const auto& p : parts) {
    if (p.shape() != first.shape() || p.dtype() != first.dtype()) {
      return error("scan outputs of different iterations differ: ", p.type_string(), " vs ",
                   first.type_string());
    }
  }
  Shape shape = first.shape();
  if (axis < 0) axis += static_cast<int64_t>(shape.size()) + 1;
  if (axis < 0 || axis > static_cast<int64_t>(shape.size())) return error("bad scan output axis");
  int64_t outer = shape_product(shape, 0, axis);
  int64_t inner = shape_product(shape, axis, shape.size()) * dtype_size(first.dtype());
  int64_t n = static_cast<int64_t>(parts.size());
  shape.insert(shape.begin() + axis, n);
  Tensor out(first.dtype(), shape);
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < n; ++k) {
      const auto* src = static_cast<const uint8_t*>(parts[k].raw_data());
      std::memcpy(dst + (o * n + k) * inner, src + o * inner, static_cast<size_t>(inner));
    }
  }
  return out;
}

bool truthy(const Tensor& t) { return t.numel() > 0 && t.as_double(0) != 0; }

Status run_if(KernelContext& ctx) {
  bool cond = truthy(ctx.input(0));
  const graph::Graph* branch = ctx.node().attr_graph(cond ? "then_branch" : "else_branch");
  STITCH_ASSIGN_OR_RETURN(auto outs, ctx.interpreter()->run_subgraph(*branch, {}));
  for (int i = 0; i < ctx.num_outputs(); ++i) ctx.output(i) = std::move(outs[i]);
  return Status::ok();
}

Status run_loop(KernelContext& ctx) {
  const graph::Graph& body = *ctx.node().attr_graph("body");
  bool bounded = ctx.has_input(0);
  int64_t trip = bounded ? ctx.input(0).as_int64(0) : kMaxUnboundedIterations;
  bool cond = ctx.has_input(1) ? truthy(ctx.input(1)) : true;
  int n_carried = ctx.num_inputs() - 2;
  int n_scan = ctx.num_outputs() - n_carried;
  if (n_carried < 0 || n_scan < 0) return error("Loop outputs do not match its inputs");
  std::vector<Tensor> carried;
  for (int i = 0; i < n_carried; ++i) carried.push_back(ctx.input(2 + i).clone());
  std::vector<std::vector<Tensor>> scans(n_scan);
  for (int64_t it = 0; it < trip && cond; ++it) {
    Tensor iter = Tensor::scalar<int64_t>(it);
    Tensor c = Tensor::scalar<bool>(cond);
    std::vector<const Tensor*> in = {&iter, &c};
    for (auto& t : carried) in.push_back(&t);
    STITCH_ASSIGN_OR_RETURN(auto outs, ctx.interpreter()->run_subgraph(body, in));
    cond = truthy(outs[0]);
    for (int i = 0; i < n_carried; ++i) carried[i] = std::move(outs[1 + i]);
    for (int k = 0; k < n_scan; ++k) scans[k].push_back(std::move(outs[1 + n_carried + k]));
    if (!bounded && cond && it + 1 == trip) {
      return error("Loop without a trip count ran ", trip,
                   " iterations and its condition is still true; stopping");
    }
  }
  for (int i = 0; i < n_carried; ++i) ctx.output(i) = std::move(carried[i]);
  for (int k = 0; k < n_scan; ++k) {
    if (scans[k].empty()) return error("unsupported: Loop that runs zero times with scan outputs");
    STITCH_ASSIGN_OR_RETURN(ctx.output(n_carried + k), stack_along(scans[k], 0));
  }
  return Status::ok();
}

struct ScanSpec {
  int64_t n_state = 0;
  std::vector<int64_t> in_axes, in_dirs, out_axes, out_dirs;
};

// One scan: states, then scan inputs sliced along their axes each iteration; returns the final
// states followed by the stacked scan outputs.
Expected<std::vector<Tensor>> scan_core(const Interpreter& interp, const graph::Graph& body,
                                        ScanSpec spec, std::vector<const Tensor*> states_in,
                                        std::vector<const Tensor*> scan_in) {
  size_t n_out = body.outputs().size();
  if (n_out < states_in.size()) return error("the Scan body has too few outputs");
  size_t n_scan_out = n_out - states_in.size();
  if (spec.in_axes.size() != scan_in.size() || spec.in_dirs.size() != scan_in.size() ||
      spec.out_axes.size() != n_scan_out || spec.out_dirs.size() != n_scan_out) {
    return error("scan axes/directions attributes have the wrong length");
  }
  int64_t len = -1;
  for (size_t j = 0; j < scan_in.size(); ++j) {
    STITCH_ASSIGN_OR_RETURN(spec.in_axes[j], normalize_axis(spec.in_axes[j], scan_in[j]->rank()));
    if (len >= 0 && scan_in[j]->dim(spec.in_axes[j]) != len) {
      return error("scan inputs differ in length");
    }
    len = scan_in[j]->dim(spec.in_axes[j]);
  }
  std::vector<Tensor> states;
  for (const Tensor* t : states_in) states.push_back(t->clone());
  std::vector<std::vector<Tensor>> scans(n_scan_out);
  for (int64_t t = 0; t < len; ++t) {
    std::vector<Tensor> slices;
    for (size_t j = 0; j < scan_in.size(); ++j) {
      int64_t idx = spec.in_dirs[j] ? len - 1 - t : t;
      slices.push_back(take_along(*scan_in[j], spec.in_axes[j], idx));
    }
    std::vector<const Tensor*> in;
    for (auto& s : states) in.push_back(&s);
    for (auto& s : slices) in.push_back(&s);
    STITCH_ASSIGN_OR_RETURN(auto outs, interp.run_subgraph(body, in));
    for (size_t i = 0; i < states.size(); ++i) states[i] = std::move(outs[i]);
    for (size_t k = 0; k < n_scan_out; ++k) scans[k].push_back(std::move(outs[states.size() + k]));
  }
  std::vector<Tensor> result = std::move(states);
  for (size_t k = 0; k < n_scan_out; ++k) {
    if (scans[k].empty())
      return error("unsupported: Scan over an empty sequence with scan outputs");
    if (spec.out_dirs[k]) std::reverse(scans[k].begin(), scans[k].end());
    STITCH_ASSIGN_OR_RETURN(Tensor stacked, stack_along(scans[k], spec.out_axes[k]));
    result.push_back(std::move(stacked));
  }
  return result;
}

// Scan 9+: no batch axis; per-input axes and directions.
Status run_scan9(KernelContext& ctx) {
  const graph::Node& n = ctx.node();
  int64_t n_scan_in = n.attr_int("num_scan_inputs", 0);
  ScanSpec spec;
  spec.n_state = ctx.num_inputs() - n_scan_in;
  int64_t n_scan_out = ctx.num_outputs() - spec.n_state;
  if (n_scan_in < 1 || spec.n_state < 0 || n_scan_out < 0) return error("bad num_scan_inputs");
  spec.in_axes = n.attr_ints("scan_input_axes", std::vector<int64_t>(n_scan_in, 0));
  spec.in_dirs = n.attr_ints("scan_input_directions", std::vector<int64_t>(n_scan_in, 0));
  spec.out_axes = n.attr_ints("scan_output_axes", std::vector<int64_t>(n_scan_out, 0));
  spec.out_dirs = n.attr_ints("scan_output_directions", std::vector<int64_t>(n_scan_out, 0));
  std::vector<const Tensor*> states, scan_in;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return error("Scan inputs cannot be omitted");
    (i < spec.n_state ? states : scan_in).push_back(&ctx.input(i));
  }
  STITCH_ASSIGN_OR_RETURN(
      auto outs, scan_core(*ctx.interpreter(), *n.attr_graph("body"), spec, states, scan_in));
  for (int i = 0; i < ctx.num_outputs(); ++i) ctx.output(i) = std::move(outs[i]);
  return Status::ok();
}

// Scan 8: input 0 is the optional sequence_lens, every input has a leading batch axis, and the
// sequence axis is 1. Each batch entry is one Scan 9 over axis 0.
Status run_scan8(KernelContext& ctx) {
  const graph::Node& n = ctx.node();
  int64_t n_scan_in = n.attr_int("num_scan_inputs", 0);
  int64_t n_state = ctx.num_inputs() - 1 - n_scan_in;
  int64_t n_scan_out = ctx.num_outputs() - n_state;
  if (n_scan_in < 1 || n_state < 0 || n_scan_out < 0) return error("bad num_scan_inputs");
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i) || ctx.input(i).rank() < 1) return error("Scan inputs need a batch axis");
  }
  int64_t batch = ctx.input(1).dim(0);
  if (ctx.has_input(0)) {
    for (int64_t b = 0; b < batch; ++b) {
      int64_t full = ctx.input(static_cast<int>(1 + n_state)).rank() > 1
                         ? ctx.input(static_cast<int>(1 + n_state)).dim(1)
                         : 0;
      if (ctx.input(0).as_int64(b) != full) {
        return error("unsupported: Scan 8 with sequence_lens shorter than the sequence");
      }
    }
  }
  ScanSpec spec;
  spec.n_state = n_state;
  spec.in_axes.assign(n_scan_in, 0);
  spec.in_dirs = n.attr_ints("directions", std::vector<int64_t>(n_scan_in, 0));
  spec.out_axes.assign(n_scan_out, 0);
  spec.out_dirs.assign(n_scan_out, 0);
  std::vector<std::vector<Tensor>> per_output(ctx.num_outputs());
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Tensor> slices;
    for (int i = 1; i < ctx.num_inputs(); ++i) slices.push_back(take_along(ctx.input(i), 0, b));
    std::vector<const Tensor*> states, scan_in;
    for (int64_t i = 0; i < static_cast<int64_t>(slices.size()); ++i) {
      (i < n_state ? states : scan_in).push_back(&slices[i]);
    }
    STITCH_ASSIGN_OR_RETURN(
        auto outs, scan_core(*ctx.interpreter(), *n.attr_graph("body"), spec, states, scan_in));
    for (size_t k = 0; k < outs.size(); ++k) per_output[k].push_back(std::move(outs[k]));
  }
  for (int k = 0; k < ctx.num_outputs(); ++k) {
    if (per_output[k].empty()) return error("unsupported: Scan 8 with an empty batch");
    STITCH_ASSIGN_OR_RETURN(ctx.output(k), stack_along(per_output[k], 0));
  }
  return Status::ok();
}

Status run_scan(KernelContext& ctx) {
  return ctx.node().opset() < 9 ? run_scan8(ctx) : run_scan9(ctx);
}

}  // namespace

void register_control_flow_kernels(KernelRegistry& r) {
  r.add("", "If", run_if);
  r.add("", "Loop", run_loop);
  r.add("", "Scan", run_scan);
}

}  // namespace stitch::reference
