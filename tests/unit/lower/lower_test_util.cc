// The test-only executor of lowered partitions (see lower_test_util.h). Part of
// tests/unit/lower/.
#include "lower_test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>

#include "codegen/cpp/emit_cpp.h"
#include "codegen/toolchain/shared_object.h"
#include "codegen/toolchain/toolchain.h"
#include "reference/interpreter.h"
#include "stitch/kernel_abi.h"
#include "support/compare.h"

namespace stitch::lower::testing {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Tensor random_tensor(DType dtype, const Shape& shape, uint32_t seed) {
  Tensor t(dtype, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uni(-2.0f, 2.0f);
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (dtype) {
      case DType::kFloat32:
        t.data<float>()[i] = uni(rng);
        break;
      case DType::kInt64:
        t.data<int64_t>()[i] = static_cast<int64_t>(rng() % 4);
        break;
      case DType::kInt32:
        t.data<int32_t>()[i] = static_cast<int32_t>(rng() % 4);
        break;
      case DType::kBool:
        t.data<bool>()[i] = (rng() & 1) != 0;
        break;
      default:
        STITCH_CHECK(false, "random_tensor: dtype ", dtype_name(dtype));
    }
  }
  return t;
}

Expected<std::vector<Tensor>> compile_and_run(const graph::Graph& g, partition::FusionPolicy policy,
                                              const std::vector<const Tensor*>& inputs,
                                              RunStats* stats, const LowerOptions& options) {
  RunStats local;
  RunStats& st = stats ? *stats : local;
  partition::PartitionOptions popts;
  popts.policy = policy;
  STITCH_ASSIGN_OR_RETURN(partition::GraphPartition part, partition::partition_graph(g, popts));
  auto t0 = std::chrono::steady_clock::now();
  std::vector<LoweredKernel> lowered;
  std::vector<kir::Kernel> kernels;
  for (size_t i = 0; i < part.subgraphs.size(); ++i) {
    STITCH_ASSIGN_OR_RETURN(
        LoweredKernel k, lower_subgraph(g, part.subgraphs[i], "sg" + std::to_string(i), options));
    kernels.push_back(k.kernel);
    lowered.push_back(std::move(k));
  }
  st.kernels = static_cast<int>(kernels.size());
  st.lower_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  STITCH_ASSIGN_OR_RETURN(std::string source,
                          codegen::cpp::emit_translation_unit(kernels, toolchain::Target::host()));
  st.emit_ms = ms_since(t0);
  st.source_bytes = source.size();
  t0 = std::chrono::steady_clock::now();
  toolchain::ToolchainOptions topts;
  topts.cache_dir = (std::filesystem::temp_directory_path() / "stitch_lower_test_cache").string();
  STITCH_ASSIGN_OR_RETURN(toolchain::Toolchain tc, toolchain::Toolchain::create(topts));
  STITCH_ASSIGN_OR_RETURN(toolchain::BuildResult built, tc.build({{"kernels", source}}));
  STITCH_ASSIGN_OR_RETURN(toolchain::SharedObject so,
                          toolchain::SharedObject::open(built.library_path));
  st.compile_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  std::map<const graph::Value*, Tensor> owned;
  std::map<const graph::Value*, const Tensor*> env;
  if (inputs.size() != g.inputs().size()) return error("wrong number of inputs");
  for (size_t i = 0; i < inputs.size(); ++i) env[g.inputs()[i]] = inputs[i];
  for (size_t i = 0; i < lowered.size(); ++i) {
    const LoweredKernel& lk = lowered[i];
    std::vector<void*> ptrs;
    for (graph::Value* v : lk.bindings) {
      if (v->is_constant()) {
        ptrs.push_back(const_cast<void*>(v->constant()->raw_data()));
      } else if (env.count(v)) {
        ptrs.push_back(const_cast<void*>(env.at(v)->raw_data()));
      } else {  // an output of this subgraph
        Tensor& t = owned[v] = Tensor(v->dtype(), v->shape());
        env[v] = &t;
        ptrs.push_back(t.raw_data());
      }
    }
    // Workspace buffers (lower/workspace.h): what the plan would place in the arena.
    // 64-byte aligned like the arena's buffers.
    std::vector<std::vector<uint8_t>> workspace;
    for (const kir::Buffer& w : lk.workspace) {
      int64_t bytes = static_cast<int64_t>(dtype_size(w->dtype));
      for (const kir::Expr& e : w->shape) bytes *= *kir::as_const_int(e);
      workspace.emplace_back(static_cast<size_t>(bytes) + 64);
      const auto at = reinterpret_cast<uintptr_t>(workspace.back().data());
      ptrs.push_back(reinterpret_cast<void*>((at + 63) & ~uintptr_t{63}));
    }
    STITCH_ASSIGN_OR_RETURN(
        auto* fn, so.function<void(void* const*, const int64_t*, const stitch_parallel_api*)>(
                      codegen::cpp::kernel_symbol(lk.kernel)));
    fn(ptrs.data(), nullptr, nullptr);
  }
  st.run_ms = ms_since(t0);
  std::vector<Tensor> outputs;
  for (const graph::Value* v : g.outputs()) {
    const Tensor* t = v->is_constant() ? v->constant() : (env.count(v) ? env.at(v) : nullptr);
    if (!t) return error("graph output '", v->name(), "' was never computed");
    outputs.push_back(t->clone());
  }
  return outputs;
}

void expect_compiled_matches_reference(const graph::Graph& g, const std::vector<Tensor>& inputs,
                                       bool exact) {
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) ptrs.push_back(&t);
  auto interp = reference::Interpreter::create(g);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  auto ref = (*interp)->run(ptrs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();
  for (auto policy : {partition::FusionPolicy::kNone, partition::FusionPolicy::kArbitrary}) {
    auto got = compile_and_run(g, policy, ptrs);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    ASSERT_EQ(got->size(), ref->size());
    for (size_t i = 0; i < ref->size(); ++i) {
      const Tensor& r = (*ref)[i];
      if (!exact && dtype_is_float(r.dtype())) {
        auto err = relative_l2_error((*got)[i], r);
        ASSERT_TRUE(err.is_ok()) << err.status().message();
        EXPECT_LE(*err, 1e-4) << "output " << i;
      } else {
        CompareResult c = compare_allclose((*got)[i], r, 0, 0);
        EXPECT_TRUE(c.ok) << "output " << i << ": " << c.message;
      }
    }
  }
}

void expect_rewrite_matches_reference(const graph::Graph& before, const graph::Graph& after,
                                      const std::vector<Tensor>& inputs,
                                      const std::function<std::string(size_t)>& label) {
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) ptrs.push_back(&t);
  auto interp = reference::Interpreter::create(before);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  auto ref = (*interp)->run(ptrs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();
  for (auto policy : {partition::FusionPolicy::kNone, partition::FusionPolicy::kArbitrary}) {
    auto got = compile_and_run(after, policy, ptrs);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    ASSERT_EQ(got->size(), ref->size());
    for (size_t i = 0; i < ref->size(); ++i) {
      auto err = relative_l2_error((*got)[i], (*ref)[i]);
      ASSERT_TRUE(err.is_ok()) << err.status().message();
      EXPECT_LE(*err, 1e-4) << label(i) << ", " << partition::fusion_policy_name(policy);
    }
  }
}

}  // namespace stitch::lower::testing
