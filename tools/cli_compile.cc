// `stitch compile MODEL.onnx -o ARTIFACT`: compiles a model and writes a deployable artifact
// (kernels library, execution plan, constants) that the runtime library loads without the
// compiler. Part of tools/.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_args.h"
#include "driver/artifact_engine.h"
#include "driver/session.h"

namespace stitch::cli {
namespace {

constexpr const char* kHelp =
    "usage: stitch compile MODEL.onnx -o ARTIFACT [--input [NAME=]FILE]...\n"
    "                      [--random-inputs SEED] [--fusion P] [--target T] [--cxx PATH]\n"
    "                      [--cache-dir DIR | --no-cache] [--print-after STAGE] [--time-stages]\n"
    "\n"
    "Compiles MODEL into the directory ARTIFACT (kernels.so, plan.bin, constants.bin; see\n"
    "docs/artifact.md), which `stitch run|bench ARTIFACT` and the C API (include/stitch/stitch.h)\n"
    "load without the compiler. The code is specialized to the input shapes: inputs with\n"
    "symbolic dims take the shapes of the given --input files (inputs that determine shapes,\n"
    "their values too); inputs not given are random (seed 0 unless --random-inputs).\n"
    "  -o, --output ARTIFACT  the artifact directory (created; its files are replaced)\n"
    "  --input [NAME=]FILE    an example input, .npy or ONNX TensorProto .pb\n"
    "  --random-inputs SEED   seed for the inputs not given (symbolic dims = 1)\n"
    "  --fusion P             partition policy none, single or arbitrary (default)\n"
    "  --target T             host (default), x86-64, x86-64-avx2, x86-64-avx512; the loader\n"
    "                         refuses an artifact whose target the machine cannot run\n"
    "  --cxx PATH             C++ compiler (default: $CXX, else g++/c++/clang++)\n"
    "  --cache-dir DIR        kernel cache (default: $XDG_CACHE_HOME/stitch or\n"
    "                         ~/.cache/stitch); --no-cache compiles every time\n"
    "  --print-after STAGE    print the IR after a pass, passes, partition or lower\n"
    "  --time-stages          print the time of every stage, the number of kernels and the\n"
    "                         arena size against the sum of the intermediates\n";

// "-o X" is the conventional spelling; the flag parser only knows "--" flags.
std::vector<char*> spell_out_short_flags(int argc, char** argv) {
  static char output[] = "--output";
  std::vector<char*> out(argv, argv + argc);
  for (char*& a : out) {
    if (std::string(a) == "-o") a = output;
  }
  return out;
}

}  // namespace

int compile_command(int argc, char** argv) {
  std::vector<char*> argv2 = spell_out_short_flags(argc, argv);
  auto args = Args::parse(static_cast<int>(argv2.size()), argv2.data(),
                          {"--output", "--input", "--random-inputs", "--fusion", "--target",
                           "--cxx", "--cache-dir", "--print-after"},
                          {"--time-stages", "--no-cache", "--help"});
  if (!args.is_ok()) return fail(args.status());
  if (args->has("--help")) return std::printf("%s", kHelp), 0;
  if (args->positionals().size() != 1) {
    return fail(Status::error("stitch compile takes exactly one MODEL.onnx (see --help)"));
  }
  if (!args->has("--output")) return fail(Status::error("stitch compile needs -o ARTIFACT"));
  auto seed = args->get_int("--random-inputs", 0);
  if (!seed.is_ok()) return fail(seed.status());
  auto eo = engine_options(*args, "compiled");
  if (!eo.is_ok()) return fail(eo.status());
  const std::string& model = args->positionals()[0];
  if (driver::is_artifact_path(model)) {
    return fail(
        Status::error("'" + model + "' is a directory; stitch compile takes an .onnx file"));
  }
  std::vector<driver::InputSpec> specs;
  for (const auto& s : args->get_all("--input")) specs.push_back(driver::parse_input_spec(s));
  auto session = driver::open_session(model, *eo, specs, *seed);
  if (!session.is_ok()) return fail(session.status());
  const driver::CompiledModel& compiled = *session->engine->compiled_model();

  const std::string out = args->get("--output");
  auto t0 = std::chrono::steady_clock::now();
  Status s = driver::write_compiled_artifact(compiled, eo->compiled.toolchain.target, out);
  if (!s.is_ok()) return fail(s);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (eo->compiled.pipeline.time_stages) std::printf("time %-28s %9.3f ms\n", "write artifact", ms);
  const auto& constants = compiled.constants();
  std::printf("wrote %s: %zu kernels, %.3f MB of constants, %.3f MB arena, target %s\n",
              out.c_str(), static_cast<size_t>(runtime::count_kernel_steps(compiled.plan())),
              constants ? constants->total_bytes() / 1e6 : 0.0, compiled.plan().arena_size / 1e6,
              eo->compiled.toolchain.target.name().c_str());
  return 0;
}

}  // namespace stitch::cli
