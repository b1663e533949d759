// `stitch info`: inputs, outputs, op histogram, parameters and GFLOPs of a model.
// Part of tools/.
#include <cstdio>

#include "cli_args.h"
#include "driver/model_info.h"
#include "frontend/onnx/onnx_importer.h"

namespace stitch::cli {

int info_command(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {}, {"--help"});
  if (!args.is_ok()) return fail(args.status());
  if (args->has("--help")) {
    std::puts(
        "usage: stitch info MODEL.onnx\n\n"
        "Prints inputs and outputs (shapes, dtypes, symbolic dims), the op histogram,\n"
        "parameter count and GFLOPs per run.");
    return 0;
  }
  if (args->positionals().size() != 1) {
    return fail(Status::error("stitch info takes exactly one MODEL (see --help)"));
  }
  auto g = frontend::import_onnx_file(args->positionals()[0]);
  if (!g.is_ok()) return fail(g.status());
  driver::ModelInfo info = driver::compute_model_info(**g);
  std::fputs(driver::format_model_info(**g, info).c_str(), stdout);
  return 0;
}

}  // namespace stitch::cli
