// Writing and loading artifacts. Part of runtime/.
#include "runtime/artifact.h"

#include <filesystem>

#include "runtime/binary_io.h"
#include "runtime/constants_file.h"
#include "runtime/host_cpu.h"

namespace stitch::runtime {
namespace {

namespace fs = std::filesystem;

std::string file_in(const std::string& dir, const char* name) {
  return (fs::path(dir) / name).string();
}

Status prepare_directory(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return error("cannot write the artifact: '", dir, "' exists and is not a directory");
  }
  fs::create_directories(dir, ec);
  if (ec) return error("cannot create the artifact directory '", dir, "': ", ec.message());
  return Status::ok();
}

Status copy_kernels(const std::string& from, const std::string& to) {
  const std::string tmp = to + ".tmp";
  std::error_code ec;
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(tmp, to, ec);
  if (ec)
    return error("cannot copy the kernels library '", from, "' to '", to, "': ", ec.message());
  return Status::ok();
}

}  // namespace

Status write_artifact(const std::string& dir, const ArtifactMetadata& metadata,
                      const ExecutionPlan& plan, const ConstantPool& constants,
                      const std::string& kernels_library) {
  STITCH_RETURN_IF_ERROR(validate_execution_plan(plan, constants.size()));
  if ((count_kernel_steps(plan) == 0) != kernels_library.empty()) {
    return error("internal: a plan with ", count_kernel_steps(plan), " kernels and ",
                 kernels_library.empty() ? "no" : "a", " kernels library");
  }
  STITCH_RETURN_IF_ERROR(prepare_directory(dir));
  const std::string kernels = file_in(dir, kKernelsFileName);
  std::error_code ec;
  if (kernels_library.empty()) {
    fs::remove(kernels, ec);  // a stale library from an earlier artifact in the same place
  } else {
    STITCH_RETURN_IF_ERROR(copy_kernels(kernels_library, kernels));
  }
  STITCH_RETURN_IF_ERROR(write_constants_file(file_in(dir, kConstantsFileName), constants));
  // The plan last: a directory whose plan.bin exists has the rest.
  return write_whole_file(file_in(dir, kPlanFileName), serialize_plan_file({metadata, plan}));
}

Expected<std::unique_ptr<LoadedArtifact>> LoadedArtifact::load(const std::string& dir,
                                                               int num_threads) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return error("'", dir, "' is not an artifact directory (stitch compile -o writes one)");
  }
  const std::string plan_path = file_in(dir, kPlanFileName);
  STITCH_ASSIGN_OR_RETURN(std::string plan_bytes, read_whole_file(plan_path));
  STITCH_ASSIGN_OR_RETURN(PlanFile file,
                          deserialize_plan_file(plan_bytes, "plan file '" + plan_path + "'"));
  STITCH_RETURN_IF_ERROR(check_host_runs_target(file.metadata.target));
  STITCH_ASSIGN_OR_RETURN(auto constants, read_constants_file(file_in(dir, kConstantsFileName)));
  std::unique_ptr<LoadedArtifact> a(new LoadedArtifact());
  a->metadata_ = std::move(file.metadata);
  const std::string kernels = file_in(dir, kKernelsFileName);
  if (count_kernel_steps(file.plan) > 0) {
    if (!fs::is_regular_file(kernels, ec)) {
      return error("the artifact '", dir, "' has no kernels library ", kKernelsFileName,
                   " (its plan calls ", count_kernel_steps(file.plan), " kernels)");
    }
    STITCH_ASSIGN_OR_RETURN(a->library_, SharedObject::open(kernels));
  }
  const SharedObject* lib = a->library_ ? &*a->library_ : nullptr;
  auto resolve = [lib](const std::string& symbol) -> Expected<stitch_kernel_fn> {
    if (!lib) return error("internal: kernel ", symbol, " requested from a plan without kernels");
    STITCH_ASSIGN_OR_RETURN(void* p, lib->symbol(symbol));
    return reinterpret_cast<stitch_kernel_fn>(p);
  };
  auto executor =
      Executor::create(std::move(file.plan), std::move(constants), resolve, num_threads);
  if (!executor) return executor.status().with_context("artifact '" + dir + "'");
  a->executor_ = std::move(executor).value();
  return a;
}

}  // namespace stitch::runtime
