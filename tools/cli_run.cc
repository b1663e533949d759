// `stitch run`: one run of a model; outputs written as DIR/output_<i>.npy in graph-output order
// with a one-line summary each. Part of tools/.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "cli_args.h"
#include "driver/profile_trace.h"
#include "driver/session.h"
#include "support/npy.h"

namespace stitch::cli {
namespace {

constexpr const char* kHelp =
    "usage: stitch run MODEL.onnx|ARTIFACT [--engine compiled|reference]\n"
    "                  [--input [NAME=]FILE]... [--random-inputs SEED] [--output-dir DIR]\n"
    "                  [--threads N] [compiler flags]\n"
    "\n"
    "Runs MODEL once and writes each output to DIR/output_<i>.npy (graph-output order).\n"
    "  --input [NAME=]FILE   an input as NumPy .npy or ONNX TensorProto .pb; a bare FILE\n"
    "                        binds to the graph inputs in order (initializers excluded)\n"
    "  --random-inputs SEED  fill inputs not given with seeded random data\n"
    "                        (floats in [-1,1), integers in [0,10), symbolic dims = 1)\n"
    "  --output-dir DIR      where outputs go (default: stitch_outputs)\n";

// "min/max/mean" of numeric outputs, the first values of strings.
std::string summarize(const Tensor& t) {
  if (t.dtype() == DType::kString || t.numel() == 0) return "";
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = t.as_double(i);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, " min=%.6g max=%.6g mean=%.6g", lo, hi, sum / t.numel());
  return buf;
}

}  // namespace

int run_command(int argc, char** argv) {
  auto args = parse_engine_command(argc, argv, {"--output-dir"});
  if (!args.is_ok()) return fail(args.status());
  if (args->has("--help")) return std::printf("%s%s", kHelp, kEngineHelp), 0;
  if (args->positionals().size() != 1) {
    return fail(Status::error("stitch run takes exactly one MODEL (see --help)"));
  }
  auto seed = args->get_int("--random-inputs", -1);
  if (!seed.is_ok()) return fail(seed.status());
  auto eo = engine_options(*args, kDefaultEngine);
  if (!eo.is_ok()) return fail(eo.status());
  std::vector<driver::InputSpec> specs;
  for (const auto& s : args->get_all("--input")) specs.push_back(driver::parse_input_spec(s));
  auto session = driver::open_session(args->positionals()[0], *eo, specs, *seed);
  if (!session.is_ok()) return fail(session.status());
  if (Status s = start_profile(*args, *session->engine); !s.is_ok()) return fail(s);

  auto t0 = std::chrono::steady_clock::now();
  auto outs = session->engine->run(session->input_pointers());
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!outs.is_ok()) return fail(outs.status());
  if (Status s = finish_profile(*args, *session->engine); !s.is_ok()) return fail(s);

  std::string dir = args->get("--output-dir", "stitch_outputs");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return fail(Status::error("cannot create output directory '" + dir + "': " + ec.message()));
  for (size_t i = 0; i < outs->size(); ++i) {
    const Tensor& t = (*outs)[i];
    std::string path = dir + "/output_" + std::to_string(i) + ".npy";
    Status s = write_npy(path, t);
    if (!s.is_ok()) return fail(s);
    std::printf("output_%zu '%s' %s%s -> %s\n", i, session->output_names[i].c_str(),
                t.type_string().c_str(), summarize(t).c_str(), path.c_str());
  }
  std::printf("engine %s, %d thread(s): %.3f ms\n", session->engine->name().c_str(),
              session->engine->threads(), ms);
  return 0;
}

}  // namespace stitch::cli
