// The `stitch` command line: dispatches to one subcommand per file (cli_*.cc). Thin by design:
// flags are parsed here, all work happens in src/. Part of tools/.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli_args.h"

namespace {

constexpr const char* kUsage =
    "stitch: an ONNX compiler for fused native kernels\n"
    "\n"
    "usage: stitch COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run MODEL.onnx     run a model once; write outputs as .npy and print a summary\n"
    "  bench MODEL.onnx   time repeated runs; the last line of output is JSON\n"
    "  info MODEL.onnx    inputs, outputs, op histogram, parameters, GFLOPs\n"
    "  check MODEL.onnx   compiled vs reference interpreter on the same inputs: error norms\n"
    "  compile MODEL.onnx -o ARTIFACT\n"
    "                     write a deployable artifact (run/bench take it in place of MODEL)\n"
    "\n"
    "Run 'stitch COMMAND --help' for the flags of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  if (cmd == "--version") {
    std::puts("stitch 0.1.0");
    return 0;
  }
  if (cmd == "run") return stitch::cli::run_command(argc - 2, argv + 2);
  if (cmd == "bench") return stitch::cli::bench_command(argc - 2, argv + 2);
  if (cmd == "info") return stitch::cli::info_command(argc - 2, argv + 2);
  if (cmd == "check") return stitch::cli::check_command(argc - 2, argv + 2);
  if (cmd == "compile") return stitch::cli::compile_command(argc - 2, argv + 2);
  std::fprintf(stderr, "stitch: error: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
