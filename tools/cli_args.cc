// Flag parsing for the stitch CLI. Part of tools/.
#include "cli_args.h"

#include <cstdio>
#include <cstdlib>

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

int fail(const Status& s) {
  std::fprintf(stderr, "stitch: error: %s\n", s.message().c_str());
  return 1;
}

}  // namespace stitch::cli
