// The compiler driver: passes → partition, with printing and timing per stage.
// Part of driver/.
#include "driver/compile_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace stitch::driver {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Status check_stage_names(const std::set<std::string>& requested) {
  std::vector<std::string> known = compile_stage_names();
  for (const auto& name : requested) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    return error("unknown stage '", name, "' for --print-after (stages: ", list, ")");
  }
  return Status::ok();
}

}  // namespace

std::vector<std::string> compile_stage_names() {
  std::vector<std::string> names = passes::make_default_pipeline().pass_names();
  names.push_back("passes");
  names.push_back("partition");
  names.push_back("lower");  // printed by the compiled engine, which lowers
  return names;
}

Expected<CompileResult> run_compile_pipeline(graph::Graph& graph, const CompileOptions& options) {
  STITCH_RETURN_IF_ERROR(check_stage_names(options.print_after));
  if ((options.time_stages || !options.print_after.empty()) && !options.log) {
    return error("internal: compile options request output but give no log stream");
  }
  CompileResult result;
  result.nodes_before = graph.num_nodes();
  std::ostream* log = options.log;
  auto wants = [&](const std::string& s) { return options.print_after.count(s) != 0; };

  passes::PassPipeline pipeline = passes::make_default_pipeline(options.passes);
  pipeline.set_after_pass([&](const passes::PassEvent& e) {
    std::string name = e.pass.name();
    result.stage_times.push_back({"pass " + name, e.seconds});
    if (wants(name)) {
      *log << "// after " << name << " (round " << e.round + 1
           << (e.changed ? ", changed" : ", unchanged") << ")\n"
           << e.graph.to_string();
    }
  });
  auto t0 = std::chrono::steady_clock::now();
  STITCH_ASSIGN_OR_RETURN(bool changed, pipeline.run(graph));
  (void)changed;
  result.stage_times.push_back({"passes (total)", seconds_since(t0)});
  result.nodes_after = graph.num_nodes();
  if (wants("passes")) *log << "// after passes\n" << graph.to_string();

  t0 = std::chrono::steady_clock::now();
  STITCH_ASSIGN_OR_RETURN(result.partition, partition::partition_graph(graph, options.partition));
  result.stage_times.push_back({"partition", seconds_since(t0)});
  if (wants("partition")) {
    *log << "// after partition\n" << partition::partition_to_string(graph, result.partition);
  }
  if (options.time_stages) {
    for (const auto& st : result.stage_times) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "time %-28s %9.3f ms\n", st.stage.c_str(), st.seconds * 1e3);
      *log << buf;
    }
  }
  return result;
}

}  // namespace stitch::driver
