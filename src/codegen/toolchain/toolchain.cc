// The toolchain driver: generated C++ kernels in, a loadable shared object out, through the
// content-addressed cache. Part of codegen/toolchain/.
#include "codegen/toolchain/toolchain.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "codegen/toolchain/cache.h"

namespace stitch::toolchain {
namespace {

int default_jobs() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

Expected<std::string> make_build_dir(const std::string& requested) {
  if (!requested.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(requested, ec);
    if (ec) return error("cannot create build directory '", requested, "': ", ec.message());
    return requested;
  }
  std::string dir = "/tmp/stitch-build-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    return error("cannot create a build directory under /tmp: ", std::strerror(errno));
  }
  return dir;
}

}  // namespace

Expected<Toolchain> Toolchain::create(ToolchainOptions options) {
  Toolchain toolchain;
  if (options.found_compiler) {
    toolchain.compiler_ = *options.found_compiler;
  } else {
    STITCH_ASSIGN_OR_RETURN(toolchain.compiler_, find_compiler(options.compiler));
  }
  toolchain.compile_flags_ = options.target.compile_flags();
  toolchain.compile_flags_.insert(toolchain.compile_flags_.end(), options.extra_flags.begin(),
                                  options.extra_flags.end());
  toolchain.link_flags_ = options.target.link_flags();
  if (options.jobs <= 0) options.jobs = default_jobs();
  toolchain.options_ = std::move(options);
  return toolchain;
}

CompileJob Toolchain::make_job(const std::string& build_dir) const {
  CompileJob job;
  job.compiler = compiler_.path;
  job.compile_flags = compile_flags_;
  job.link_flags = link_flags_;
  job.build_dir = build_dir;
  job.library_name = Cache::kLibraryName;
  job.jobs = options_.jobs;
  return job;
}

Expected<BuildResult> Toolchain::build(const std::vector<TranslationUnit>& units) {
  // Before any directory is made: a bad name must not leave an empty staging dir behind.
  STITCH_RETURN_IF_ERROR(validate_units(units));
  Expected<BuildResult> result =
      options_.cache_dir.empty() ? build_uncached(units) : build_cached(units);
  if (result) ++stats_.builds;
  return result;
}

std::string Toolchain::key_of(const std::vector<TranslationUnit>& units) const {
  std::vector<std::string> flags = compile_flags_;
  flags.insert(flags.end(), link_flags_.begin(), link_flags_.end());
  return cache_key(units, flags, compiler_.path, compiler_.version);
}

Expected<BuildResult> Toolchain::build_cached(const std::vector<TranslationUnit>& units) {
  Cache cache(options_.cache_dir);
  BuildResult result;
  result.cache_key = key_of(units);
  result.build_dir = cache.entry_dir(result.cache_key);
  if (std::optional<std::string> hit = cache.lookup(result.cache_key)) {
    result.library_path = *hit;
    result.cache_hit = true;
    ++stats_.cache_hits;
    return result;
  }
  // A failed build stays in its staging directory, which the error message names.
  STITCH_ASSIGN_OR_RETURN(std::string staging, cache.create_staging_dir(result.cache_key));
  STITCH_ASSIGN_OR_RETURN(CompileOutput output, run_compile_job(make_job(staging), units));
  stats_.units_compiled += output.units_compiled;
  STITCH_ASSIGN_OR_RETURN(result.library_path, cache.publish(result.cache_key, staging));
  return result;
}

Expected<BuildResult> Toolchain::build_uncached(const std::vector<TranslationUnit>& units) {
  BuildResult result;
  result.cache_key = key_of(units);
  STITCH_ASSIGN_OR_RETURN(result.build_dir, make_build_dir(options_.build_dir));
  CompileJob job = make_job(result.build_dir);
  // dlopen returns the already-open library for a path it has seen, even if the file changed
  // since; a name per content keeps a reused build directory from serving a stale library.
  job.library_name = "kernels-" + result.cache_key + ".so";
  STITCH_ASSIGN_OR_RETURN(CompileOutput output, run_compile_job(job, units));
  stats_.units_compiled += output.units_compiled;
  result.library_path = output.library_path;
  return result;
}

}  // namespace stitch::toolchain
