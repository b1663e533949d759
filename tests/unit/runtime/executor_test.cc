// Unit tests of the plan executor with hand-written kernels behind the kernel ABI (no
// compiler): binding, arena intermediates, outputs that are constants, errors, profiling.
#include "runtime/executor.h"

#include <gtest/gtest.h>

#include <cstring>

namespace stitch::runtime {
namespace {

// t[i] = x[i] + y[i], split through the ABI's parallel_for.
extern "C" void test_add(void* const* b, const int64_t*, const stitch_parallel_api* par) {
  struct Closure {
    const float* x;
    const float* y;
    float* t;
  } c{static_cast<const float*>(b[0]), static_cast<const float*>(b[1]), static_cast<float*>(b[2])};
  auto body = [](void* p, int64_t begin, int64_t end) {
    auto* c = static_cast<Closure*>(p);
    for (int64_t i = begin; i < end; ++i) c->t[i] = c->x[i] + c->y[i];
  };
  par->parallel_for(par->pool, 6, body, &c);
}

// z[i] = 2 * t[i]
extern "C" void test_double(void* const* b, const int64_t*, const stitch_parallel_api*) {
  for (int i = 0; i < 6; ++i) static_cast<float*>(b[1])[i] = 2 * static_cast<const float*>(b[0])[i];
}

ExecutionPlan make_plan() {
  ExecutionPlan p;
  p.buffers = {{"x", DType::kFloat32, {2, 3}, BufferRole::kInput, 0, -1},
               {"y", DType::kFloat32, {2, 3}, BufferRole::kInput, 1, -1},
               {"t", DType::kFloat32, {2, 3}, BufferRole::kIntermediate, -1, 0},
               {"z", DType::kFloat32, {2, 3}, BufferRole::kOutput, 0, -1},
               {"c", DType::kFloat32, {2}, BufferRole::kConstant, 0, -1}};
  p.steps = {{"test_add", {0, 1, 2}}, {"test_double", {2, 3}}};
  p.inputs = {0, 1};
  p.outputs = {3, 4};
  p.arena_size = 64;
  return p;
}

std::shared_ptr<const ConstantPool> make_constants() {
  auto pool = std::make_shared<ConstantPool>();
  float c[2] = {7, 8};
  EXPECT_TRUE(pool->add("c", c, sizeof c).is_ok());
  pool->freeze();
  return pool;
}

Expected<stitch_kernel_fn> resolve(const std::string& name) {
  if (name == "test_add") return &test_add;
  if (name == "test_double") return &test_double;
  return error("no kernel ", name);
}

TEST(Executor, RunsAPlanWithIntermediatesAndConstantOutputs) {
  for (int threads : {1, 2, 3}) {
    auto e = Executor::create(make_plan(), make_constants(), resolve, threads);
    ASSERT_TRUE(e.is_ok()) << e.status().message();
    (*e)->set_profiling(true);
    Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor y = Tensor::from_vector<float>({10, 20, 30, 40, 50, 60}, {2, 3});
    auto out = (*e)->run({&x, &y});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    for (int i = 0; i < 6; ++i) EXPECT_EQ((*out)[0].data<float>()[i], 22.0f * (i + 1));
    EXPECT_EQ((*out)[1].data<float>()[1], 8.0f);
    EXPECT_EQ((*e)->last_profile().size(), 2u);
  }
}

// Outputs handed back to run() keep their storage when dtype and shape match, and every
// element is written again (the old contents are garbage to the kernels); anything that does
// not match is allocated fresh.
TEST(Executor, ReusesTheStorageOfOutputsHandedBack) {
  auto e = Executor::create(make_plan(), make_constants(), resolve, 2);
  ASSERT_TRUE(e.is_ok()) << e.status().message();
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor y = Tensor::from_vector<float>({10, 20, 30, 40, 50, 60}, {2, 3});
  auto first = (*e)->run({&x, &y});
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  std::vector<Tensor> previous = std::move(first).value();
  const void* z_storage = previous[0].raw_data();
  const void* c_storage = previous[1].raw_data();
  for (Tensor& t : previous) std::memset(t.raw_data(), 0xFF, t.nbytes());  // NaN everywhere
  auto second = (*e)->run({&x, &y}, std::move(previous));
  ASSERT_TRUE(second.is_ok()) << second.status().message();
  EXPECT_EQ((*second)[0].raw_data(), z_storage);
  EXPECT_EQ((*second)[1].raw_data(), c_storage);  // a constant output, copied in again
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*second)[0].data<float>()[i], 22.0f * (i + 1));
  EXPECT_EQ((*second)[1].data<float>()[0], 7.0f);
  EXPECT_EQ((*second)[1].data<float>()[1], 8.0f);

  // Wrong shape, wrong dtype, too few: fresh storage, correct values.
  std::vector<Tensor> mismatched;
  mismatched.emplace_back(DType::kFloat32, Shape{3, 2});
  const void* wrong_shape = mismatched[0].raw_data();
  auto third = (*e)->run({&x, &y}, std::move(mismatched));
  ASSERT_TRUE(third.is_ok()) << third.status().message();
  EXPECT_NE((*third)[0].raw_data(), wrong_shape);
  EXPECT_EQ((*third)[0].shape(), (Shape{2, 3}));
  EXPECT_EQ((*third)[0].data<float>()[5], 132.0f);
  EXPECT_EQ((*third)[1].data<float>()[1], 8.0f);
  std::vector<Tensor> wrong_dtype;
  wrong_dtype.emplace_back(DType::kInt32, Shape{2, 3});
  auto fourth = (*e)->run({&x, &y}, std::move(wrong_dtype));
  ASSERT_TRUE(fourth.is_ok()) << fourth.status().message();
  EXPECT_EQ((*fourth)[0].dtype(), DType::kFloat32);
  EXPECT_EQ((*fourth)[0].data<float>()[0], 22.0f);
}

TEST(Executor, RejectsWrongInputsAndBadPlans) {
  auto e = Executor::create(make_plan(), make_constants(), resolve, 1);
  ASSERT_TRUE(e.is_ok());
  Tensor x(DType::kFloat32, {3, 2});
  auto r = (*e)->run({&x, &x});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("specialized"), std::string::npos);
  EXPECT_FALSE((*e)->run({&x}).is_ok());

  ExecutionPlan bad = make_plan();
  bad.buffers[2].arena_offset = 32;  // misaligned, and past the arena
  EXPECT_FALSE(Executor::create(bad, make_constants(), resolve, 1).is_ok());
  ExecutionPlan missing = make_plan();
  missing.steps[0].kernel_symbol = "nope";
  auto m = Executor::create(missing, make_constants(), resolve, 1);
  ASSERT_FALSE(m.is_ok());
  EXPECT_NE(m.status().message().find("no kernel nope"), std::string::npos);
  ExecutionPlan out_of_range = make_plan();
  out_of_range.steps[1].buffers = {2, 99};
  EXPECT_FALSE(Executor::create(out_of_range, make_constants(), resolve, 1).is_ok());
}

// z = If(cond) then 2 * x else x, with x captured by both bodies: then runs test_double, else
// returns its input unchanged.
ExecutionPlan make_if_plan() {
  ExecutionPlan p;
  p.buffers = {{"x", DType::kFloat32, {2, 3}, BufferRole::kInput, 0, -1},
               {"cond", DType::kBool, {}, BufferRole::kInput, 1, -1},
               {"z", DType::kFloat32, {2, 3}, BufferRole::kOutput, 0, -1}};
  PlanStep branch;
  branch.kind = StepKind::kControl;
  branch.buffers = {1, 2};
  branch.num_inputs = 1;
  branch.control.op = ControlOp::kIf;
  branch.control.bodies = {0, 1};
  branch.control.captures = {0};
  p.steps = {branch};
  p.inputs = {0, 1};
  p.outputs = {2};
  ExecutionPlan twice;
  twice.buffers = {{"xb", DType::kFloat32, {2, 3}, BufferRole::kInput, 0, -1},
                   {"zb", DType::kFloat32, {2, 3}, BufferRole::kOutput, 0, -1}};
  twice.steps = {{"test_double", {0, 1}}};
  twice.inputs = {0};
  twice.outputs = {1};
  ExecutionPlan same;
  same.buffers = {{"xb", DType::kFloat32, {2, 3}, BufferRole::kInput, 0, -1}};
  same.inputs = {0};
  same.outputs = {0};
  p.bodies = {twice, same};
  return p;
}

TEST(Executor, ControlStepRunsTheBodyTheConditionPicks) {
  auto e = Executor::create(make_if_plan(), nullptr, resolve, 2);
  ASSERT_TRUE(e.is_ok()) << e.status().message();
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  for (bool c : {true, false, true}) {
    Tensor cond = Tensor::scalar<bool>(c);
    auto r = (*e)->run({&x, &cond});
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    for (int i = 0; i < 6; ++i) EXPECT_EQ((*r)[0].data<float>()[i], (c ? 2 : 1) * (i + 1));
  }
}

TEST(Executor, ControlStepsThatDoNotFitTheirBodiesAreRefused) {
  auto expect_refused = [](ExecutionPlan p, const std::string& what) {
    auto e = Executor::create(std::move(p), nullptr, resolve, 1);
    ASSERT_FALSE(e.is_ok()) << what;
    EXPECT_NE(e.status().message().find(what), std::string::npos) << e.status().message();
  };
  ExecutionPlan one_branch = make_if_plan();
  one_branch.steps[0].control.bodies = {0};
  expect_refused(one_branch, "has 1 bodies");
  ExecutionPlan no_body = make_if_plan();
  no_body.steps[0].control.bodies = {0, 5};
  expect_refused(no_body, "runs body 5 of 2");
  ExecutionPlan no_capture = make_if_plan();
  no_capture.steps[0].control.captures.clear();
  expect_refused(no_capture, "takes 1 inputs and returns 1 outputs; the step gives 0");
  ExecutionPlan bad_capture = make_if_plan();
  bad_capture.steps[0].control.captures = {42};
  expect_refused(bad_capture, "captures buffer 42");
  ExecutionPlan bad_body = make_if_plan();
  bad_body.bodies[0].steps[0].buffers = {0, 9};
  expect_refused(bad_body, "body 0");
}

}  // namespace
}  // namespace stitch::runtime
