// Tests of plan.bin: a round trip keeps every field, and truncated, corrupted or foreign bytes
// give an error (never a crash or a huge allocation). Part of tests/unit/runtime.
#include "runtime/plan_serialization.h"

#include <gtest/gtest.h>

#include <cstring>

#include "runtime/binary_io.h"

namespace stitch::runtime {
namespace {

// Field by field, written out here rather than through the serializer's own field lists, so a
// field the serializer forgets makes the round trip fail.
void expect_equal_plans(const ExecutionPlan& p, const ExecutionPlan& q) {
  ASSERT_EQ(p.buffers.size(), q.buffers.size());
  for (size_t i = 0; i < p.buffers.size(); ++i) {
    EXPECT_EQ(p.buffers[i].name, q.buffers[i].name);
    EXPECT_EQ(p.buffers[i].dtype, q.buffers[i].dtype);
    EXPECT_EQ(p.buffers[i].shape, q.buffers[i].shape);
    EXPECT_EQ(p.buffers[i].role, q.buffers[i].role);
    EXPECT_EQ(p.buffers[i].index, q.buffers[i].index);
    EXPECT_EQ(p.buffers[i].arena_offset, q.buffers[i].arena_offset);
  }
  ASSERT_EQ(p.steps.size(), q.steps.size());
  for (size_t i = 0; i < p.steps.size(); ++i) {
    EXPECT_EQ(p.steps[i].kernel_symbol, q.steps[i].kernel_symbol);
    EXPECT_EQ(p.steps[i].buffers, q.steps[i].buffers);
    EXPECT_EQ(p.steps[i].kind, q.steps[i].kind);
    EXPECT_EQ(p.steps[i].host_op, q.steps[i].host_op);
    EXPECT_EQ(p.steps[i].num_inputs, q.steps[i].num_inputs);
    ASSERT_EQ(p.steps[i].attributes.size(), q.steps[i].attributes.size());
    for (size_t k = 0; k < p.steps[i].attributes.size(); ++k) {
      EXPECT_EQ(p.steps[i].attributes[k].name, q.steps[i].attributes[k].name);
      EXPECT_EQ(p.steps[i].attributes[k].value, q.steps[i].attributes[k].value);
    }
    const ControlFlow& c = p.steps[i].control;
    const ControlFlow& d = q.steps[i].control;
    EXPECT_EQ(c.op, d.op);
    EXPECT_EQ(c.bodies, d.bodies);
    EXPECT_EQ(c.captures, d.captures);
    EXPECT_EQ(c.num_states, d.num_states);
    EXPECT_EQ(c.batched, d.batched);
    EXPECT_EQ(c.input_axes, d.input_axes);
    EXPECT_EQ(c.input_reverse, d.input_reverse);
    EXPECT_EQ(c.output_axes, d.output_axes);
    EXPECT_EQ(c.output_reverse, d.output_reverse);
  }
  EXPECT_EQ(p.inputs, q.inputs);
  EXPECT_EQ(p.outputs, q.outputs);
  ASSERT_EQ(p.input_value_guards.size(), q.input_value_guards.size());
  for (size_t i = 0; i < p.input_value_guards.size(); ++i) {
    EXPECT_EQ(p.input_value_guards[i].input, q.input_value_guards[i].input);
    EXPECT_EQ(p.input_value_guards[i].value, q.input_value_guards[i].value);
  }
  EXPECT_EQ(p.arena_size, q.arena_size);
  EXPECT_EQ(p.sum_of_intermediates, q.sum_of_intermediates);
  ASSERT_EQ(p.bodies.size(), q.bodies.size());
  for (size_t i = 0; i < p.bodies.size(); ++i) expect_equal_plans(p.bodies[i], q.bodies[i]);
}

void expect_equal(const PlanFile& a, const PlanFile& b) {
  EXPECT_EQ(a.metadata.producer, b.metadata.producer);
  EXPECT_EQ(a.metadata.target, b.metadata.target);
  expect_equal_plans(a.plan, b.plan);
}

// Every field set, with values that would expose truncation to 32 bits or lost signs.
PlanFile full_plan() {
  PlanFile f;
  f.metadata = {"stitch 0.1.0", "x86-64-avx2"};
  ExecutionPlan& p = f.plan;
  p.buffers = {{"x", DType::kFloat32, {1, 3, 224, 224}, BufferRole::kInput, 0, -1},
               {"shape", DType::kInt64, {2}, BufferRole::kInput, 1, -1},
               {"w", DType::kFloat16, {64, 3, 7, 7}, BufferRole::kConstant, 0, -1},
               {"t", DType::kBFloat16, {}, BufferRole::kIntermediate, -1, int64_t{5} << 33},
               {"y", DType::kBool, {0, 5}, BufferRole::kOutput, 0, -1},
               {"u", DType::kInt64, {-1, 3}, BufferRole::kDynamic, 0, -1}};
  p.steps = {{"stitch_kernel_k0", {0, 2, 3}}, {"stitch_kernel_k1", {3, 1, 4}}, {"empty", {}}};
  // A host step: inputs then outputs (-1 absent), integer attributes beyond 32 bits and signed.
  PlanStep host;
  host.kind = StepKind::kHost;
  host.host_op = "Unique";
  host.buffers = {3, 5, -1, -1, 4};
  host.num_inputs = 1;
  host.attributes = {{"axis", -2}, {"sorted", int64_t{1} << 40}};
  p.steps.push_back(host);
  // A control step (Scan, every field set) whose body holds a nested body.
  PlanStep scan;
  scan.kind = StepKind::kControl;
  scan.buffers = {0, 3, 5};
  scan.num_inputs = 2;
  scan.control = {ControlOp::kScan, {0}, {1, 2}, 1, true, {-1}, {1}, {2}, {0}};
  p.steps.push_back(scan);
  ExecutionPlan body;
  body.buffers = {{"s", DType::kInt32, {7}, BufferRole::kInput, 0, -1}};
  body.inputs = {0};
  body.outputs = {0};
  PlanStep inner;
  inner.kind = StepKind::kControl;
  inner.num_inputs = 1;
  inner.control.op = ControlOp::kIf;
  inner.control.bodies = {0, 0};
  body.steps.push_back(inner);
  body.bodies.push_back(ExecutionPlan{});
  p.bodies.push_back(body);
  p.inputs = {0, 1};
  p.outputs = {4, 2};
  p.input_value_guards = {{1, {std::byte{1}, std::byte{0}, std::byte{0xff}}}, {0, {}}};
  p.arena_size = (int64_t{5} << 33) + 64;
  p.sum_of_intermediates = int64_t{3} << 40;
  return f;
}

TEST(PlanSerialization, RoundTripKeepsEveryField) {
  PlanFile f = full_plan();
  std::string bytes = serialize_plan_file(f);
  auto back = deserialize_plan_file(bytes, "plan.bin");
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  expect_equal(f, *back);
  EXPECT_EQ(serialize_plan_file(*back), bytes);
}

TEST(PlanSerialization, EmptyPlanRoundTrips) {
  auto back = deserialize_plan_file(serialize_plan_file(PlanFile{}), "plan.bin");
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  expect_equal(PlanFile{}, *back);
}

TEST(PlanSerialization, EveryTruncationIsAnError) {
  std::string bytes = serialize_plan_file(full_plan());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = deserialize_plan_file(std::string_view(bytes).substr(0, n), "plan.bin");
    ASSERT_FALSE(r.is_ok()) << n;
    EXPECT_NE(r.status().message().find("plan.bin"), std::string::npos) << r.status().message();
  }
  std::string payload = serialize_plan_payload(full_plan());
  for (size_t n = 0; n < payload.size(); ++n) {
    auto r = deserialize_plan_payload(std::string_view(payload).substr(0, n), "plan.bin");
    ASSERT_FALSE(r.is_ok()) << n;
    EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
  }
}

TEST(PlanSerialization, CorruptPayloadBytesNeverCrash) {
  // Past the checksum: every byte of the payload overwritten with values that make lengths
  // huge, enums unknown or indices negative. Each parse fails or yields some plan; none crashes
  // or allocates what the bytes left cannot hold.
  std::string payload = serialize_plan_payload(full_plan());
  int errors = 0;
  for (size_t i = 0; i < payload.size(); ++i) {
    for (unsigned char v : {0x00, 0x7f, 0x80, 0xff}) {
      std::string bad = payload;
      bad[i] = static_cast<char>(v);
      errors += deserialize_plan_payload(bad, "plan.bin").is_ok() ? 0 : 1;
    }
  }
  EXPECT_GT(errors, 0);
}

TEST(PlanSerialization, HugeCountIsRefusedBeforeAllocating) {
  std::string payload = serialize_plan_payload(full_plan());
  // The producer string's length is the payload's first field.
  const uint64_t huge = uint64_t{1} << 60;
  std::memcpy(payload.data(), &huge, 8);
  auto r = deserialize_plan_payload(payload, "plan.bin");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("claims"), std::string::npos) << r.status().message();
}

TEST(PlanSerialization, UnknownEnumsAreErrors) {
  PlanFile f = full_plan();
  f.plan.buffers[0].dtype = static_cast<DType>(99);
  auto r = deserialize_plan_payload(serialize_plan_payload(f), "plan.bin");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("unknown dtype code 99"), std::string::npos);
  f = full_plan();
  f.plan.buffers[0].role = static_cast<BufferRole>(7);
  r = deserialize_plan_payload(serialize_plan_payload(f), "plan.bin");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("unknown buffer role 7"), std::string::npos);
  f = full_plan();
  f.plan.steps.back().kind = static_cast<StepKind>(5);
  r = deserialize_plan_payload(serialize_plan_payload(f), "plan.bin");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("unknown step kind 5"), std::string::npos);
}

TEST(PlanSerialization, UnknownControlOpAndDeepNestingAreErrors) {
  PlanFile f = full_plan();
  f.plan.steps.back().control.op = static_cast<ControlOp>(9);
  auto r = deserialize_plan_payload(serialize_plan_payload(f), "plan.bin");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("unknown control op 9"), std::string::npos);
  // Bodies nested 100 deep: refused before the reader's recursion gets that deep.
  PlanFile deep;
  for (int i = 0; i < 100; ++i) {
    ExecutionPlan outer;
    outer.bodies.push_back(std::move(deep.plan));
    deep.plan = std::move(outer);
  }
  r = deserialize_plan_payload(serialize_plan_payload(deep), "plan.bin");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("nest deeper than"), std::string::npos)
      << r.status().message();
}

TEST(PlanSerialization, HeaderProblemsAreNamed) {
  const std::string good = serialize_plan_file(full_plan());
  std::string bad = good;
  bad[0] = 'X';
  EXPECT_NE(deserialize_plan_file(bad, "p").status().message().find("bad magic"),
            std::string::npos);
  bad = good;
  bad[8] = static_cast<char>(kPlanFormatVersion + 1);
  const std::string newer = "format version " + std::to_string(kPlanFormatVersion + 1);
  EXPECT_NE(deserialize_plan_file(bad, "p").status().message().find(newer), std::string::npos);
  bad = good;
  bad[bad.size() - 1] ^= 1;
  EXPECT_NE(deserialize_plan_file(bad, "p").status().message().find("checksum"), std::string::npos);
  bad = good + "x";
  EXPECT_NE(deserialize_plan_file(bad, "p").status().message().find("truncated or corrupt"),
            std::string::npos);
  std::string payload = serialize_plan_payload(full_plan()) + "x";
  EXPECT_NE(deserialize_plan_payload(payload, "p").status().message().find("unexpected bytes"),
            std::string::npos);
}

TEST(PlanSerialization, ChecksumSeesSingleBitFlips) {
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const uint64_t h = checksum64(data.data(), data.size());
  for (size_t i = 0; i < data.size(); i += 37) {
    std::string flipped = data;
    flipped[i] ^= 4;
    EXPECT_NE(checksum64(flipped.data(), flipped.size()), h) << i;
  }
  EXPECT_NE(checksum64(data.data(), data.size() - 1), h);
}

}  // namespace
}  // namespace stitch::runtime
