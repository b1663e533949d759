// A deployable artifact: a directory with the kernels library, the execution plan and the
// constants, written by `stitch compile -o` and loaded here without the compiler. Part of
// runtime/; the C API (c_api.cc) and the driver's artifact engine sit on top (docs/artifact.md).
//
//   ARTIFACT/plan.bin        metadata + ExecutionPlan (plan_serialization.h)
//   ARTIFACT/constants.bin   the constant pool (constants_file.h)
//   ARTIFACT/kernels.so      the generated kernels; absent when the plan has no steps
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "runtime/constant_pool.h"
#include "runtime/executor.h"
#include "runtime/plan_serialization.h"
#include "runtime/shared_object.h"

namespace stitch::runtime {

inline constexpr const char* kPlanFileName = "plan.bin";
inline constexpr const char* kConstantsFileName = "constants.bin";
inline constexpr const char* kKernelsFileName = "kernels.so";

// Creates `dir` if needed and writes the three files into it (each through a temporary file);
// `kernels_library` is the built .so to copy, empty when the plan has no steps. Validates the
// plan first, so an artifact that cannot load is never written.
Status write_artifact(const std::string& dir, const ArtifactMetadata& metadata,
                      const ExecutionPlan& plan, const ConstantPool& constants,
                      const std::string& kernels_library);

// A loaded artifact, ready to run.
class LoadedArtifact {
 public:
  // Reads and checks every file (missing files, truncation, bad magic or version, checksums,
  // out-of-range indices, a target this CPU cannot run, missing kernel symbols): any problem is
  // an error naming the file, never a crash.
  static Expected<std::unique_ptr<LoadedArtifact>> load(const std::string& dir, int num_threads);

  Executor& executor() { return *executor_; }
  const Executor& executor() const { return *executor_; }
  const ExecutionPlan& plan() const { return executor_->plan(); }
  const ArtifactMetadata& metadata() const { return metadata_; }

 private:
  LoadedArtifact() = default;
  ArtifactMetadata metadata_;
  std::optional<SharedObject> library_;  // declared before executor_ so that it outlives it
  std::unique_ptr<Executor> executor_;
};

}  // namespace stitch::runtime
