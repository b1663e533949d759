// Compiling generated translation units in parallel and linking them into one shared object.
// Part of codegen/toolchain/.
//
// The process pool is `jobs` threads that take the next unit from an atomic counter and block in
// waitpid on their own child. Threads rather than one waitpid(-1) loop: waiting for any child
// would also reap processes other parts of the program started.
#include "codegen/toolchain/compile_job.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "codegen/toolchain/subprocess.h"

namespace stitch::toolchain {
namespace {

constexpr int kErrorLinesPerKernel = 10;
constexpr size_t kMaxKernelsReported = 5;

struct UnitPaths {
  std::string source, object, log;
};

UnitPaths paths_of(const CompileJob& job, const TranslationUnit& unit) {
  std::string base = job.build_dir + "/" + unit.name;
  return {base + ".cc", base + ".o", base + ".log"};
}

bool is_safe_name(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

Status write_file(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return error("cannot write '", path, "'");
  return Status::ok();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// One message, ending in a newline, for a compile or link step that failed; `what` names it.
std::string failure_message(const std::string& what, const UnitPaths& paths,
                            const Expected<ExitStatus>& status) {
  if (!status) return str_cat(what, ": ", status.status().message(), "\n");
  std::string message = str_cat(what, " (", status->describe(), "); ");
  if (!paths.source.empty()) message += str_cat("source kept at ", paths.source, ", ");
  message += str_cat("full log at ", paths.log, ":\n");
  std::string excerpt = first_error_lines(read_file(paths.log), kErrorLinesPerKernel);
  std::istringstream lines(excerpt);
  for (std::string line; std::getline(lines, line);) message += "  " + line + "\n";
  return message;
}

// Runs the compiler on every unit, `jobs` at a time; results[i] belongs to units[i].
std::vector<Expected<ExitStatus>> compile_all(const CompileJob& job,
                                              const std::vector<TranslationUnit>& units) {
  std::vector<Expected<ExitStatus>> results(units.size(), Status::error("not compiled"));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < units.size(); i = next++) {
      UnitPaths paths = paths_of(job, units[i]);
      std::vector<std::string> argv = {job.compiler};
      argv.insert(argv.end(), job.compile_flags.begin(), job.compile_flags.end());
      argv.insert(argv.end(), {"-c", paths.source, "-o", paths.object});
      results[i] = run_to_file(argv, paths.log);
    }
  };
  size_t threads = std::clamp<size_t>(static_cast<size_t>(std::max(job.jobs, 1)), 1, units.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();  // the calling thread is one of the workers
  for (std::thread& thread : pool) thread.join();
  return results;
}

Status report_compile_failures(const CompileJob& job, const std::vector<TranslationUnit>& units,
                               const std::vector<Expected<ExitStatus>>& results) {
  std::string message;
  size_t failed = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    if (results[i] && results[i]->success()) continue;
    if (++failed > kMaxKernelsReported) continue;
    message += failure_message(
        str_cat("failed to compile kernel '", units[i].name, "' with ", job.compiler),
        paths_of(job, units[i]), results[i]);
  }
  if (failed == 0) return Status::ok();
  if (failed > kMaxKernelsReported) {
    message += str_cat("... and ", failed - kMaxKernelsReported, " more kernels failed\n");
  }
  message.pop_back();  // the last newline
  return Status::error(message);
}

Status link(const CompileJob& job, const std::vector<TranslationUnit>& units,
            const std::string& library_path) {
  std::vector<std::string> argv = {job.compiler};
  argv.insert(argv.end(), job.link_flags.begin(), job.link_flags.end());
  for (const TranslationUnit& unit : units) argv.push_back(paths_of(job, unit).object);
  argv.insert(argv.end(), {"-o", library_path});
  // ".txt": no unit's files end so, whatever the unit is called.
  UnitPaths paths{"", "", library_path + ".link.txt"};
  Expected<ExitStatus> status = run_to_file(argv, paths.log);
  if (status && status->success()) return Status::ok();
  std::string message =
      failure_message(str_cat("failed to link '", library_path, "'"), paths, status);
  message.pop_back();  // the last newline
  return Status::error(message);
}

}  // namespace

Status validate_units(const std::vector<TranslationUnit>& units) {
  if (units.empty()) return error("nothing to compile: no translation units");
  std::set<std::string> seen;
  for (const TranslationUnit& unit : units) {
    if (!is_safe_name(unit.name)) {
      return error("kernel name '", unit.name,
                   "' cannot name a file (use letters, digits, '_', '-', '.')");
    }
    if (!seen.insert(unit.name).second) {
      return error("two translation units named '", unit.name, "'");
    }
  }
  return Status::ok();
}

std::string first_error_lines(const std::string& log, int max_lines) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  size_t start = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    // "error:" matches GCC's and Clang's "error:" and "fatal error:" but not a kernel that
    // happens to be called error_handler.
    if (lines[i].find("error:") != std::string::npos) {
      start = i;
      break;
    }
  }
  std::string out;
  for (size_t i = start; i < lines.size() && i < start + static_cast<size_t>(max_lines); ++i) {
    out += lines[i] + "\n";
  }
  return out;
}

Expected<CompileOutput> run_compile_job(const CompileJob& job,
                                        const std::vector<TranslationUnit>& units) {
  STITCH_RETURN_IF_ERROR(validate_units(units));
  for (const TranslationUnit& unit : units) {
    STITCH_RETURN_IF_ERROR(write_file(paths_of(job, unit).source, unit.source));
  }
  STITCH_RETURN_IF_ERROR(report_compile_failures(job, units, compile_all(job, units)));
  CompileOutput output;
  output.library_path = job.build_dir + "/" + job.library_name;
  output.units_compiled = static_cast<int>(units.size());
  STITCH_RETURN_IF_ERROR(link(job, units, output.library_path));
  return output;
}

}  // namespace stitch::toolchain
