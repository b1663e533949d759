// `stitch check`: runs the compiled engine and the reference interpreter on the same inputs and
// prints per-output error norms; fails when one exceeds the tolerance. Part of tools/.
#include <cstdio>

#include "cli_args.h"
#include "driver/session.h"
#include "support/compare.h"

namespace stitch::cli {
namespace {

constexpr const char* kHelp =
    "usage: stitch check MODEL.onnx [--input [NAME=]FILE]... [--random-inputs SEED]\n"
    "                    [--tolerance T] [compiler flags]\n"
    "\n"
    "Runs MODEL compiled and through the reference interpreter on the same inputs (random\n"
    "with seed 0 unless given) and prints, per output, the max absolute error and the\n"
    "relative L2 error ||compiled - reference|| / ||reference||. Exits 1 if any relative L2\n"
    "error exceeds --tolerance (default 1e-4) or an output differs in shape or dtype.\n";

}  // namespace

int check_command(int argc, char** argv) {
  auto args = parse_engine_command(argc, argv, {"--tolerance"});
  if (!args.is_ok()) return fail(args.status());
  if (args->has("--help")) return std::printf("%s%s", kHelp, kEngineHelp), 0;
  if (args->positionals().size() != 1) {
    return fail(Status::error("stitch check takes exactly one MODEL (see --help)"));
  }
  auto seed = args->get_int("--random-inputs", 0);
  auto tolerance = args->get_double("--tolerance", 1e-4);
  auto eo = engine_options(*args, "compiled");
  for (const Status* s : {&seed.status(), &tolerance.status(), &eo.status()}) {
    if (!s->is_ok()) return fail(*s);
  }
  std::vector<driver::InputSpec> specs;
  for (const auto& s : args->get_all("--input")) specs.push_back(driver::parse_input_spec(s));
  const std::string& model = args->positionals()[0];
  driver::EngineOptions ref_options = *eo;
  ref_options.name = "reference";
  auto reference = driver::open_session(model, ref_options, specs, *seed);
  if (!reference.is_ok()) return fail(reference.status());
  eo->name = "compiled";
  auto compiled = driver::open_session(model, *eo, specs, *seed);
  if (!compiled.is_ok()) return fail(compiled.status());
  auto want = reference->engine->run(reference->input_pointers());
  if (!want.is_ok()) return fail(want.status().with_context("reference"));
  auto got = compiled->engine->run(compiled->input_pointers());
  if (!got.is_ok()) return fail(got.status().with_context("compiled"));
  bool ok = true;
  for (size_t i = 0; i < want->size(); ++i) {
    const std::string& name = reference->graph->outputs()[i]->name();
    CompareResult c = compare_allclose((*got)[i], (*want)[i], 0, 0);
    auto rel = relative_l2_error((*got)[i], (*want)[i]);
    bool same_type =
        (*got)[i].dtype() == (*want)[i].dtype() && (*got)[i].shape() == (*want)[i].shape();
    bool pass = same_type && rel.is_ok() && *rel <= *tolerance;
    ok = ok && pass;
    std::printf("%s output_%zu '%s' %s: max |diff| %.3g, rel L2 %.3g\n", pass ? "ok  " : "FAIL", i,
                name.c_str(), (*want)[i].type_string().c_str(), c.max_abs_error,
                rel.is_ok() ? *rel : -1.0);
  }
  std::printf("%s (tolerance: relative L2 <= %g)\n", ok ? "compiled matches reference" : "MISMATCH",
              *tolerance);
  return ok ? 0 : 1;
}

}  // namespace stitch::cli
