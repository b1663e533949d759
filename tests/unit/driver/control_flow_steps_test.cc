// Tests of control flow through the compiler: If, Loop and Scan bodies are compiled as graphs of
// their own and run by control steps of the plan (driver/lower_graph.h, runtime/executor.h);
// bodies read outer values (captures) and nest; a Loop whose body shapes depend on the iteration
// is unrolled on a specialized trip count; strings run as host steps. Every result is compared
// with the reference interpreter (the kernels here are exact or within 1e-6).
// Part of tests/unit/driver/.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "driver/artifact_engine.h"
#include "driver/compiled_model.h"
#include "graph/op_registry.h"
#include "reference/interpreter.h"
#include "stitch/stitch.h"
#include "temp_dir.h"

namespace stitch::driver {
namespace {

using graph::Attribute;
using graph::Graph;
using graph::Node;
using graph::TensorType;
using graph::Value;

TensorType f32(Shape s) { return {DType::kFloat32, std::move(s), true}; }
TensorType scalar(DType t) { return {t, {}, true}; }

// A small builder for graphs and bodies.
class G {
 public:
  explicit G(const std::string& name) : g_(std::make_unique<Graph>()) { g_->set_name(name); }
  Value* in(const std::string& name, TensorType t) {
    Value* v = g_->add_value(name, std::move(t));
    g_->add_input(v);
    return v;
  }
  Value* outer(const std::string& name) {
    Value* v = g_->add_value(name);
    g_->add_outer_scope_value(v);
    return v;
  }
  Value* constant(const std::string& name, Tensor t) {
    return g_->add_constant(name, std::move(t));
  }
  Node* node(const std::string& op, const std::vector<Value*>& ins,
             const std::vector<std::string>& outs) {
    std::vector<Value*> values;
    for (const std::string& o : outs) values.push_back(g_->add_value(o));
    return g_->add_node(op, op + "_" + outs.front(), ins, values, "", 17);
  }
  Value* op(const std::string& op, const std::vector<Value*>& ins, const std::string& out) {
    return node(op, ins, {out})->output(0);
  }
  void out(Value* v) { g_->add_output(v); }
  Graph& graph() { return *g_; }
  std::unique_ptr<Graph> take() { return std::move(g_); }
  // Infers types (the test fails when inference does) and hands the graph over.
  std::unique_ptr<Graph> finish() {
    EXPECT_TRUE(graph::infer_graph_types(*g_).is_ok());
    return take();
  }

 private:
  std::unique_ptr<Graph> g_;
};

void set_body(Node* n, const std::string& name, std::unique_ptr<Graph> body) {
  Attribute a;
  a.kind = Attribute::Kind::kGraph;
  a.g = std::move(body);
  n->set_attr(name, std::move(a));
}

std::vector<const Tensor*> ptrs(const std::vector<Tensor>& ts) {
  std::vector<const Tensor*> p;
  for (const Tensor& t : ts) p.push_back(&t);
  return p;
}

std::vector<Tensor> interpret(const Graph& g, const std::vector<Tensor>& inputs) {
  auto interp = reference::Interpreter::create(g);
  EXPECT_TRUE(interp.is_ok()) << interp.status().message();
  auto out = (*interp)->run(ptrs(inputs));
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return out.is_ok() ? std::move(out).value() : std::vector<Tensor>{};
}

void expect_close(const std::vector<Tensor>& got, const std::vector<Tensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].type_string(), want[i].type_string()) << "output " << i;
    if (got[i].dtype() == DType::kString) {
      EXPECT_EQ(got[i].strings(), want[i].strings()) << i;
      continue;
    }
    for (int64_t k = 0; k < got[i].numel(); ++k) {
      EXPECT_NEAR(got[i].as_double(k), want[i].as_double(k),
                  1e-6 * (1 + std::fabs(want[i].as_double(k))))
          << "output " << i << " element " << k;
    }
  }
}

// Compiles the graph `make` builds with `example` inputs, then checks every input set against
// the interpreter (on a fresh copy of the graph: compiling optimizes in place).
std::unique_ptr<CompiledModel> compile_and_check(
    const std::function<std::unique_ptr<Graph>()>& make,
    const std::vector<std::vector<Tensor>>& runs) {
  auto g = make();
  auto model = CompiledModel::compile(*g, ptrs(runs.front()), CompiledModelOptions{});
  EXPECT_TRUE(model.is_ok()) << model.status().message();
  if (!model.is_ok()) return nullptr;
  auto reference_graph = make();
  for (const auto& inputs : runs) {
    auto out = (*model)->run(ptrs(inputs));
    EXPECT_TRUE(out.is_ok()) << out.status().message();
    if (out.is_ok()) expect_close(*out, interpret(*reference_graph, inputs));
  }
  return std::move(model).value();
}

Tensor floats(std::vector<float> v, Shape s) { return Tensor::from_vector<float>(v, std::move(s)); }

// y = If(cond, then: x * x, else: -x); z = y + x. Both branches read x from outside; the If
// output has a static shape, so a kernel reads it.
std::unique_ptr<Graph> if_graph() {
  G g("if");
  Value* x = g.in("x", f32({2, 3}));
  Value* cond = g.in("cond", scalar(DType::kBool));
  Node* n = g.node("If", {cond}, {"y"});
  G then_b("then");
  Value* tx = then_b.outer("x");
  then_b.out(then_b.op("Mul", {tx, tx}, "sq"));
  G else_b("else");
  else_b.out(else_b.op("Neg", {else_b.outer("x")}, "neg"));
  set_body(n, "then_branch", then_b.take());
  set_body(n, "else_branch", else_b.take());
  g.out(g.op("Add", {n->output(0), x}, "z"));
  return g.finish();
}

TEST(ControlFlowSteps, IfRunsTheBranchTheConditionPicks) {
  Tensor x = floats({1, -2, 3, -4, 5, -6}, {2, 3});
  std::vector<std::vector<Tensor>> runs;
  for (bool c : {true, false}) {
    std::vector<Tensor> in;
    in.push_back(x.clone());
    in.push_back(Tensor::scalar<bool>(c));
    runs.push_back(std::move(in));
  }
  auto model = compile_and_check(if_graph, runs);
  ASSERT_TRUE(model);
  EXPECT_EQ(model->report().kernels, 3);  // Add, and one kernel per branch
}

// (acc, scan) = Loop(M, , x): acc = 2 * acc + x each iteration, scan collects acc; then
// relu(acc). The body's shapes are static, so M stays an input and each run may differ.
std::unique_ptr<Graph> loop_graph() {
  G g("loop");
  Value* m = g.in("M", scalar(DType::kInt64));
  Value* x = g.in("x", f32({3}));
  Node* n = g.graph().add_node("Loop", "loop", {m, nullptr, x},
                               {g.graph().add_value("acc"), g.graph().add_value("scan")}, "", 17);
  G body("body");
  body.in("i", scalar(DType::kInt64));
  Value* c = body.in("c", scalar(DType::kBool));
  Value* acc = body.in("acc_in", f32({3}));
  Value* two = body.constant("two", Tensor::scalar<float>(2.0f));
  Value* next = body.op("Add", {body.op("Mul", {acc, two}, "twice"), body.outer("x")}, "next");
  body.out(body.op("Identity", {c}, "c_out"));
  body.out(next);
  body.out(body.op("Identity", {next}, "scan_out"));
  set_body(n, "body", body.take());
  g.out(g.op("Relu", {n->output(0)}, "relu"));
  g.out(n->output(1));
  return g.finish();
}

TEST(ControlFlowSteps, LoopRunsTheTripCountOfEachRun) {
  Tensor x = floats({0.5f, -1, 2}, {3});
  std::vector<std::vector<Tensor>> runs;
  for (int64_t m : {3, 1, 5}) {
    std::vector<Tensor> in;
    in.push_back(Tensor::scalar<int64_t>(m));
    in.push_back(x.clone());
    runs.push_back(std::move(in));
  }
  auto model = compile_and_check(loop_graph, runs);
  ASSERT_TRUE(model);
  // Zero iterations: the carried value comes back unchanged and the scan output is [0, 3] (the
  // compiled body knows one iteration's type; the interpreter cannot say it).
  Tensor zero = Tensor::scalar<int64_t>(0);
  auto out = model->run({&zero, &x});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ((*out)[1].shape(), (Shape{0, 3}));
  EXPECT_EQ((*out)[0].as_double(0), 0.5);
}

// Scan 9 over axis 1 of a [2, 4] input, read in reverse, with a running sum as its state and
// the sums written along axis 1 of the output in reverse.
std::unique_ptr<Graph> scan_graph() {
  G g("scan");
  Value* init = g.in("init", f32({2}));
  Value* xs = g.in("xs", f32({2, 4}));
  Node* n = g.node("Scan", {init, xs}, {"final", "sums"});
  n->set_attr("num_scan_inputs", Attribute::of_int(1));
  n->set_attr("scan_input_axes", Attribute::of_ints({1}));
  n->set_attr("scan_input_directions", Attribute::of_ints({1}));
  n->set_attr("scan_output_axes", Attribute::of_ints({1}));
  n->set_attr("scan_output_directions", Attribute::of_ints({1}));
  G body("body");
  Value* s = body.in("s", f32({2}));
  Value* col = body.in("col", f32({2}));
  Value* sum = body.op("Add", {s, col}, "sum");
  body.out(sum);
  body.out(body.op("Sqrt", {body.op("Abs", {sum}, "abs")}, "root"));
  set_body(n, "body", body.take());
  g.out(n->output(0));
  g.out(n->output(1));
  return g.finish();
}

TEST(ControlFlowSteps, ScanSlicesAlongItsAxesInItsDirections) {
  std::vector<std::vector<Tensor>> runs(1);
  runs[0].push_back(floats({1, -1}, {2}));
  runs[0].push_back(floats({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4}));
  auto model = compile_and_check(scan_graph, runs);
  ASSERT_TRUE(model);
  auto g = scan_graph();
  EXPECT_EQ(g->outputs()[1]->type().to_string(), "float32[2, 4]");  // inferred through the body
}

// A Loop whose body holds an If; the branches read `bias`, a graph input two scopes out, and
// `acc_in`, the Loop body's input, one scope out.
std::unique_ptr<Graph> nested_graph() {
  G g("nested");
  Value* m = g.in("M", scalar(DType::kInt64));
  Value* x = g.in("x", f32({4}));
  g.in("bias", f32({4}));
  Node* n =
      g.graph().add_node("Loop", "loop", {m, nullptr, x}, {g.graph().add_value("acc")}, "", 17);
  G body("body");
  Value* i = body.in("i", scalar(DType::kInt64));
  Value* c = body.in("c", scalar(DType::kBool));
  body.in("acc_in", f32({4}));
  Value* two = body.constant("two", Tensor::scalar<int64_t>(2));
  Value* zero = body.constant("zero", Tensor::scalar<int64_t>(0));
  Value* even = body.op("Equal", {body.op("Mod", {i, two}, "rem"), zero}, "even");
  Node* branch = body.node("If", {even}, {"step"});
  G then_b("then");
  then_b.out(then_b.op("Add", {then_b.outer("acc_in"), then_b.outer("bias")}, "plus"));
  G else_b("else");
  else_b.out(else_b.op("Mul", {else_b.outer("acc_in"), else_b.outer("bias")}, "times"));
  set_body(branch, "then_branch", then_b.take());
  set_body(branch, "else_branch", else_b.take());
  body.out(body.op("Identity", {c}, "c_out"));
  body.out(branch->output(0));
  set_body(n, "body", body.take());
  g.out(n->output(0));
  return g.finish();
}

TEST(ControlFlowSteps, NestedBodiesCaptureValuesOfEveryScope) {
  std::vector<std::vector<Tensor>> runs(1);
  runs[0].push_back(Tensor::scalar<int64_t>(4));
  runs[0].push_back(floats({1, 2, 3, 4}, {4}));
  runs[0].push_back(floats({0.5f, -0.5f, 2, 1}, {4}));
  ASSERT_TRUE(compile_and_check(nested_graph, runs));
}

using testing::TempDir;

TEST(ControlFlowSteps, ArtifactRunsBodyPlans) {
  std::vector<Tensor> in;
  in.push_back(Tensor::scalar<int64_t>(4));
  in.push_back(floats({1, 2, 3, 4}, {4}));
  in.push_back(floats({0.5f, -0.5f, 2, 1}, {4}));
  auto g = nested_graph();
  CompiledModelOptions options;
  auto model = CompiledModel::compile(*g, ptrs(in), options);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  Status s = write_compiled_artifact(**model, options.toolchain.target, dir.path());
  ASSERT_TRUE(s.is_ok()) << s.message();
  auto engine = ArtifactEngine::load(dir.path(), 2);
  ASSERT_TRUE(engine.is_ok()) << engine.status().message();
  EXPECT_EQ((*engine)->plan().bodies.size(), 1u);
  EXPECT_EQ((*engine)->plan().bodies[0].bodies.size(), 2u);
  auto out = (*engine)->run(ptrs(in));
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  expect_close(*out, interpret(*nested_graph(), in));
}

// Body (i, c, acc) -> acc + x[i:i+1]: a slice at the iteration index, whose shape only a
// constant index makes static. `trip` and `cond` are graph inputs.
std::unique_ptr<Graph> slicing_loop_graph() {
  G g("slicing");
  Value* m = g.in("M", scalar(DType::kInt64));
  Value* cond = g.in("cond", scalar(DType::kBool));
  Value* acc0 = g.in("acc0", f32({1}));
  g.constant("x", floats({1, 2, 4, 8, 16}, {5}));
  Node* n = g.graph().add_node("Loop", "loop", {m, cond, acc0},
                               {g.graph().add_value("acc"), g.graph().add_value("scan")}, "", 17);
  G body("body");
  Value* i = body.in("i", scalar(DType::kInt64));
  Value* c = body.in("c", scalar(DType::kBool));
  Value* acc = body.in("acc_in", f32({1}));
  Value* axes = body.constant("axes", Tensor::from_vector<int64_t>({0}, {1}));
  Value* one = body.constant("one", Tensor::scalar<int64_t>(1));
  Value* starts = body.op("Unsqueeze", {i, axes}, "starts");
  Value* ends = body.op("Unsqueeze", {body.op("Add", {i, one}, "end"), axes}, "ends");
  Value* slice = body.op("Slice", {body.outer("x"), starts, ends}, "slice");
  Value* next = body.op("Add", {acc, slice}, "next");
  body.out(body.op("Identity", {c}, "c_out"));
  body.out(next);
  body.out(body.op("Identity", {next}, "scan_out"));
  set_body(n, "body", body.take());
  g.out(n->output(0));
  g.out(n->output(1));
  return g.finish();
}

TEST(ControlFlowSteps, LoopWithIterationDependentShapesIsUnrolledOnItsTripCount) {
  std::vector<std::vector<Tensor>> runs(1);
  runs[0].push_back(Tensor::scalar<int64_t>(4));
  runs[0].push_back(Tensor::scalar<bool>(true));
  runs[0].push_back(floats({0.25f}, {1}));
  auto model = compile_and_check(slicing_loop_graph, runs);
  ASSERT_TRUE(model);
  for (const auto& step : model->plan().steps) {
    EXPECT_NE(step.kind, runtime::StepKind::kControl) << "the Loop should be unrolled";
  }
  // Another trip count needs another compile, and says so.
  Tensor three = Tensor::scalar<int64_t>(3);
  auto out = model->run({&three, &runs[0][1], &runs[0][2]});
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("compile again"), std::string::npos)
      << out.status().message();
}

TEST(ControlFlowSteps, AStateThatChangesShapeIsRefusedNamingTheNode) {
  G g("grow");
  Value* m = g.in("M", scalar(DType::kInt64));
  Value* acc0 = g.in("acc0", f32({1}));
  Node* n = g.graph().add_node("Loop", "grower", {m, nullptr, acc0}, {g.graph().add_value("acc")},
                               "", 17);
  G body("body");
  body.in("i", scalar(DType::kInt64));
  Value* c = body.in("c", scalar(DType::kBool));
  Value* acc = body.in("acc_in", f32({1}));
  Node* cat = body.node("Concat", {acc, acc}, {"longer"});
  cat->set_attr("axis", Attribute::of_int(0));
  body.out(body.op("Identity", {c}, "c_out"));
  body.out(cat->output(0));
  set_body(n, "body", body.take());
  g.out(n->output(0));
  auto graph = g.take();
  ASSERT_TRUE(graph::infer_graph_types(*graph).is_ok());
  // Too many iterations to unroll.
  Tensor trip = Tensor::scalar<int64_t>(100);
  Tensor a = floats({1}, {1});
  auto model = CompiledModel::compile(*graph, {&trip, &a}, CompiledModelOptions{});
  ASSERT_FALSE(model.is_ok());
  const std::string& msg = model.status().message();
  EXPECT_NE(msg.find("unsupported: Loop (node 'grower') gives its state 'acc_in' back as "
                     "float32[2] after taking it as float32[1]"),
            std::string::npos)
      << msg;
}

// Numbers to strings and back: the casts run as host steps; a kernel reads the parsed floats.
std::unique_ptr<Graph> string_graph() {
  G g("strings");
  Value* x = g.in("x", f32({3}));
  Value* s = g.in("s", {DType::kString, {2}, true});
  Node* to_string = g.node("Cast", {x}, {"x_text"});
  to_string->set_attr("to", Attribute::of_int(static_cast<int64_t>(DType::kString)));
  Node* parse = g.node("Cast", {s}, {"parsed"});
  parse->set_attr("to", Attribute::of_int(static_cast<int64_t>(DType::kFloat32)));
  g.out(to_string->output(0));
  g.out(g.op("Relu", {parse->output(0)}, "relu"));
  g.out(s);
  return g.finish();
}

TEST(ControlFlowSteps, StringCastsRunOnTheHost) {
  std::vector<std::vector<Tensor>> runs(1);
  runs[0].push_back(floats({0.5f, -3, 1e-5f}, {3}));
  Tensor s(DType::kString, {2});
  s.strings() = {"-2.5", "  7 "};
  runs[0].push_back(std::move(s));
  auto model = compile_and_check(string_graph, runs);
  ASSERT_TRUE(model);
  EXPECT_EQ(model->report().kernels, 1);  // Relu
  Tensor bad(DType::kString, {2});
  bad.strings() = {"1", "one"};
  auto out = model->run({&runs[0][0], &bad});
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("cannot parse 'one' as float32"), std::string::npos)
      << out.status().message();

  // The C API passes flat bytes: it refuses a model with string inputs at load.
  auto g = string_graph();
  CompiledModelOptions options;
  auto compiled = CompiledModel::compile(*g, ptrs(runs[0]), options);
  ASSERT_TRUE(compiled.is_ok()) << compiled.status().message();
  TempDir dir;
  ASSERT_TRUE(write_compiled_artifact(**compiled, options.toolchain.target, dir.path()).is_ok());
  stitch_model* m = nullptr;
  EXPECT_EQ(stitch_model_load(dir.path().c_str(), 1, &m), STITCH_ERROR_LOAD);
  EXPECT_NE(std::string(stitch_last_error()).find("string tensor"), std::string::npos);
}

}  // namespace
}  // namespace stitch::driver
