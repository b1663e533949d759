// `stitch info`: inputs, outputs, op histogram, parameters and GFLOPs of a model; with
// --passes/--fusion/--print-after/--time-stages also what the compiler's stages make of it.
// Part of tools/.
#include <cstdio>
#include <iostream>

#include "cli_args.h"
#include "driver/compile_pipeline.h"
#include "driver/model_info.h"
#include "frontend/onnx/onnx_importer.h"

namespace stitch::cli {
namespace {

constexpr const char* kHelp =
    "usage: stitch info MODEL.onnx [--passes] [--fusion none|single|arbitrary]\n"
    "                   [--print-after STAGE]... [--time-stages]\n"
    "\n"
    "Prints inputs and outputs (shapes, dtypes, symbolic dims), the op histogram, parameter\n"
    "count and GFLOPs per run. With any of the flags below it also runs the compiler's graph\n"
    "passes and partitioner and summarizes them:\n"
    "  --passes             run the graph passes and partitioner, print a summary\n"
    "  --fusion P           partition policy: none, single or arbitrary (default)\n"
    "  --print-after STAGE  print the IR after STAGE: a pass name, 'passes' or 'partition'\n"
    "  --time-stages        print the time of every stage\n";

int run_stages(graph::Graph& g, const Args& args) {
  driver::CompileOptions opt;
  opt.log = &std::cout;
  opt.time_stages = args.has("--time-stages");
  for (const auto& s : args.get_all("--print-after")) opt.print_after.insert(s);
  auto policy = partition::parse_fusion_policy(args.get("--fusion", "arbitrary"));
  if (!policy.is_ok()) return fail(policy.status());
  opt.partition.policy = *policy;
  auto r = driver::run_compile_pipeline(g, opt);
  if (!r.is_ok()) return fail(r.status());
  std::printf("after passes: %d nodes (was %d)\n", r->nodes_after, r->nodes_before);
  std::printf("partition (%s): %zu subgraphs\n", partition::fusion_policy_name(*policy),
              r->partition.subgraphs.size());
  return 0;
}

}  // namespace

int info_command(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--fusion", "--print-after"},
                          {"--help", "--passes", "--time-stages"});
  if (!args.is_ok()) return fail(args.status());
  if (args->has("--help")) return std::fputs(kHelp, stdout), 0;
  if (args->positionals().size() != 1) {
    return fail(Status::error("stitch info takes exactly one MODEL (see --help)"));
  }
  auto g = frontend::import_onnx_file(args->positionals()[0]);
  if (!g.is_ok()) return fail(g.status());
  driver::ModelInfo info = driver::compute_model_info(**g);
  std::fputs(driver::format_model_info(**g, info).c_str(), stdout);
  bool stages = args->has("--passes") || args->has("--fusion") || args->has("--print-after") ||
                args->has("--time-stages");
  return stages ? run_stages(**g, *args) : 0;
}

}  // namespace stitch::cli
