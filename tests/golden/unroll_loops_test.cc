// Golden tests of loop unrolling: a Loop whose body slices an outer tensor at the iteration
// index (shapes that only a constant index makes static) becomes one copy of the body per
// iteration; loops that need not or may not be unrolled stay. The copies still show unknown
// slice shapes here: constant folding, next in the pipeline, folds the constant indices. The
// interpreter checks that the outputs do not change. Part of tests/golden/.
#include "passes/unroll_loops.h"

#include <gtest/gtest.h>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using graph::Graph;
using graph::Value;
using testing::Builder;
using testing::run_pass_and_check;

// Body (i, cond, acc) -> (cond, acc + x[i:i+1], acc + x[i:i+1]); `x` is read from outside.
// With `grow`, the carried value grows instead, acc ++ x[i:i+1] (a shape that changes), and the
// scan output is x[i:i+1].
std::unique_ptr<Graph> slicing_body(bool grow) {
  auto body = std::make_unique<Graph>();
  body->set_name("body");
  Value* i = body->add_value("i", {DType::kInt64, {}, true});
  Value* cond = body->add_value("cond_in", {DType::kBool, {}, true});
  Value* acc = body->add_value("acc_in", {DType::kFloat32, {1}, true});
  for (Value* v : {i, cond, acc}) body->add_input(v);
  Value* x = body->add_value("x");
  body->add_outer_scope_value(x);
  Value* one = body->add_constant("one", Tensor::scalar<int64_t>(1));
  Value* axes = body->add_constant("axes", Tensor::from_vector<int64_t>({0}, {1}));
  Value* end = body->add_value("end");
  body->add_node("Add", "next", {i, one}, {end}, "", 13);
  Value* starts = body->add_value("starts");
  Value* ends = body->add_value("ends");
  body->add_node("Unsqueeze", "u0", {i, axes}, {starts}, "", 13);
  body->add_node("Unsqueeze", "u1", {end, axes}, {ends}, "", 13);
  Value* slice = body->add_value("slice");
  body->add_node("Slice", "slice", {x, starts, ends}, {slice}, "", 13);
  Value* cond_out = body->add_value("cond_out");
  body->add_node("Identity", "keep", {cond}, {cond_out}, "", 13);
  Value* acc_out = body->add_value("acc_out");
  if (grow) {
    graph::Node* c = body->add_node("Concat", "grow", {acc, slice}, {acc_out}, "", 13);
    c->set_attr("axis", Attribute::of_int(0));
  } else {
    body->add_node("Add", "sum", {acc, slice}, {acc_out}, "", 13);
  }
  Value* scan = body->add_value("scan_out");
  body->add_node("Identity", "scan", {grow ? slice : acc_out}, {scan}, "", 13);
  for (Value* v : {cond_out, acc_out, scan}) body->add_output(v);
  return body;
}

graph::Node* add_loop(Builder& b, Value* trip, Value* cond, Value* acc, bool grow) {
  graph::Node* n = b.node("Loop", {trip, cond, acc}, {"acc", "scan"});
  Attribute a;
  a.kind = Attribute::Kind::kGraph;
  a.g = slicing_body(grow);
  n->set_attr("body", std::move(a));
  return n;
}

TEST(UnrollLoops, CopiesTheBodyPerIterationWithAConstantIndex) {
  auto make = [] {
    Builder b("loop");
    b.random("x", {4});
    auto* acc = b.input("acc0", {1});
    auto* trip = b.constant("trip", Tensor::scalar<int64_t>(2));
    graph::Node* n = add_loop(b, trip, nullptr, acc, false);
    b.output(n->output(0));
    b.output(n->output(1));
    return b.finish();
  };
  auto pass = make_unroll_loops_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph loop (%acc0: float32[1]) {\n"
            "  %n_acc_it0_end: int64[] = Add(%n_acc_it0_iteration, %n_acc_it0_one)\n"
            "  %n_acc_it0_starts: int64[1] = Unsqueeze(%n_acc_it0_iteration, %n_acc_it0_axes)\n"
            "  %n_acc_it0_ends: int64[1] = Unsqueeze(%n_acc_it0_end, %n_acc_it0_axes)\n"
            "  %n_acc_it0_slice: float32[?] = Slice(%x, %n_acc_it0_starts, %n_acc_it0_ends)\n"
            "  %n_acc_it0_cond_out: bool[] = Identity(%n_acc_true)\n"
            "  %n_acc_it0_acc_out: float32[?] = Add(%acc0, %n_acc_it0_slice)\n"
            "  %n_acc_it0_scan_out: float32[?] = Identity(%n_acc_it0_acc_out)\n"
            "  %n_acc_it0_scan0: float32[1, ?] = Unsqueeze(%n_acc_it0_scan_out, %n_acc_axis0)\n"
            "  %n_acc_it1_end: int64[] = Add(%n_acc_it1_iteration, %n_acc_it1_one)\n"
            "  %n_acc_it1_starts: int64[1] = Unsqueeze(%n_acc_it1_iteration, %n_acc_it1_axes)\n"
            "  %n_acc_it1_ends: int64[1] = Unsqueeze(%n_acc_it1_end, %n_acc_it1_axes)\n"
            "  %n_acc_it1_slice: float32[?] = Slice(%x, %n_acc_it1_starts, %n_acc_it1_ends)\n"
            "  %n_acc_it1_cond_out: bool[] = Identity(%n_acc_true)\n"
            "  %n_acc_it1_acc_out: float32[?] = Add(%n_acc_it0_acc_out, %n_acc_it1_slice)\n"
            "  %n_acc_it1_scan_out: float32[?] = Identity(%n_acc_it1_acc_out)\n"
            "  %n_acc_it1_scan0: float32[1, ?] = Unsqueeze(%n_acc_it1_scan_out, %n_acc_axis0)\n"
            "  %acc: float32[?] = Identity(%n_acc_it1_acc_out)\n"
            "  %scan: float32[2, ?] = Concat(%n_acc_it0_scan0, %n_acc_it1_scan0) {axis=0}\n"
            "  return %acc, %scan\n"
            "}\n");
}

TEST(UnrollLoops, UnrollsACarriedValueThatGrows) {
  auto make = [] {
    Builder b("grow");
    b.random("x", {4});
    auto* acc = b.input("acc0", {1});
    auto* trip = b.constant("trip", Tensor::scalar<int64_t>(3));
    auto* yes = b.constant("yes", Tensor::scalar<bool>(true));
    graph::Node* n = add_loop(b, trip, yes, acc, true);
    b.output(n->output(0));
    return b.finish();
  };
  auto pass = make_unroll_loops_pass();
  const std::string dump = run_pass_and_check(make, *pass);
  EXPECT_EQ(dump.find("Loop("), std::string::npos) << dump;
  EXPECT_NE(dump.find("%acc: float32[?] = Identity(%n_acc_it2_acc_out)"), std::string::npos)
      << dump;
}

// Loops that stay: a trip count that is not a constant, a condition that is not known to hold,
// more iterations than the limit.
TEST(UnrollLoops, LeavesLoopsItMustNotUnroll) {
  struct Case {
    const char* name;
    std::function<void(Builder&, Value*&, Value*&)> trip_and_cond;
  };
  std::vector<Case> cases = {
      {"runtime_trip",
       [](Builder& b, Value*& trip, Value*& cond) {
         trip = b.input("trip", {}, DType::kInt64);
         cond = nullptr;
       }},
      {"runtime_cond",
       [](Builder& b, Value*& trip, Value*& cond) {
         trip = b.constant("trip", Tensor::scalar<int64_t>(2));
         cond = b.input("cond", {}, DType::kBool);
       }},
      {"too_long",
       [](Builder& b, Value*& trip, Value*& cond) {
         trip = b.constant("trip", Tensor::scalar<int64_t>(kMaxUnrolledIterations + 1));
         cond = nullptr;
       }},
  };
  for (const Case& c : cases) {
    Builder b(c.name);
    b.random("x", {kMaxUnrolledIterations + 1});
    auto* acc = b.input("acc0", {1});
    Value *trip = nullptr, *cond = nullptr;
    c.trip_and_cond(b, trip, cond);
    graph::Node* n = add_loop(b, trip, cond, acc, false);
    b.output(n->output(0));
    auto g = b.finish();
    auto changed = make_unroll_loops_pass()->run(*g);
    ASSERT_TRUE(changed.is_ok()) << changed.status().message();
    EXPECT_FALSE(*changed) << c.name;
  }
}

}  // namespace
}  // namespace stitch::passes
