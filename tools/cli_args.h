// A small flag parser for the stitch CLI: --flag VALUE, --flag=VALUE, repeatable flags and
// positionals, with an error for unknown flags. Part of tools/.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "driver/engine.h"
#include "support/status.h"

namespace stitch::cli {

class Args {
 public:
  // `value_flags` take a value; `bool_flags` do not.
  static Expected<Args> parse(int argc, char** argv, const std::set<std::string>& value_flags,
                              const std::set<std::string>& bool_flags);
  bool has(const std::string& flag) const { return values_.count(flag) != 0; }
  std::string get(const std::string& flag, const std::string& fallback = "") const;
  std::vector<std::string> get_all(const std::string& flag) const;
  Expected<int64_t> get_int(const std::string& flag, int64_t fallback) const;
  Expected<double> get_double(const std::string& flag, double fallback) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

// Flags every command that builds an engine accepts, and the options they make. The CLI is the
// one place that reads the environment ($CXX, $PATH, $XDG_CACHE_HOME, $HOME, $STITCH_WINOGRAD).
// The engine `run` and `bench` use when --engine is not given.
inline constexpr const char* kDefaultEngine = "compiled";
extern const std::set<std::string> kEngineValueFlags;  // --engine --threads --fusion --target ...
extern const std::set<std::string> kEngineBoolFlags;   // --time-stages --no-cache
extern const char* const kEngineHelp;
Expected<driver::EngineOptions> engine_options(const Args& args, const std::string& default_engine);
// Parses a command that builds an engine and binds inputs: the engine flags, --input,
// --random-inputs, --help, plus the command's own value flags.
Expected<Args> parse_engine_command(int argc, char** argv, std::set<std::string> value_flags);

// --profile FILE: turn per-kernel timing on before running, write the trace after.
Status start_profile(const Args& args, driver::Engine& engine);
Status finish_profile(const Args& args, driver::Engine& engine);

// Prints "stitch: error: <message>" to stderr and returns exit code 1.
int fail(const Status& s);

int run_command(int argc, char** argv);
int bench_command(int argc, char** argv);
int info_command(int argc, char** argv);
int check_command(int argc, char** argv);
int compile_command(int argc, char** argv);

}  // namespace stitch::cli
