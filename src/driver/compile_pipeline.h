// The one function that runs the compiler's stages in order (DESIGN 2): graph passes, then
// partitioning; it can print the IR after any stage (--print-after) and times every stage
// (--time-stages). Part of driver/; lowering, code generation and packaging join here next.
#pragma once

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "partition/graph_partition.h"
#include "passes/pass_pipeline.h"

namespace stitch::driver {

struct CompileOptions {
  passes::PipelineOptions passes;
  partition::PartitionOptions partition;
  // Stage names after which to print the IR: any pass name, "passes" (the graph after all
  // passes), "partition". Unknown names are an error listing the valid ones.
  std::set<std::string> print_after;
  bool time_stages = false;
  std::ostream* log = nullptr;  // where prints and times go (required if either is requested)
};

struct StageTime {
  std::string stage;
  double seconds = 0;
};

struct CompileResult {
  partition::GraphPartition partition;
  std::vector<StageTime> stage_times;
  int nodes_before = 0;
  int nodes_after = 0;
};

// The stage names --print-after accepts, in pipeline order.
std::vector<std::string> compile_stage_names();

// Optimizes `graph` in place and partitions it.
Expected<CompileResult> run_compile_pipeline(graph::Graph& graph, const CompileOptions& options);

}  // namespace stitch::driver
