// The ONNX backend node-test runner: every case of /usr/share/libonnx-testdata/data/node runs
// through the frontend and an engine, compared with rtol 1e-3 / atol 1e-5 (exact for integers,
// bools and strings). Each case runs in a forked child so a crash or hang is a recorded failure.
// Part of tests/conformance/; the expectation file lists the cases that must keep passing.
// The compiled engine builds the kernels of many cases together (compiled_batch.h): a cold
// cache then costs a few large compiler runs rather than one per case.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiled_batch.h"
#include "driver/engine.h"
#include "frontend/onnx/onnx_importer.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace fs = std::filesystem;
using namespace stitch;

namespace {

constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-5;

struct Options {
  std::string data_dir = "/usr/share/libonnx-testdata/data/node";
  std::string filter;
  std::string expect_file;
  std::string write_passing;
  std::string known_bad_file;
  bool verbose = false;
  int timeout_s = 120;
  std::string engine = "reference";
  std::string cache_dir;  // compiled engine: kernel cache
  bool batch = true;      // compiled engine: build the kernels of many cases together
};

Options g_options;

enum class Outcome { kPass, kFail, kUnsupported };

struct Result {
  Outcome outcome = Outcome::kFail;
  std::string detail;
};

std::vector<std::string> sorted_files(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (int i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    out.push_back(p.string());
  }
  return out;
}

Result classify_error(const Status& s) {
  bool unsupported = s.message().find("unsupported") != std::string::npos;
  return {unsupported ? Outcome::kUnsupported : Outcome::kFail, s.message()};
}

// ONNX 1.12's test data stores bfloat16 tensors as uint16 (NumPy has no bfloat16); the bits
// are the bfloat16 values, so they are reinterpreted rather than converted.
Tensor bfloat16_from_uint16_bits(Tensor t) {
  Tensor out(DType::kBFloat16, t.shape());
  std::memcpy(out.raw_data(), t.raw_data(), t.nbytes());
  return out;
}

std::unique_ptr<driver::Engine> g_engine;  // built on the first data set's inputs
// Set in the child of a batched compiled run: the case's kernel-name prefix and who builds its
// units (phase 1 captures them, phase 3 hands back the batch's library).
std::string g_kernel_prefix;
toolchain::ToolchainOptions g_toolchain;  // the compiled engine's, cache_dir from the options
std::function<Expected<toolchain::BuildResult>(const std::vector<toolchain::TranslationUnit>&)>
    g_build_units;

Result run_data_set(graph::Graph& g, const fs::path& set_dir) {
  std::vector<Tensor> inputs;
  for (const auto& f : sorted_files(set_dir, "input_")) {
    auto t = frontend::load_tensor_proto_file(f);
    if (!t.is_ok()) return classify_error(t.status());
    size_t i = inputs.size();
    if (i < g.inputs().size() && g.inputs()[i]->dtype() == DType::kBFloat16 &&
        t->dtype() == DType::kUInt16) {
      t = bfloat16_from_uint16_bits(std::move(t).value());
    }
    inputs.push_back(std::move(t).value());
  }
  std::vector<const Tensor*> ptrs;
  for (const auto& t : inputs) ptrs.push_back(&t);
  if (!g_engine) {
    driver::EngineOptions eo;
    eo.name = g_options.engine;
    eo.compiled.toolchain = g_toolchain;
    eo.compiled.kernel_prefix = g_kernel_prefix;
    eo.compiled.build_units = g_build_units;
    auto e = driver::make_engine(g, ptrs, eo);
    if (!e.is_ok()) return classify_error(e.status());
    g_engine = std::move(e).value();
  }
  std::vector<std::string> expected_files = sorted_files(set_dir, "output_");
  auto check = [&](const std::vector<Tensor>& outs, const char* run) -> Result {
    if (expected_files.size() != outs.size()) {
      return {Outcome::kFail,
              str_cat(run, "produced ", outs.size(), " outputs, expected ", expected_files.size())};
    }
    for (size_t i = 0; i < expected_files.size(); ++i) {
      auto want = frontend::load_tensor_proto_file(expected_files[i]);
      if (!want.is_ok()) return classify_error(want.status());
      if (outs[i].dtype() == DType::kBFloat16 && want->dtype() == DType::kUInt16) {
        want = bfloat16_from_uint16_bits(std::move(want).value());
      }
      CompareResult c = compare_allclose(outs[i], *want, kRtol, kAtol);
      if (!c.ok) return {Outcome::kFail, str_cat(run, "output ", i, ": ", c.message)};
    }
    return {Outcome::kPass, ""};
  };
  auto outs = g_engine->run(ptrs);
  if (!outs.is_ok()) return classify_error(outs.status());
  Result first = check(*outs, "");
  if (first.outcome != Outcome::kPass) return first;
  // Again into the first run's outputs, overwritten with garbage: an engine that reuses output
  // storage (Executor::run) must write every element. All-ones bytes are NaN in every float
  // type and -1 in the integers; bools get `true` (other bytes are not valid bools).
  for (Tensor& t : *outs) {
    if (t.dtype() == DType::kString || t.nbytes() == 0) continue;
    std::memset(t.raw_data(), t.dtype() == DType::kBool ? 1 : 0xFF, t.nbytes());
  }
  auto again = g_engine->run_reusing(ptrs, std::move(outs).value());
  if (!again.is_ok()) return classify_error(again.status());
  return check(*again, "second run, into reused outputs: ");
}

Result run_case(const fs::path& dir) {
  auto g = frontend::import_onnx_file((dir / "model.onnx").string());
  if (!g.is_ok()) return classify_error(g.status());
  int sets = 0;
  for (int i = 0;; ++i) {
    fs::path set_dir = dir / ("test_data_set_" + std::to_string(i));
    if (!fs::exists(set_dir)) break;
    Result r = run_data_set(**g, set_dir);
    if (r.outcome != Outcome::kPass) return r;
    ++sets;
  }
  if (sets == 0) return {Outcome::kFail, "no test_data_set_* folders"};
  return {Outcome::kPass, ""};
}

std::string encode(const Result& r) {
  return std::to_string(static_cast<int>(r.outcome)) + r.detail;
}
Result decode(const std::string& msg) {
  if (msg.empty()) return {Outcome::kFail, "child exited without a result"};
  return {static_cast<Outcome>(msg[0] - '0'), msg.substr(1)};
}

// Runs `body` in a child process and returns what it wrote, or the failure that ended it: a
// crash, an abort or a hang fails that case only.
struct ChildOutput {
  std::string message;
  std::optional<Result> failure;
};
ChildOutput run_in_child(const std::function<std::string()>& body, int timeout_s) {
  int fds[2];
  if (pipe(fds) != 0) return {body(), std::nullopt};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(timeout_s));
    std::string msg = body();
    for (size_t done = 0; done < msg.size();) {
      ssize_t n = write(fds[1], msg.data() + done, msg.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  ChildOutput out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.message.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    out.failure =
        Result{Outcome::kFail,
               sig == SIGALRM ? str_cat("timed out after ", timeout_s, " s")
                              : str_cat("crashed with signal ", sig, " (", strsignal(sig), ")")};
  }
  return out;
}

Result run_case_isolated(const fs::path& dir, int timeout_s) {
  ChildOutput out = run_in_child([&] { return encode(run_case(dir)); }, timeout_s);
  return out.failure ? *out.failure : decode(out.message);
}

// The kernel-name prefix of a case: its name made an identifier, so that its symbols are
// unique in a library shared with other cases.
std::string kernel_prefix(const std::string& case_name) {
  std::string prefix = case_name + "_";
  for (char& c : prefix) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return std::isdigit(static_cast<unsigned char>(prefix[0])) ? "c" + prefix : prefix;
}

constexpr char kUnitsTag = 'U';  // a phase-1 child's message: the units, not a result

// Phase 1 (in the child): the case runs until its compile has emitted the kernels' units, which
// it returns; a case that ends earlier (import error, unsupported op, no kernels) returns its
// final result.
std::string emit_case(const fs::path& dir) {
  std::optional<std::vector<toolchain::TranslationUnit>> captured;
  g_build_units = [&](const std::vector<toolchain::TranslationUnit>& units)
      -> Expected<toolchain::BuildResult> {
    captured = units;
    return Status::error("units captured for a batched build");
  };
  Result r = run_case(dir);
  return captured ? kUnitsTag + conformance::serialize_units(*captured) : encode(r);
}

bool same_units(const std::vector<toolchain::TranslationUnit>& a,
                const std::vector<toolchain::TranslationUnit>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.name == y.name && x.source == y.source;
  });
}

// A detail as the case alone would give it: kernel names without the case's prefix (so that
// logs of batched and unbatched runs compare equal).
std::string without_prefix(std::string detail, const std::string& prefix) {
  for (size_t at = detail.find(prefix); at != std::string::npos; at = detail.find(prefix, at)) {
    size_t k = at + prefix.size();
    bool kernel_name = k + 1 < detail.size() && detail[k] == 'k' &&
                       std::isdigit(static_cast<unsigned char>(detail[k + 1]));
    if (kernel_name) {
      detail.erase(at, prefix.size());
    } else {
      at = k;
    }
  }
  return detail;
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The cases that phase 1 left for phases 2 and 3: their units, and their index in the run.
struct Pending {
  std::vector<conformance::CaseUnits> units;
  std::vector<size_t> index;
};

// Phase 1: every case in a child up to its emitted units; a case that ends sooner (import error,
// unsupported op, no kernels, crash) has its final result.
Pending emit_all(const std::vector<fs::path>& cases, int timeout_s, std::vector<Result>& results) {
  Pending pending;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string name = cases[i].filename().string();
    g_kernel_prefix = kernel_prefix(name);
    ChildOutput out = run_in_child([&] { return emit_case(cases[i]); }, timeout_s);
    if (out.failure || out.message.empty() || out.message[0] != kUnitsTag) {
      results[i] = out.failure ? *out.failure : decode(out.message);
      results[i].detail = without_prefix(results[i].detail, g_kernel_prefix);
      continue;
    }
    auto units = conformance::parse_units(out.message.substr(1));
    if (!units) {
      results[i] = {Outcome::kFail, "phase 1: " + units.status().message()};
      continue;
    }
    pending.units.push_back({name, std::move(units).value()});
    pending.index.push_back(i);
  }
  return pending;
}

// Phase 3: every pending case in a child, its compile handed the library phase 2 built (or the
// error building it alone gave). Units that differ from phase 1's are built as the engine would.
void run_all(const std::vector<fs::path>& cases, const Pending& pending,
             const std::vector<Expected<toolchain::BuildResult>>& built, int timeout_s,
             std::vector<Result>& results) {
  for (size_t k = 0; k < pending.units.size(); ++k) {
    g_kernel_prefix = kernel_prefix(pending.units[k].case_name);
    g_build_units = [&](const std::vector<toolchain::TranslationUnit>& units)
        -> Expected<toolchain::BuildResult> {
      if (same_units(units, pending.units[k].units)) return built[k];
      STITCH_ASSIGN_OR_RETURN(toolchain::Toolchain own, toolchain::Toolchain::create(g_toolchain));
      return own.build(units);
    };
    Result r = run_case_isolated(cases[pending.index[k]], timeout_s);
    r.detail = without_prefix(r.detail, g_kernel_prefix);
    results[pending.index[k]] = r;
  }
  g_build_units = nullptr;
  g_kernel_prefix.clear();
}

// The compiled engine in three phases: emit every case's units (forked), build them in batches
// (here, compiled_batch.h), run every case against its batch's library (forked). Results are
// those of running each case on its own: a case whose batch does not build is built alone.
std::vector<Result> run_compiled_batched(const std::vector<fs::path>& cases, const Options& opt) {
  std::vector<Result> results(cases.size());
  auto t0 = Clock::now();
  // Found once here rather than by every case's compile (a `--version` run each).
  auto tc = toolchain::Toolchain::create(g_toolchain);
  if (tc) g_toolchain.found_compiler = tc->compiler();
  Pending pending = emit_all(cases, opt.timeout_s, results);
  double emit_s = seconds_since(t0);
  t0 = Clock::now();
  std::vector<Expected<toolchain::BuildResult>> built(pending.units.size(), tc.status());
  if (tc) {
    conformance::BatchOptions batching;
    batching.units_per_batch = tc->options().jobs;
    built = conformance::build_batches(pending.units, *tc, batching);
  }
  double build_s = seconds_since(t0);
  t0 = Clock::now();
  run_all(cases, pending, built, opt.timeout_s, results);
  std::fprintf(stderr,
               "conformance: phase 1 emitted the kernels of %zu cases in %.1f s; phase 2 built "
               "them in %.1f s (%d libraries, %d from the cache, %d compiler runs); phase 3 ran "
               "them in %.1f s\n",
               pending.units.size(), emit_s, build_s, tc ? tc->stats().builds : 0,
               tc ? tc->stats().cache_hits : 0, tc ? tc->stats().units_compiled : 0,
               seconds_since(t0));
  return results;
}

// First word of each non-comment line → the rest of the line.
std::map<std::string, std::string> read_list(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.find(' ');
    out[line.substr(0, sp)] =
        sp == std::string::npos ? "" : line.substr(line.find_first_not_of(' ', sp));
  }
  return out;
}

void usage() {
  std::cout
      << "usage: stitch_conformance [--data-dir DIR] [--filter SUBSTRING] [-v]\n"
         "         [--expect FILE] [--known-bad FILE] [--write-passing FILE] [--timeout S]\n"
         "         [--engine reference|compiled] [--cache-dir DIR] [--no-batch]\n"
         "Runs ONNX backend node tests through an engine (default: the reference\n"
         "interpreter; compiled: stitch's compiler, kernels cached in --cache-dir).\n"
         "--expect FILE   fail (exit 1) if a case listed in FILE does not pass, or if\n"
         "                any case gives a wrong answer instead of 'unsupported'\n"
         "--known-bad FILE  cases whose upstream test data contradict the spec: still run,\n"
         "                reported as KNOWN-BAD with the reason, never counted as passing\n"
         "--no-batch      compiled engine: build each case's kernels on its own, rather than\n"
         "                many cases' kernels in few compiler runs\n";
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--data-dir")
      opt.data_dir = next();
    else if (a == "--filter")
      opt.filter = next();
    else if (a == "--expect")
      opt.expect_file = next();
    else if (a == "--write-passing")
      opt.write_passing = next();
    else if (a == "--known-bad")
      opt.known_bad_file = next();
    else if (a == "--timeout")
      opt.timeout_s = std::atoi(next().c_str());
    else if (a == "-v")
      opt.verbose = true;
    else if (a == "--engine")
      opt.engine = next();
    else if (a == "--cache-dir")
      opt.cache_dir = next();
    else if (a == "--no-batch")
      opt.batch = false;
    else {
      usage();
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  g_options = opt;
  g_toolchain.cache_dir = opt.cache_dir;
  if (!fs::is_directory(opt.data_dir)) {
    std::cerr << "error: no test data at " << opt.data_dir
              << " (apt-get install libonnx-testdata)\n";
    return 2;
  }
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(opt.data_dir)) {
    std::string name = e.path().filename().string();
    if (e.is_directory() && name.find(opt.filter) != std::string::npos) cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  std::map<std::string, std::string> expected, known_bad;
  if (!opt.expect_file.empty()) expected = read_list(opt.expect_file);
  if (!opt.known_bad_file.empty()) known_bad = read_list(opt.known_bad_file);
  int pass = 0, fail = 0, unsupported = 0, bad_data = 0;
  std::vector<std::string> passing, regressions, wrong;
  std::vector<Result> results;
  if (opt.engine == "compiled" && opt.batch) {
    results = run_compiled_batched(cases, opt);
  } else {
    for (const auto& dir : cases) results.push_back(run_case_isolated(dir, opt.timeout_s));
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string name = cases[i].filename().string();
    const Result& r = results[i];
    const char* tag = r.outcome == Outcome::kPass   ? "PASS"
                      : r.outcome == Outcome::kFail ? "FAIL"
                                                    : "UNSUPPORTED";
    if (r.outcome != Outcome::kPass && known_bad.count(name)) {
      ++bad_data;
      std::cout << "KNOWN-BAD " << name << ": " << known_bad[name] << "\n";
      continue;
    }
    if (r.outcome == Outcome::kPass)
      ++pass, passing.push_back(name);
    else if (r.outcome == Outcome::kFail)
      ++fail, wrong.push_back(name);
    else
      ++unsupported;
    if (r.outcome != Outcome::kPass && expected.count(name)) regressions.push_back(name);
    if (opt.verbose || r.outcome == Outcome::kFail) {
      std::string detail = r.detail.substr(0, 300);
      std::replace(detail.begin(), detail.end(), '\n', ' ');
      std::cout << tag << " " << name << (detail.empty() ? "" : ": " + detail) << "\n";
    }
  }
  if (!opt.write_passing.empty()) {
    std::ofstream out(opt.write_passing);
    out << "# ONNX node tests that pass through the reference interpreter; the list only grows.\n";
    for (const auto& n : passing) out << n << "\n";
  }
  int newly = 0;
  for (const auto& n : passing) newly += expected.count(n) ? 0 : 1;
  std::cout << "conformance: " << pass << " passed, " << fail << " failed, " << unsupported
            << " unsupported, " << bad_data << " known-bad test data (of " << cases.size() << ")\n";
  if (!opt.expect_file.empty()) {
    for (const auto& n : regressions) std::cout << "REGRESSION " << n << "\n";
    if (newly) std::cout << newly << " cases pass that the expectation file does not list yet\n";
    if (!regressions.empty() || fail > 0) return 1;
  }
  return 0;
}
