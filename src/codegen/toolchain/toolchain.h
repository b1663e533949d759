// The toolchain driver: generated C++ kernels in, a loadable shared object out, through the
// content-addressed cache. Part of codegen/toolchain/, the stage after the C++ emitter
// (DESIGN 2, 3.6); the package stage and the tuner call build().
//
//   sources -> key = hash(sources, flags, compiler) -> hit: <cache>/<key>/kernels.so
//                                                   `- miss: staging dir: write, compile in
//                                                      parallel, link -> rename into the cache
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codegen/toolchain/compile_job.h"
#include "codegen/toolchain/compiler.h"
#include "codegen/toolchain/target.h"
#include "support/status.h"

namespace stitch::toolchain {

// Read once by the CLI (flags, environment, defaults) and passed down; nothing below reads the
// environment.
struct ToolchainOptions {
  CompilerSearch compiler;  // --cxx / $CXX, $PATH
  // A compiler an earlier Toolchain found: skips the search and its `--version` query, which
  // costs more than a cache hit when one process compiles many small models.
  std::optional<CompilerInfo> found_compiler;
  Target target = Target::host();
  // Content-addressed cache root (the CLI's default: $XDG_CACHE_HOME/stitch or ~/.cache/stitch).
  // Empty: no cache; every build compiles.
  std::string cache_dir;
  // Where uncached builds go (reused, files overwritten). Empty: a fresh directory under /tmp.
  std::string build_dir;
  // Appended after the target's flags, so they can override them (e.g. "-O2", "-g").
  std::vector<std::string> extra_flags;
  int jobs = 0;  // compiler processes at once; 0: one per hardware thread
};

struct BuildResult {
  std::string library_path;
  std::string build_dir;  // holds the kept sources, objects and compiler logs
  std::string cache_key;  // also computed without a cache: it names the library
  bool cache_hit = false;
};

// Counters for tests and `--time-stages`: a hit is visible here without timing anything.
struct ToolchainStats {
  int builds = 0;          // calls of build() that succeeded
  int cache_hits = 0;      // of which served from the cache
  int units_compiled = 0;  // translation units compiled by the builds that succeeded
};

// One compiler, target and flag set. build() is not thread-safe (stats_); use one Toolchain per
// thread, which costs one `--version` query each. Concurrent processes may share a cache.
class Toolchain {
 public:
  // Finds the compiler and fixes the flags; fails with the "no C++ compiler found" advice.
  static Expected<Toolchain> create(ToolchainOptions options);

  // Compiles `units` into one shared object, or returns the cached one for the same inputs.
  Expected<BuildResult> build(const std::vector<TranslationUnit>& units);

  const CompilerInfo& compiler() const { return compiler_; }
  const ToolchainOptions& options() const { return options_; }
  const std::vector<std::string>& compile_flags() const { return compile_flags_; }
  const std::vector<std::string>& link_flags() const { return link_flags_; }
  const ToolchainStats& stats() const { return stats_; }

 private:
  Toolchain() = default;
  Expected<BuildResult> build_cached(const std::vector<TranslationUnit>& units);
  Expected<BuildResult> build_uncached(const std::vector<TranslationUnit>& units);
  std::string key_of(const std::vector<TranslationUnit>& units) const;
  CompileJob make_job(const std::string& build_dir) const;

  ToolchainOptions options_;
  CompilerInfo compiler_;
  std::vector<std::string> compile_flags_;
  std::vector<std::string> link_flags_;
  ToolchainStats stats_;
};

}  // namespace stitch::toolchain
