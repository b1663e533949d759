// Flag parsing for the stitch CLI. Part of tools/.
#include "cli_args.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "driver/profile_trace.h"

namespace stitch::cli {

Expected<Args> Args::parse(int argc, char** argv, const std::set<std::string>& value_flags,
                           const std::set<std::string>& bool_flags) {
  Args a;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      a.positionals_.push_back(arg);
      continue;
    }
    std::string value;
    size_t eq = arg.find('=');
    bool inline_value = eq != std::string::npos;
    std::string flag = inline_value ? arg.substr(0, eq) : arg;
    if (bool_flags.count(flag)) {
      if (inline_value) return error("flag ", flag, " takes no value");
      a.values_[flag].push_back("1");
    } else if (value_flags.count(flag)) {
      if (inline_value) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return error("flag ", flag, " needs a value");
      }
      a.values_[flag].push_back(value);
    } else {
      return error("unknown flag '", flag, "' (see --help)");
    }
  }
  return a;
}

std::string Args::get(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> Args::get_all(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

Expected<int64_t> Args::get_int(const std::string& flag, int64_t fallback) const {
  if (!has(flag)) return fallback;
  std::string v = get(flag);
  char* end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') return error(flag, " expects an integer, got '", v, "'");
  return static_cast<int64_t>(x);
}

Expected<double> Args::get_double(const std::string& flag, double fallback) const {
  if (!has(flag)) return fallback;
  std::string v = get(flag);
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') return error(flag, " expects a number, got '", v, "'");
  return x;
}

const std::set<std::string> kEngineValueFlags = {"--engine",      "--threads", "--fusion",
                                                 "--target",      "--cxx",     "--cache-dir",
                                                 "--print-after", "--profile"};
const std::set<std::string> kEngineBoolFlags = {"--time-stages", "--no-cache"};
const char* const kEngineHelp =
    "  --engine E            compiled (native code; the default) or reference (the\n"
    "                        interpreter)\n"
    "  --threads N           threads for the engine (the reference engine uses 1)\n"
    "  --fusion P            compiled: partition policy none, single or arbitrary (default)\n"
    "  --target T            compiled: host (default), x86-64, x86-64-avx2, x86-64-avx512\n"
    "  --cxx PATH            compiled: C++ compiler (default: $CXX, else g++/c++/clang++)\n"
    "  --cache-dir DIR       compiled: kernel cache (default: $XDG_CACHE_HOME/stitch or\n"
    "                        ~/.cache/stitch); --no-cache compiles every time\n"
    "  --print-after STAGE   compiled: print the IR after a pass, passes, partition or lower\n"
    "  --time-stages         compiled: print the time of every compiler stage\n"
    "  --profile FILE        compiled: write per-kernel times of the (last) run as a\n"
    "                        Chrome-trace JSON (chrome://tracing, ui.perfetto.dev)\n"
    "STITCH_WINOGRAD=0 in the environment keeps 3x3 convs off Winograd F(4x4, 3x3).\n"
    "MODEL may also be an artifact directory from `stitch compile`: it runs its compiled\n"
    "code (--threads N applies; the compiler flags do not).\n";

namespace {
std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
}  // namespace

Expected<driver::EngineOptions> engine_options(const Args& args,
                                               const std::string& default_engine) {
  driver::EngineOptions eo;
  eo.name = args.get("--engine", default_engine);
  eo.name_given = args.has("--engine");
  STITCH_ASSIGN_OR_RETURN(int64_t threads, args.get_int("--threads", 1));
  if (threads < 1 || threads > 1024) return error("--threads must be in [1, 1024]");
  eo.threads = static_cast<int>(threads);
  auto& co = eo.compiled;
  STITCH_ASSIGN_OR_RETURN(co.pipeline.partition.policy,
                          partition::parse_fusion_policy(args.get("--fusion", "arbitrary")));
  STITCH_ASSIGN_OR_RETURN(co.toolchain.target,
                          toolchain::Target::parse(args.get("--target", "host")));
  co.toolchain.compiler.explicit_compiler = args.get("--cxx", env_or("CXX", ""));
  co.toolchain.compiler.search_path = env_or("PATH", "");
  std::string cache = env_or("XDG_CACHE_HOME", env_or("HOME", "/tmp") + "/.cache") + "/stitch";
  co.toolchain.cache_dir = args.has("--no-cache") ? "" : args.get("--cache-dir", cache);
  for (const auto& s : args.get_all("--print-after")) co.pipeline.print_after.insert(s);
  co.pipeline.time_stages = args.has("--time-stages");
  // STITCH_WINOGRAD=0: 3x3 convs stay on the direct kernel (to compare speed and accuracy).
  co.pipeline.passes.layout.winograd = env_or("STITCH_WINOGRAD", "1") != "0";
  co.pipeline.log = &std::cout;
  return eo;
}

Expected<Args> parse_engine_command(int argc, char** argv, std::set<std::string> value_flags) {
  value_flags.insert(kEngineValueFlags.begin(), kEngineValueFlags.end());
  value_flags.insert({"--input", "--random-inputs"});
  std::set<std::string> bool_flags = kEngineBoolFlags;
  bool_flags.insert("--help");
  return Args::parse(argc, argv, value_flags, bool_flags);
}

Status start_profile(const Args& args, driver::Engine& engine) {
  if (!args.has("--profile")) return Status::ok();
  runtime::Executor* executor = engine.executor();
  if (!executor) return error("--profile needs --engine compiled (or an artifact)");
  executor->set_profiling(true);
  return Status::ok();
}

Status finish_profile(const Args& args, driver::Engine& engine) {
  if (!args.has("--profile")) return Status::ok();
  return driver::write_chrome_trace(*engine.executor(), args.get("--profile"));
}

int fail(const Status& s) {
  std::fprintf(stderr, "stitch: error: %s\n", s.message().c_str());
  return 1;
}

}  // namespace stitch::cli
