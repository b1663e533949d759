// Helpers of the golden pass tests: a terse graph builder, and a runner that applies a pass to
// a graph, returns the dump after it, and checks the reference interpreter gives the same
// outputs before and after on random inputs. Part of tests/golden/.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "passes/pass.h"

namespace stitch::passes::testing {

class Builder {
 public:
  explicit Builder(const std::string& name);
  graph::Value* input(const std::string& name, Shape shape, DType dtype = DType::kFloat32);
  graph::Value* constant(const std::string& name, Tensor data);
  // Uniform in [lo, hi), reproducible from the name.
  graph::Value* random(const std::string& name, Shape shape, float lo = -1.0f, float hi = 1.0f);
  // A node with one output per name ("" = omitted output).
  graph::Node* node(const std::string& op, const std::vector<graph::Value*>& inputs,
                    const std::vector<std::string>& outputs);
  // A single-output node; returns its output.
  graph::Value* op(const std::string& op, const std::vector<graph::Value*>& inputs,
                   const std::string& output);
  void output(graph::Value* v) { g_->add_output(v); }
  graph::Graph& graph() { return *g_; }
  // Infers types (the test fails when inference does) and hands the graph over.
  std::unique_ptr<graph::Graph> finish();

 private:
  std::unique_ptr<graph::Graph> g_;
};

using MakeGraph = std::function<std::unique_ptr<graph::Graph>()>;

struct CheckOptions {
  bool expect_changed = true;
  // A second run of the pass must change nothing (each pass iterates internally).
  bool expect_idempotent = true;
  double max_rel_l2 = 1e-5;
};

// Builds a graph with `make` twice, runs `pass` on one copy (then shape inference, then the
// graph verifier), compares both copies' outputs on random inputs, and returns the dump after.
std::string run_pass_and_check(const MakeGraph& make, Pass& pass, const CheckOptions& o = {});

// Random inputs for a graph's inputs: floats in [-1, 1), integers in [0, 8), bools.
std::vector<Tensor> random_inputs(const graph::Graph& g, uint32_t seed);

// Runs the reference interpreter; fails the test on error.
std::vector<Tensor> interpret(const graph::Graph& g, const std::vector<Tensor>& inputs);

// Expects equal shapes and dtypes, and relative L2 error <= tol for each output.
void expect_outputs_match(const std::vector<Tensor>& actual, const std::vector<Tensor>& expected,
                          double tol);

}  // namespace stitch::passes::testing
