// Reference kernels of If, Loop and Scan: they run their body graphs through the interpreter
// (outer-scope names resolve against the running frames). The iteration itself is the runtime's
// (runtime/host_ops/control_flow.h), which the compiled engine shares. Part of
// reference/kernels/.
#include "runtime/host_ops/control_flow.h"

#include "graph/body_graph.h"
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
  STITCH_ASSIGN_OR_RETURN(graph::ScanAttributes scan, graph::scan_attributes(n));
  host::ScanArgs args;
  args.batched = scan.batched;
  const int first = scan.batched ? 1 : 0;
  for (int i = first; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return error("Scan inputs cannot be omitted");
    (i - first < scan.num_states ? args.states : args.scan_inputs).push_back(&ctx.input(i));
  }
  if (scan.batched && ctx.has_input(0)) args.sequence_lens = &ctx.input(0);
  args.input_axes = std::move(scan.input_axes);
  args.input_reverse = std::move(scan.input_reverse);
  args.output_axes = std::move(scan.output_axes);
  args.output_reverse = std::move(scan.output_reverse);
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
