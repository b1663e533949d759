// Small helpers that build test graphs with the graph API (inputs, constants, one node per
// call) and infer their types. Part of tests/unit/lower/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/op_registry.h"

namespace stitch::lower::testing {

// A copyable attribute description (graph::Attribute is move-only, so it cannot sit in an
// initializer list).
struct Attr {
  std::string name;
  graph::Attribute::Kind kind = graph::Attribute::Kind::kInt;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  static Attr of(std::string n, int64_t v) {
    Attr a = named(std::move(n), graph::Attribute::Kind::kInt);
    a.i = v;
    return a;
  }
  static Attr of(std::string n, float v) {
    Attr a = named(std::move(n), graph::Attribute::Kind::kFloat);
    a.f = v;
    return a;
  }
  static Attr of(std::string n, std::string v) {
    Attr a = named(std::move(n), graph::Attribute::Kind::kString);
    a.s = std::move(v);
    return a;
  }
  static Attr of(std::string n, std::vector<int64_t> v) {
    Attr a = named(std::move(n), graph::Attribute::Kind::kInts);
    a.ints = std::move(v);
    return a;
  }
  static Attr named(std::string n, graph::Attribute::Kind k) {
    Attr a;
    a.name = std::move(n);
    a.kind = k;
    return a;
  }
  graph::Attribute make() const {
    switch (kind) {
      case graph::Attribute::Kind::kFloat:
        return graph::Attribute::of_float(f);
      case graph::Attribute::Kind::kString:
        return graph::Attribute::of_string(s);
      case graph::Attribute::Kind::kInts:
        return graph::Attribute::of_ints(ints);
      default:
        return graph::Attribute::of_int(i);
    }
  }
};

class GraphBuilder {
 public:
  GraphBuilder() : g_(std::make_unique<graph::Graph>()) {}
  graph::Value* input(const std::string& name, DType dtype, const Shape& shape) {
    graph::Value* v = g_->add_value(name, graph::make_type(dtype, shape));
    g_->add_input(v);
    return v;
  }
  graph::Value* constant(const std::string& name, Tensor t) {
    return g_->add_constant(name, std::move(t));
  }
  // Adds a node with `num_outputs` fresh outputs; returns the first.
  graph::Value* node(const std::string& op, const std::vector<graph::Value*>& inputs,
                     const std::vector<Attr>& attrs = {}, int num_outputs = 1) {
    std::vector<graph::Value*> outs;
    for (int i = 0; i < num_outputs; ++i) {
      outs.push_back(g_->add_value(g_->unique_name(op + "_out")));
    }
    graph::Node* n = g_->add_node(op, g_->unique_name(op), inputs, outs, "", 17);
    for (const Attr& a : attrs) n->set_attr(a.name, a.make());
    return outs[0];
  }
  void output(graph::Value* v) { g_->add_output(v); }
  // Infers types; returns the graph.
  std::unique_ptr<graph::Graph> finish() {
    Status s = graph::infer_graph_types(*g_);
    STITCH_CHECK(s.is_ok(), s.message());
    return std::move(g_);
  }

 private:
  std::unique_ptr<graph::Graph> g_;
};

}  // namespace stitch::lower::testing
