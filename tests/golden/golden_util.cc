// Helpers of the golden pass tests. Part of tests/golden/.
#include "golden_util.h"

#include <gtest/gtest.h>

#include <random>

#include "graph/op_registry.h"
#include "passes/pass_util.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace stitch::passes::testing {

using graph::Graph;
using graph::Node;
using graph::Value;

Builder::Builder(const std::string& name) : g_(std::make_unique<Graph>()) {
  g_->set_name(name);
  g_->opset_imports()[""] = 17;
}

Value* Builder::input(const std::string& name, Shape shape, DType dtype) {
  Value* v = g_->add_value(name, graph::TensorType{dtype, std::move(shape), true});
  g_->add_input(v);
  return v;
}

Value* Builder::constant(const std::string& name, Tensor data) {
  return g_->add_constant(name, std::move(data));
}

Value* Builder::random(const std::string& name, Shape shape, float lo, float hi) {
  std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>()(name)));
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DType::kFloat32, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return constant(name, std::move(t));
}

Node* Builder::node(const std::string& op, const std::vector<Value*>& inputs,
                    const std::vector<std::string>& outputs) {
  std::vector<Value*> outs;
  for (const auto& name : outputs) outs.push_back(name.empty() ? nullptr : g_->add_value(name));
  std::string node_name = outputs.empty() || outputs[0].empty() ? "" : "n_" + outputs[0];
  return g_->add_node(op, node_name, inputs, outs, "", 17);
}

Value* Builder::op(const std::string& op, const std::vector<Value*>& inputs,
                   const std::string& output) {
  return node(op, inputs, {output})->output(0);
}

std::unique_ptr<Graph> Builder::finish() {
  Status s = graph::infer_graph_types(*g_);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return std::move(g_);
}

std::vector<Tensor> random_inputs(const Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Tensor> out;
  for (const Value* v : g.inputs()) {
    Tensor t(v->dtype(), v->shape());
    Status s = visit_numeric(v->dtype(), [&](auto tag) {
      using T = decltype(tag);
      for (int64_t i = 0; i < t.numel(); ++i) {
        if constexpr (std::is_same_v<T, bool>) {
          t.data<T>()[i] = rng() % 2 == 0;
        } else if constexpr (std::is_integral_v<T>) {
          t.data<T>()[i] = static_cast<T>(rng() % 8);
        } else {
          t.data<T>()[i] = static_cast<T>(std::uniform_real_distribution<float>(-1, 1)(rng));
        }
      }
      return Status::ok();
    });
    EXPECT_TRUE(s.is_ok()) << s.message();
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Tensor> interpret(const Graph& g, const std::vector<Tensor>& inputs) {
  auto interp = reference::Interpreter::create(g);
  EXPECT_TRUE(interp.is_ok()) << interp.status().message();
  if (!interp.is_ok()) return {};
  std::vector<const Tensor*> ptrs;
  for (const auto& t : inputs) ptrs.push_back(&t);
  auto outs = (*interp)->run(ptrs);
  EXPECT_TRUE(outs.is_ok()) << outs.status().message();
  return outs.is_ok() ? std::move(outs).value() : std::vector<Tensor>{};
}

void expect_outputs_match(const std::vector<Tensor>& actual, const std::vector<Tensor>& expected,
                          double tol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    ASSERT_EQ(actual[i].dtype(), expected[i].dtype()) << "output " << i;
    ASSERT_EQ(actual[i].shape(), expected[i].shape()) << "output " << i;
    if (!dtype_is_float(actual[i].dtype())) {
      CompareResult r = compare_allclose(actual[i], expected[i], 0, 0);
      EXPECT_TRUE(r.ok) << "output " << i << ": " << r.message;
      continue;
    }
    auto err = relative_l2_error(actual[i], expected[i]);
    ASSERT_TRUE(err.is_ok()) << err.status().message();
    EXPECT_LE(*err, tol) << "output " << i;
  }
}

std::string run_pass_and_check(const MakeGraph& make, Pass& pass, const CheckOptions& o) {
  std::unique_ptr<Graph> before = make();
  std::unique_ptr<Graph> after = make();
  auto changed = pass.run(*after);
  EXPECT_TRUE(changed.is_ok()) << changed.status().message();
  if (!changed.is_ok()) return "";
  EXPECT_EQ(*changed, o.expect_changed) << pass.name();
  Status s = graph::infer_graph_types(*after);
  EXPECT_TRUE(s.is_ok()) << s.message();
  s = verify_graph(*after);
  EXPECT_TRUE(s.is_ok()) << s.message() << "\n" << after->to_string();
  if (o.expect_idempotent) {
    auto again = pass.run(*after);
    EXPECT_TRUE(again.is_ok() && !*again) << pass.name() << " changed the graph a second time";
  }
  for (uint32_t seed : {1u, 2u}) {
    std::vector<Tensor> inputs = random_inputs(*before, seed);
    expect_outputs_match(interpret(*after, inputs), interpret(*before, inputs), o.max_rel_l2);
  }
  return after->to_string();
}

}  // namespace stitch::passes::testing
