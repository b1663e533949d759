// `stitch bench`: repeated timed runs; the last line of stdout is one JSON object
// (median_ms, min_ms, p90_ms, mean_ms, max_ms, runs, warmup, threads, engine, model).
// Part of tools/.
#include <cstdio>

#include "cli_args.h"
#include "driver/benchmark.h"
#include "driver/profile_trace.h"
#include "driver/session.h"

namespace stitch::cli {
namespace {

constexpr const char* kHelp =
    "usage: stitch bench MODEL.onnx|ARTIFACT [--engine compiled|reference] [--threads N]\n"
    "                    [--warmup N] [--runs N] [compiler flags]\n"
    "                    [--min-seconds S] [--input [NAME=]FILE]... [--random-inputs SEED]\n"
    "\n"
    "Times repeated runs of MODEL. Inputs not given are random (seed 0 unless\n"
    "--random-inputs). The last line of stdout is one JSON object with median_ms, min_ms,\n"
    "p90_ms, mean_ms, max_ms, runs, warmup, threads and engine.\n"
    "  --warmup N        untimed runs first (default 3)\n"
    "  --runs N          at least N timed runs (default 10)\n"
    "  --min-seconds S   and keep running until S seconds were timed (default 0)\n";

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

}  // namespace

int bench_command(int argc, char** argv) {
  auto args = parse_engine_command(argc, argv, {"--warmup", "--runs", "--min-seconds"});
  if (!args.is_ok()) return fail(args.status());
  if (args->has("--help")) return std::printf("%s%s", kHelp, kEngineHelp), 0;
  if (args->positionals().size() != 1) {
    return fail(Status::error("stitch bench takes exactly one MODEL (see --help)"));
  }
  auto seed = args->get_int("--random-inputs", 0);
  auto warmup = args->get_int("--warmup", 3);
  auto runs = args->get_int("--runs", 10);
  auto min_s = args->get_double("--min-seconds", 0);
  for (const Status* s : {&seed.status(), &warmup.status(), &runs.status(), &min_s.status()}) {
    if (!s->is_ok()) return fail(*s);
  }
  std::vector<driver::InputSpec> specs;
  for (const auto& s : args->get_all("--input")) specs.push_back(driver::parse_input_spec(s));
  auto eo = engine_options(*args, kDefaultEngine);
  if (!eo.is_ok()) return fail(eo.status());
  auto session = driver::open_session(args->positionals()[0], *eo, specs, *seed);
  if (!session.is_ok()) return fail(session.status());
  if (Status s = start_profile(*args, *session->engine); !s.is_ok()) return fail(s);
  driver::BenchOptions bo{static_cast<int>(*warmup), static_cast<int>(*runs), *min_s};
  auto r = driver::run_benchmark(*session->engine, session->input_pointers(), bo);
  if (!r.is_ok()) return fail(r.status());
  if (Status s = finish_profile(*args, *session->engine); !s.is_ok()) return fail(s);
  std::printf("%s: %zu runs, median %.3f ms, min %.3f ms, p90 %.3f ms (engine %s, %d thread(s))\n",
              args->positionals()[0].c_str(), r->times_ms.size(), r->median_ms, r->min_ms,
              r->p90_ms, session->engine->name().c_str(), session->engine->threads());
  std::printf(
      "{\"model\": \"%s\", \"engine\": \"%s\", \"threads\": %d, \"warmup\": %d, \"runs\": %zu, "
      "\"median_ms\": %.6f, \"min_ms\": %.6f, \"p90_ms\": %.6f, \"mean_ms\": %.6f, "
      "\"max_ms\": %.6f}\n",
      json_escape(args->positionals()[0]).c_str(), session->engine->name().c_str(),
      session->engine->threads(), static_cast<int>(*warmup), r->times_ms.size(), r->median_ms,
      r->min_ms, r->p90_ms, r->mean_ms, r->max_ms);
  return 0;
}

}  // namespace stitch::cli
