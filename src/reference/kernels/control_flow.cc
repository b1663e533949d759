// Reference kernels of If, Loop and Scan: they run their body graphs through the interpreter
// (outer-scope names resolve against the running frames). The iteration itself is the runtime's
// (runtime/host_ops/control_flow.h), which the compiled engine shares. Part of
// reference/kernels/.
#include "runtime/host_ops/control_flow.h"

#include "reference/interpreter.h"
#include "reference/kernel_registry.h"

namespace stitch::reference {
namespace {

namespace host = runtime::host_ops;

host::BodyFn interpreted(const KernelContext& ctx, const graph::Graph& body) {
  const Interpreter* interp = ctx.interpreter();
  return [interp, &body](const std::vector<const Tensor*>& in) {
    return interp->run_subgraph(body, in);
  };
}

Status set_outputs(KernelContext& ctx, std::vector<Tensor> outs) {
  if (static_cast<int>(outs.size()) != ctx.num_outputs()) {
    return error("the body gave ", outs.size(), " values for ", ctx.num_outputs(), " outputs");
  }
  for (int i = 0; i < ctx.num_outputs(); ++i) ctx.output(i) = std::move(outs[i]);
  return Status::ok();
}

Status run_if(KernelContext& ctx) {
  const bool cond = host::condition_holds(ctx.input(0));
  const graph::Graph* branch = ctx.node().attr_graph(cond ? "then_branch" : "else_branch");
  STITCH_ASSIGN_OR_RETURN(auto outs, ctx.interpreter()->run_subgraph(*branch, {}));
  return set_outputs(ctx, std::move(outs));
}

Status run_loop(KernelContext& ctx) {
  host::LoopArgs args;
  args.trip_count = ctx.has_input(0) ? &ctx.input(0) : nullptr;
  args.condition = ctx.has_input(1) ? &ctx.input(1) : nullptr;
  const int n_carried = ctx.num_inputs() - 2;
  if (n_carried < 0 || ctx.num_outputs() < n_carried) {
    return error("Loop outputs do not match its inputs");
  }
  for (int i = 0; i < n_carried; ++i) {
    if (!ctx.has_input(2 + i)) return error("Loop-carried inputs cannot be omitted");
    args.carried.push_back(&ctx.input(2 + i));
  }
  args.num_scan_outputs = static_cast<size_t>(ctx.num_outputs() - n_carried);
  STITCH_ASSIGN_OR_RETURN(auto outs,
                          host::run_loop(args, interpreted(ctx, *ctx.node().attr_graph("body"))));
  return set_outputs(ctx, std::move(outs));
}

// Scan 9+: (states..., scan inputs...) with per-input axes and directions. Scan 8: input 0 is
// the optional sequence_lens, everything has a batch axis 0 and the sequence is on axis 1.
Status run_scan(KernelContext& ctx) {
  const graph::Node& n = ctx.node();
  host::ScanArgs args;
  args.batched = n.opset() < 9;
  const int first = args.batched ? 1 : 0;
  const int64_t n_scan_in = n.attr_int("num_scan_inputs", 0);
  const int64_t n_state = ctx.num_inputs() - first - n_scan_in;
  const int64_t n_scan_out = ctx.num_outputs() - n_state;
  if (n_scan_in < 1 || n_state < 0 || n_scan_out < 0) return error("bad num_scan_inputs");
  for (int i = first; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return error("Scan inputs cannot be omitted");
    (i - first < n_state ? args.states : args.scan_inputs).push_back(&ctx.input(i));
  }
  if (args.batched) {
    args.sequence_lens = ctx.has_input(0) ? &ctx.input(0) : nullptr;
    args.input_axes.assign(n_scan_in, 0);
    args.input_reverse = n.attr_ints("directions", std::vector<int64_t>(n_scan_in, 0));
    args.output_axes.assign(n_scan_out, 0);
    args.output_reverse.assign(n_scan_out, 0);
  } else {
    args.input_axes = n.attr_ints("scan_input_axes", std::vector<int64_t>(n_scan_in, 0));
    args.input_reverse = n.attr_ints("scan_input_directions", std::vector<int64_t>(n_scan_in, 0));
    args.output_axes = n.attr_ints("scan_output_axes", std::vector<int64_t>(n_scan_out, 0));
    args.output_reverse =
        n.attr_ints("scan_output_directions", std::vector<int64_t>(n_scan_out, 0));
  }
  STITCH_ASSIGN_OR_RETURN(auto outs, host::run_scan(args, interpreted(ctx, *n.attr_graph("body"))));
  return set_outputs(ctx, std::move(outs));
}

}  // namespace

void register_control_flow_kernels(KernelRegistry& r) {
  r.add("", "If", run_if);
  r.add("", "Loop", run_loop);
  r.add("", "Scan", run_scan);
}

}  // namespace stitch::reference
