// The in-process compiler: lowering every subgraph, one shared object for all kernels, and the
// execution plan with its static memory plan. Part of driver/.
#include "driver/compiled_model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>

#include "codegen/cpp/emit_cpp.h"
#include "driver/lower_graph.h"
#include "driver/specialize_inputs.h"
#include "graph/body_graph.h"
#include "graph/op_registry.h"
#include "kir/printer.h"
#include "partition/in_place_concat.h"
#include "runtime/memory_plan.h"

namespace stitch::driver {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Expected<std::vector<toolchain::TranslationUnit>> emit_units(
    const std::vector<kir::Kernel>& kernels, const toolchain::Target& target, int jobs) {
  size_t n_units = std::max<size_t>(1, std::min<size_t>(kernels.size(), std::max(jobs, 1)));
  std::vector<std::vector<kir::Kernel>> groups(n_units);
  for (size_t i = 0; i < kernels.size(); ++i) groups[i % n_units].push_back(kernels[i]);
  std::vector<toolchain::TranslationUnit> units;
  for (size_t u = 0; u < n_units; ++u) {
    STITCH_ASSIGN_OR_RETURN(std::string src,
                            codegen::cpp::emit_translation_unit(groups[u], target));
    units.push_back({"kernels_" + std::to_string(u), std::move(src)});
  }
  return units;
}

// Builds the buffer table, steps and memory plan from the lowered kernels and host steps.
// Values whose shape a host step decides at run time get dynamic buffers (allocated per run).
class PlanBuilder {
 public:
  PlanBuilder(const graph::Graph& g, runtime::ConstantPool& constants)
      : graph_(g), constants_(constants) {}

  Expected<runtime::ExecutionPlan> build(const std::vector<PlannedStep>& steps) {
    for (size_t i = 0; i < graph_.inputs().size(); ++i) {
      int32_t id =
          add_buffer(graph_.inputs()[i], runtime::BufferRole::kInput, static_cast<int64_t>(i));
      plan_.inputs.push_back(id);
    }
    for (size_t k = 0; k < graph_.outputs().size(); ++k) {
      const graph::Value* v = graph_.outputs()[k];
      if (ids_.count(v) || v->is_constant()) continue;
      // Strings have no flat storage: a string output is a value the runtime allocates.
      if (v->type().is_static() && v->dtype() != DType::kString) {
        add_buffer(v, runtime::BufferRole::kOutput, static_cast<int64_t>(k));
      } else {
        STITCH_RETURN_IF_ERROR(add_dynamic_buffer(v).status());
      }
    }
    for (const PlannedStep& step : steps) {
      if (step.in_place_concat) STITCH_RETURN_IF_ERROR(add_concat_slices(*step.in_place_concat));
    }
    for (size_t s = 0; s < steps.size(); ++s) {
      const int32_t at = static_cast<int32_t>(s);
      if (steps[s].in_place_concat) continue;  // its producers wrote it: nothing to run
      if (steps[s].host) {
        STITCH_ASSIGN_OR_RETURN(runtime::PlanStep step, host_step(*steps[s].host, at));
        if (steps[s].is_control()) {
          STITCH_RETURN_IF_ERROR(add_control(steps[s], step, at));
        }
        plan_.steps.push_back(std::move(step));
        continue;
      }
      runtime::PlanStep step{codegen::cpp::kernel_symbol(steps[s].kernel->kernel), {}};
      for (const graph::Value* v : steps[s].kernel->bindings) {
        STITCH_ASSIGN_OR_RETURN(int32_t id, buffer_for(v, at));
        step.buffers.push_back(id);
      }
      for (const kir::Buffer& w : steps[s].kernel->workspace) {
        step.buffers.push_back(add_workspace(step.kernel_symbol, w, at));
      }
      plan_.steps.push_back(std::move(step));
    }
    for (const graph::Value* v : graph_.outputs()) {
      STITCH_ASSIGN_OR_RETURN(int32_t id, buffer_for(v, -1));
      plan_.outputs.push_back(id);
    }
    STITCH_RETURN_IF_ERROR(plan_intermediates());
    return std::move(plan_);
  }

 private:
  int32_t add_buffer(const graph::Value* v, runtime::BufferRole role, int64_t index) {
    runtime::PlanBuffer b{v->name(), v->dtype(), v->shape(), role, index, -1};
    plan_.buffers.push_back(std::move(b));
    int32_t id = static_cast<int32_t>(plan_.buffers.size() - 1);
    ids_[v] = id;
    return id;
  }

  // A kernel's workspace (lower/workspace.h): an arena buffer live during its step only.
  int32_t add_workspace(const std::string& kernel, const kir::Buffer& w, int32_t step) {
    Shape shape;
    for (const kir::Expr& extent : w->shape) shape.push_back(*kir::as_const_int(extent));
    runtime::PlanBuffer b{
        kernel + "/" + w->name, w->dtype, shape, runtime::BufferRole::kIntermediate, -1, -1};
    plan_.buffers.push_back(std::move(b));
    const int32_t id = static_cast<int32_t>(plan_.buffers.size() - 1);
    first_use_[id] = step;
    last_use_[id] = step;
    return id;
  }

  Expected<int32_t> add_dynamic_buffer(const graph::Value* v) {
    if (!v->type().has_shape) {
      return error("unsupported: value '", v->name(), "' has an unknown rank");
    }
    return add_buffer(v, runtime::BufferRole::kDynamic, num_dynamic_++);
  }

  // A host or control step: inputs then outputs (-1 where absent or unused), the attributes a
  // host op reads.
  Expected<runtime::PlanStep> host_step(const graph::Node& n, int32_t at) {
    runtime::PlanStep step;
    step.kind = runtime::StepKind::kHost;
    step.host_op = host_op_of(n);
    // A StringCast reads only the value it casts (a CastLike's target type is an attribute).
    const bool cast = step.host_op == "StringCast";
    const size_t num_inputs = cast ? 1 : n.inputs().size();
    step.num_inputs = static_cast<int32_t>(num_inputs);
    for (size_t k = 0; k < num_inputs; ++k) {
      const graph::Value* v = n.inputs()[k];
      int32_t id = -1;
      if (v) {
        STITCH_ASSIGN_OR_RETURN(id, buffer_for(v, at));
      }
      step.buffers.push_back(id);
    }
    for (const graph::Value* v : n.outputs()) {
      int32_t id = -1;
      if (v && (!v->users().empty() || ids_.count(v))) {
        if (ids_.count(v) || (v->type().is_static() && v->dtype() != DType::kString)) {
          STITCH_ASSIGN_OR_RETURN(id, buffer_for(v, at));
        } else {
          STITCH_ASSIGN_OR_RETURN(id, add_dynamic_buffer(v));
        }
      }
      step.buffers.push_back(id);
    }
    step.attributes = host_attributes_of(n);
    return step;
  }

  // Makes `step` a control step: its captures, its Scan attributes, and the plans of its bodies
  // (built with the same constant pool) appended to this plan's bodies.
  Status add_control(const PlannedStep& planned, runtime::PlanStep& step, int32_t at) {
    const graph::Node& n = *planned.host;
    runtime::ControlFlow& c = step.control;
    step.kind = runtime::StepKind::kControl;
    step.host_op.clear();
    step.attributes.clear();
    c.op = n.op_type() == "If"     ? runtime::ControlOp::kIf
           : n.op_type() == "Loop" ? runtime::ControlOp::kLoop
                                   : runtime::ControlOp::kScan;
    for (const std::string& name : planned.captures) {
      STITCH_ASSIGN_OR_RETURN(int32_t id, buffer_for(graph_.find_value(name), at));
      c.captures.push_back(id);
    }
    if (c.op == runtime::ControlOp::kScan) {
      STITCH_ASSIGN_OR_RETURN(graph::ScanAttributes scan, graph::scan_attributes(n));
      c.batched = scan.batched;
      c.num_states = static_cast<int32_t>(scan.num_states);
      c.input_axes = std::move(scan.input_axes);
      c.input_reverse = std::move(scan.input_reverse);
      c.output_axes = std::move(scan.output_axes);
      c.output_reverse = std::move(scan.output_reverse);
    }
    for (const CompiledBody& body : planned.bodies) {
      PlanBuilder builder(*body.graph, constants_);
      STITCH_ASSIGN_OR_RETURN(runtime::ExecutionPlan plan, builder.build(body.steps));
      c.bodies.push_back(static_cast<int32_t>(plan_.bodies.size()));
      plan_.bodies.push_back(std::move(plan));
    }
    return Status::ok();
  }

  // The buffer of `v`, created on first sight (constants go to the pool, anything else not yet
  // known is an intermediate defined at `step`); records uses for lifetimes.
  Expected<int32_t> buffer_for(const graph::Value* v, int32_t step) {
    auto it = ids_.find(v);
    int32_t id;
    if (it != ids_.end()) {
      id = it->second;
    } else if (v->is_constant()) {
      const Tensor& t = *v->constant();
      if (t.dtype() == DType::kString) {
        return error("unsupported: string constant '", v->name(),
                     "' (the compiled engine holds constants as bytes)");
      }
      STITCH_ASSIGN_OR_RETURN(
          int32_t c, constants_.add(v->name(), t.raw_data(), static_cast<int64_t>(t.nbytes())));
      id = add_buffer(v, runtime::BufferRole::kConstant, c);
    } else {
      if (!v->type().is_static()) return error("value '", v->name(), "' has no static shape");
      if (v->dtype() == DType::kString) {
        return error("internal: string value '", v->name(), "' planned into the arena");
      }
      id = add_buffer(v, runtime::BufferRole::kIntermediate, -1);
      first_use_[id] = step;
    }
    last_use_[id] = std::max(last_use_.count(id) ? last_use_[id] : step, step);
    return id;
  }

  // Records where each input of in-place Concat `n` lies inside its output.
  Status add_concat_slices(const graph::Node& n) {
    auto offsets = partition::in_place_concat_offsets(n);
    if (!offsets) return error("internal: ", n.describe(), " is not a Concat assembled in place");
    for (size_t i = 0; i < offsets->size(); ++i) {
      if (!slices_.emplace(n.input(static_cast<int>(i)), Slice{n.output(0), (*offsets)[i]})
               .second) {
        return error("internal: '", n.input(static_cast<int>(i))->name(),
                     "' is a slice of two Concats assembled in place");
      }
    }
    return Status::ok();
  }

  // Slices of an in-place Concat are not planned themselves: their Concat's output is live
  // from the first slice's producer to its own last reader (and any slice's), and each slice
  // sits at its offset inside it.
  Status plan_intermediates() {
    std::vector<std::pair<int32_t, Slice>> sliced;
    for (const auto& [v, slice] : slices_) {
      auto it = ids_.find(v);
      if (it == ids_.end()) continue;  // never written or read: nothing to place
      if (!first_use_.count(it->second)) {
        return error("internal: in-place Concat slice '", v->name(), "' is not an intermediate");
      }
      STITCH_ASSIGN_OR_RETURN(int32_t whole, buffer_for(slice.whole, first_use_[it->second]));
      first_use_[whole] = std::min(first_use_[whole], first_use_[it->second]);
      last_use_[whole] = std::max(last_use_[whole], last_use_[it->second]);
      sliced.push_back({it->second, slice});
    }
    for (const auto& [id, slice] : sliced) first_use_.erase(id);
    std::vector<runtime::BufferRequest> requests;
    std::vector<int32_t> ids;
    for (const auto& [id, first] : first_use_) {
      requests.push_back({plan_.buffers[id].nbytes(), 64, first, last_use_[id], {}});
      ids.push_back(id);
    }
    STITCH_ASSIGN_OR_RETURN(runtime::MemoryPlan mp, runtime::plan_memory(requests));
    for (size_t i = 0; i < ids.size(); ++i) plan_.buffers[ids[i]].arena_offset = mp.offsets[i];
    for (const auto& [id, slice] : sliced) {
      plan_.buffers[id].arena_offset =
          plan_.buffers[ids_.at(slice.whole)].arena_offset + slice.byte_offset;
    }
    plan_.arena_size = mp.arena_size;
    plan_.sum_of_intermediates = mp.sum_of_sizes;
    return Status::ok();
  }

  struct Slice {
    const graph::Value* whole;  // the in-place Concat's output
    int64_t byte_offset;        // where the slice starts inside it
  };

  const graph::Graph& graph_;
  runtime::ConstantPool& constants_;
  std::map<const graph::Value*, Slice> slices_;
  runtime::ExecutionPlan plan_;
  std::map<const graph::Value*, int32_t> ids_;
  int64_t num_dynamic_ = 0;
  std::map<int32_t, int32_t> first_use_;
  std::map<int32_t, int32_t> last_use_;
};

// The stages after the pipeline's own (which it printed), then the plan's numbers.
void print_report(const CompileReport& r, size_t already_printed, std::ostream& log) {
  char buf[200];
  for (size_t i = already_printed; i < r.stage_times.size(); ++i) {
    std::snprintf(buf, sizeof buf, "time %-28s %9.3f ms\n", r.stage_times[i].stage.c_str(),
                  r.stage_times[i].seconds * 1e3);
    log << buf;
  }
  std::snprintf(buf, sizeof buf,
                "kernels: %d%s; arena %.3f MB for %.3f MB of intermediates (%.1f%%)\n", r.kernels,
                r.cache_hit ? " (from the cache)" : "", r.arena_bytes / 1e6,
                r.sum_of_intermediates / 1e6,
                r.sum_of_intermediates ? 100.0 * r.arena_bytes / r.sum_of_intermediates : 0.0);
  log << buf;
}

}  // namespace

Expected<std::unique_ptr<CompiledModel>> CompiledModel::compile(
    graph::Graph& graph, const std::vector<const Tensor*>& example_inputs,
    const CompiledModelOptions& options) {
  STITCH_RETURN_IF_ERROR(specialize_input_shapes(graph, example_inputs));
  STITCH_ASSIGN_OR_RETURN(auto guards, specialize_shape_inputs(graph, example_inputs));
  std::unique_ptr<CompiledModel> m(new CompiledModel());
  STITCH_ASSIGN_OR_RETURN(CompileResult pipeline, run_compile_pipeline(graph, options.pipeline));
  m->report_.stage_times = pipeline.stage_times;
  auto t0 = Clock::now();
  LowerGraphOptions lower_options{options.pipeline, options.lower, options.kernel_prefix};
  STITCH_ASSIGN_OR_RETURN(auto steps, lower_graph(graph, pipeline.partition, lower_options));
  const std::vector<kir::Kernel> kernels = kernels_of(steps);
  m->report_.stage_times.push_back({"lower", seconds_since(t0)});
  if (options.pipeline.print_after.count("lower")) {
    for (const auto& k : kernels) *options.pipeline.log << kir::to_string(k) << "\n";
  }
  STITCH_ASSIGN_OR_RETURN(toolchain::Toolchain tc, toolchain::Toolchain::create(options.toolchain));
  // A graph the passes folded completely, or one of host steps only, needs no code.
  if (!kernels.empty()) {
    t0 = Clock::now();
    int jobs = options.toolchain.jobs > 0 ? options.toolchain.jobs : 2;
    STITCH_ASSIGN_OR_RETURN(auto units, emit_units(kernels, tc.options().target, jobs));
    m->report_.stage_times.push_back({"emit", seconds_since(t0)});
    t0 = Clock::now();
    STITCH_ASSIGN_OR_RETURN(toolchain::BuildResult built,
                            options.build_units ? options.build_units(units) : tc.build(units));
    m->report_.stage_times.push_back({"build", seconds_since(t0)});
    m->report_.cache_hit = built.cache_hit;
    STITCH_ASSIGN_OR_RETURN(m->library_, runtime::SharedObject::open(built.library_path));
  }
  t0 = Clock::now();
  auto constants = std::make_shared<runtime::ConstantPool>();
  PlanBuilder builder(graph, *constants);
  STITCH_ASSIGN_OR_RETURN(runtime::ExecutionPlan plan, builder.build(steps));
  plan.input_value_guards = std::move(guards);
  constants->freeze();
  m->report_.kernels = static_cast<int>(runtime::count_kernel_steps(plan));
  m->report_.arena_bytes = plan.arena_size;
  m->report_.sum_of_intermediates = plan.sum_of_intermediates;
  const runtime::SharedObject* lib = m->library_ ? &*m->library_ : nullptr;
  auto resolve = [lib](const std::string& symbol) -> Expected<stitch_kernel_fn> {
    if (!lib) return error("internal: kernel ", symbol, " requested from a model without kernels");
    STITCH_ASSIGN_OR_RETURN(void* p, lib->symbol(symbol));
    return reinterpret_cast<stitch_kernel_fn>(p);
  };
  STITCH_ASSIGN_OR_RETURN(m->executor_, runtime::Executor::create(std::move(plan), constants,
                                                                  resolve, options.threads));
  m->report_.stage_times.push_back({"plan", seconds_since(t0)});
  if (options.pipeline.time_stages)
    print_report(m->report_, pipeline.stage_times.size(), *options.pipeline.log);
  return m;
}

}  // namespace stitch::driver
