// Runs an execution plan: binds inputs, allocates outputs, points intermediates into one
// pre-planned arena and calls the kernels in order through the kernel ABI, on the thread pool.
// Host steps run their op (host_ops/) here and allocate their dynamic outputs per run, so such
// graph outputs have the shape the data gave. Control steps (If, Loop, Scan) run the executors
// of their body plans, which share this one's thread pool and constants. Part of runtime/ (no
// compiler dependencies); optionally records per-step times.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/arena.h"
#include "runtime/constant_pool.h"
#include "runtime/execution_plan.h"
#include "runtime/thread_pool.h"
#include "stitch/kernel_abi.h"
#include "support/tensor.h"

namespace stitch::runtime {

// Finds a kernel by symbol in whatever holds the generated code (a dlopen'ed library).
using KernelResolver = std::function<Expected<stitch_kernel_fn>(const std::string& symbol)>;

struct KernelTiming {
  int32_t step = 0;
  double start_us = 0;  // since the start of the run
  double duration_us = 0;
};

class Executor {
 public:
  // Validates the plan against the constants and resolves every kernel up front.
  static Expected<std::unique_ptr<Executor>> create(ExecutionPlan plan,
                                                    std::shared_ptr<const ConstantPool> constants,
                                                    const KernelResolver& resolve, int num_threads);

  // Inputs in graph order; dtypes and shapes must match the plan exactly.
  // `reuse` may hand back the outputs of an earlier run: an output whose dtype and shape still
  // match keeps its storage (its old contents are overwritten), so a serving loop does not
  // allocate, zero-fill and page-fault fresh output memory on every call (a 4 MiB output that
  // the allocator maps anew costs about 1000 page faults). Anything else is allocated fresh.
  Expected<std::vector<Tensor>> run(const std::vector<const Tensor*>& inputs,
                                    std::vector<Tensor> reuse = {});

  // Per-kernel times of the last run, when enabled (costs two clock reads per kernel).
  void set_profiling(bool on) { profiling_ = on; }
  const std::vector<KernelTiming>& last_profile() const { return profile_; }

  const ExecutionPlan& plan() const { return plan_; }
  // May be null when the plan has no constants (an artifact writer stores it).
  const std::shared_ptr<const ConstantPool>& constants() const { return constants_; }
  int num_threads() const { return pool_->num_threads(); }

 private:
  Executor(ExecutionPlan plan, std::shared_ptr<const ConstantPool> constants)
      : plan_(std::move(plan)), constants_(std::move(constants)) {}
  // `pool` is null for the top-level executor (it makes its own) and the parent's for a body.
  static Expected<std::unique_ptr<Executor>> create_body(
      ExecutionPlan plan, std::shared_ptr<const ConstantPool> constants,
      const KernelResolver& resolve, int num_threads, ThreadPool* pool);
  Status run_control_step(size_t s, const std::vector<const Tensor*>& inputs,
                          std::vector<Tensor>& outputs);
  Status check_inputs(const std::vector<const Tensor*>& inputs) const;
  void* buffer_address(int32_t id, const std::vector<const Tensor*>& inputs,
                       std::vector<Tensor>& outputs);
  Status run_host_step(size_t s, const std::vector<const Tensor*>& inputs,
                       std::vector<Tensor>& outputs);
  Status store_host_output(int32_t id, Tensor result, const std::vector<const Tensor*>& inputs,
                           std::vector<Tensor>& outputs);
  Status collect_outputs(const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs);

  ExecutionPlan plan_;
  std::shared_ptr<const ConstantPool> constants_;
  std::vector<stitch_kernel_fn> kernels_;     // one per step (null for host steps)
  std::vector<host_ops::HostOpFn> host_fns_;  // one per step (null for kernel steps)
  std::vector<Tensor> dynamic_;               // the dynamic buffers of the current run
  Arena arena_;
  std::unique_ptr<ThreadPool> owned_pool_;
  ThreadPool* pool_ = nullptr;
  std::vector<std::unique_ptr<Executor>> bodies_;  // one per plan_.bodies entry
  stitch_parallel_api parallel_{};
  bool profiling_ = false;
  std::vector<KernelTiming> profile_;
};

}  // namespace stitch::runtime
