// The ONNX backend node-test runner: every case of /usr/share/libonnx-testdata/data/node runs
// through the frontend and an engine, compared with rtol 1e-3 / atol 1e-5 (exact for integers,
// bools and strings). Each case runs in a forked child so a crash or hang is a recorded failure.
// Part of tests/conformance/; the expectation file lists the cases that must keep passing.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

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
    eo.compiled.toolchain.cache_dir = g_options.cache_dir;
    auto e = driver::make_engine(g, ptrs, eo);
    if (!e.is_ok()) return classify_error(e.status());
    g_engine = std::move(e).value();
  }
  auto outs = g_engine->run(ptrs);
  if (!outs.is_ok()) return classify_error(outs.status());
  std::vector<std::string> expected_files = sorted_files(set_dir, "output_");
  if (expected_files.size() != outs->size()) {
    return {Outcome::kFail,
            str_cat("produced ", outs->size(), " outputs, expected ", expected_files.size())};
  }
  for (size_t i = 0; i < expected_files.size(); ++i) {
    auto want = frontend::load_tensor_proto_file(expected_files[i]);
    if (!want.is_ok()) return classify_error(want.status());
    if ((*outs)[i].dtype() == DType::kBFloat16 && want->dtype() == DType::kUInt16) {
      want = bfloat16_from_uint16_bits(std::move(want).value());
    }
    CompareResult c = compare_allclose((*outs)[i], *want, kRtol, kAtol);
    if (!c.ok) return {Outcome::kFail, str_cat("output ", i, ": ", c.message)};
  }
  return {Outcome::kPass, ""};
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

// Runs one case in a child process: a crash, an abort or a hang fails that case only.
Result run_case_isolated(const fs::path& dir, int timeout_s) {
  int fds[2];
  if (pipe(fds) != 0) return run_case(dir);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(timeout_s));
    Result r = run_case(dir);
    std::string msg = std::to_string(static_cast<int>(r.outcome)) + r.detail;
    ssize_t ignored = write(fds[1], msg.data(), msg.size());
    (void)ignored;
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return {Outcome::kFail, sig == SIGALRM
                                ? str_cat("timed out after ", timeout_s, " s")
                                : str_cat("crashed with signal ", sig, " (", strsignal(sig), ")")};
  }
  if (msg.empty()) return {Outcome::kFail, "child exited without a result"};
  return {static_cast<Outcome>(msg[0] - '0'), msg.substr(1)};
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
  std::cout << "usage: stitch_conformance [--data-dir DIR] [--filter SUBSTRING] [-v]\n"
               "         [--expect FILE] [--known-bad FILE] [--write-passing FILE] [--timeout S]\n"
               "         [--engine reference|compiled] [--cache-dir DIR]\n"
               "Runs ONNX backend node tests through an engine (default: the reference\n"
               "interpreter; compiled: stitch's compiler, kernels cached in --cache-dir).\n"
               "--expect FILE   fail (exit 1) if a case listed in FILE does not pass, or if\n"
               "                any case gives a wrong answer instead of 'unsupported'\n"
               "--known-bad FILE  cases whose upstream test data contradict the spec: still run,\n"
               "                reported as KNOWN-BAD with the reason, never counted as passing\n";
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
    else {
      usage();
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  g_options = opt;
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
  for (const auto& dir : cases) {
    std::string name = dir.filename().string();
    Result r = run_case_isolated(dir, opt.timeout_s);
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
