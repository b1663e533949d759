// Unit tests of host steps in the executor (no compiler): a plan whose steps run host ops
// writes dynamic outputs of run-time shape and static ones in place; the plan survives
// serialization; validation refuses kernels that read dynamic buffers and unknown host ops.
// Part of tests/unit/runtime.
#include <gtest/gtest.h>

#include "runtime/executor.h"
#include "runtime/plan_serialization.h"

namespace stitch::runtime {
namespace {

// x: float32[6] -> Unique(sorted=0): values (dynamic output 0), inverse (static output 1),
// counts unused; values -> NonZero (dynamic output 2).
ExecutionPlan host_plan() {
  ExecutionPlan p;
  p.buffers = {{"x", DType::kFloat32, {6}, BufferRole::kInput, 0, -1},
               {"values", DType::kFloat32, {-1}, BufferRole::kDynamic, 0, -1},
               {"inverse", DType::kInt64, {6}, BufferRole::kOutput, 1, -1},
               {"nz", DType::kInt64, {1, -1}, BufferRole::kDynamic, 1, -1}};
  PlanStep unique;
  unique.kind = StepKind::kHost;
  unique.host_op = "Unique";
  unique.num_inputs = 1;
  unique.buffers = {0, 1, -1, 2, -1};
  unique.attributes = {{"sorted", 0}};
  PlanStep non_zero;
  non_zero.kind = StepKind::kHost;
  non_zero.host_op = "NonZero";
  non_zero.num_inputs = 1;
  non_zero.buffers = {1, 3};
  p.steps = {unique, non_zero};
  p.inputs = {0};
  p.outputs = {1, 2, 3};
  return p;
}

Expected<stitch_kernel_fn> no_kernels(const std::string& name) { return error("no kernel ", name); }

void expect_runs(ExecutionPlan plan) {
  auto e = Executor::create(std::move(plan), nullptr, no_kernels, 1);
  ASSERT_TRUE(e.is_ok()) << e.status().message();
  for (int round = 0; round < 2; ++round) {  // dynamic values are fresh per run
    Tensor x = Tensor::from_vector<float>({3, 0, 3, 1, 0, 3}, {6});
    if (round == 1) x = Tensor::from_vector<float>({2, 2, 2, 2, 2, 2}, {6});
    auto out = (*e)->run({&x});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    ASSERT_EQ(out->size(), 3u);
    const Tensor& values = (*out)[0];
    const Tensor& nz = (*out)[2];
    if (round == 0) {
      ASSERT_EQ(values.shape(), (Shape{3}));
      EXPECT_EQ(values.data<float>()[0], 3);
      EXPECT_EQ(values.data<float>()[1], 0);
      EXPECT_EQ(values.data<float>()[2], 1);
      std::vector<int64_t> inverse((*out)[1].data<int64_t>(), (*out)[1].data<int64_t>() + 6);
      EXPECT_EQ(inverse, (std::vector<int64_t>{0, 1, 0, 2, 1, 0}));
      ASSERT_EQ(nz.shape(), (Shape{1, 2}));  // values 3 and 1 are non-zero
      EXPECT_EQ(nz.data<int64_t>()[0], 0);
      EXPECT_EQ(nz.data<int64_t>()[1], 2);
    } else {
      EXPECT_EQ(values.shape(), (Shape{1}));
      EXPECT_EQ(nz.shape(), (Shape{1, 1}));
    }
  }
}

TEST(HostSteps, ExecutorRunsHostStepsWithRunTimeShapes) { expect_runs(host_plan()); }

TEST(HostSteps, PlanWithHostStepsSurvivesSerialization) {
  PlanFile f{{"stitch test", "x86-64"}, host_plan()};
  auto back = deserialize_plan_file(serialize_plan_file(f), "plan.bin");
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  const PlanStep& s = back->plan.steps[0];
  EXPECT_EQ(s.kind, StepKind::kHost);
  EXPECT_EQ(s.host_op, "Unique");
  EXPECT_EQ(s.num_inputs, 1);
  ASSERT_EQ(s.attributes.size(), 1u);
  EXPECT_EQ(s.attributes[0].name, "sorted");
  EXPECT_EQ(back->plan.buffers[1].role, BufferRole::kDynamic);
  expect_runs(std::move(back->plan));
}

void expect_invalid(const ExecutionPlan& p, const std::string& fragment) {
  Status s = validate_execution_plan(p, 0);
  ASSERT_FALSE(s.is_ok()) << fragment;
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
}

TEST(HostSteps, ValidationRefusesBadHostPlans) {
  ExecutionPlan p = host_plan();
  p.steps.push_back({"stitch_kernel_k0", {3}});
  expect_invalid(p, "known only at run time");
  p = host_plan();
  p.steps[1].host_op = "Relu";
  expect_invalid(p, "unknown host op");
  p = host_plan();
  std::swap(p.steps[0], p.steps[1]);
  expect_invalid(p, "read before it is written");
  p = host_plan();
  p.steps[1].num_inputs = 2;
  expect_invalid(p, "has 2 inputs and 0 outputs");
  p = host_plan();
  p.buffers[3].index = 0;
  expect_invalid(p, "share index 0");
  p = host_plan();
  p.buffers[2].shape = {-1};  // only dynamic buffers may have unknown dims
  expect_invalid(p, "bad type");
}

TEST(HostSteps, HostOpErrorsNameTheStep) {
  ExecutionPlan p = host_plan();
  p.buffers[2].shape = {5};  // the plan disagrees with what Unique computes
  auto e = Executor::create(std::move(p), nullptr, no_kernels, 1);
  ASSERT_TRUE(e.is_ok()) << e.status().message();
  Tensor x(DType::kFloat32, {6});
  auto out = (*e)->run({&x});
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("host Unique"), std::string::npos)
      << out.status().message();
}

}  // namespace
}  // namespace stitch::runtime
