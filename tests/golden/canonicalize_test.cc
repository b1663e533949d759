// Golden tests of canonicalization: Gemm → MatMul + Add with constants folded, no-op removal
// (keeping graph-output names), and reshape chains. Part of tests/golden/.
#include "passes/canonicalize.h"

#include <gtest/gtest.h>

#include "golden_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using testing::Builder;
using testing::run_pass_and_check;

TEST(Canonicalize, GemmWithConstantWeightsBecomesMatMulAdd) {
  auto make = [] {
    Builder b("gemm");
    auto* a = b.input("a", {2, 4});
    graph::Node* g = b.node("Gemm", {a, b.random("w", {3, 4}), b.random("c", {3})}, {"y"});
    g->set_attr("transB", Attribute::of_int(1));
    g->set_attr("alpha", Attribute::of_float(0.5f));
    g->set_attr("beta", Attribute::of_float(2.0f));
    b.output(g->output(0));
    return b.finish();
  };
  auto pass = make_canonicalize_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph gemm (%a: float32[2, 4]) {\n"
            "  %n_y_mm: float32[2, 3] = MatMul(%a, %w)\n"
            "  %y: float32[2, 3] = Add(%n_y_mm, %c)\n"
            "  return %y\n"
            "}\n");
}

TEST(Canonicalize, GemmOnActivationsGetsTransposesAndScales) {
  auto make = [] {
    Builder b("gemm_dyn");
    auto* a = b.input("a", {4, 2});
    auto* w = b.input("w", {3, 4});
    auto* c = b.input("c", {2, 1});
    graph::Node* g = b.node("Gemm", {a, w, c}, {"y"});
    g->set_attr("transA", Attribute::of_int(1));
    g->set_attr("transB", Attribute::of_int(1));
    g->set_attr("alpha", Attribute::of_float(0.5f));
    g->set_attr("beta", Attribute::of_float(3.0f));
    b.output(g->output(0));
    return b.finish();
  };
  auto pass = make_canonicalize_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph gemm_dyn (%a: float32[4, 2], %w: float32[3, 4], %c: float32[2, 1]) {\n"
            "  %n_y_a_t: float32[2, 4] = Transpose(%a) {perm=[1, 0]}\n"
            "  %n_y_b_t: float32[4, 3] = Transpose(%w) {perm=[1, 0]}\n"
            "  %n_y_mm: float32[2, 3] = MatMul(%n_y_a_t, %n_y_b_t)\n"
            "  %n_y_alpha_mul: float32[2, 3] = Mul(%n_y_mm, %n_y_alpha)\n"
            "  %n_y_beta_mul: float32[2, 1] = Mul(%c, %n_y_beta)\n"
            "  %y: float32[2, 3] = Add(%n_y_alpha_mul, %n_y_beta_mul)\n"
            "  return %y\n"
            "}\n");
}

TEST(Canonicalize, RemovesNoOps) {
  auto make = [] {
    Builder b("noops");
    auto* x = b.input("x", {2, 3});
    auto* id = b.op("Identity", {x}, "id");
    auto* drop = b.op("Dropout", {id}, "drop");
    graph::Node* cast = b.node("Cast", {drop}, {"cast"});
    cast->set_attr("to", Attribute::of_int(static_cast<int64_t>(DType::kFloat32)));
    graph::Node* t = b.node("Transpose", {cast->output(0)}, {"t"});
    t->set_attr("perm", Attribute::of_ints({0, 1}));
    auto* r =
        b.op("Reshape",
             {t->output(0), b.constant("same", Tensor::from_vector<int64_t>({2, 3}, {2}))}, "r");
    auto* relu = b.op("Relu", {r}, "relu");
    // A graph output behind an Identity: Relu writes it directly.
    b.output(b.op("Identity", {relu}, "y"));
    return b.finish();
  };
  auto pass = make_canonicalize_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph noops (%x: float32[2, 3]) {\n"
            "  %y: float32[2, 3] = Relu(%x)\n"
            "  return %y\n"
            "}\n");
}

TEST(Canonicalize, KeepsIdentitiesThatNameGraphOutputs) {
  auto make = [] {
    Builder b("named");
    auto* x = b.input("x", {3});
    b.output(b.op("Identity", {x}, "same_as_input"));
    auto* r = b.op("Relu", {x}, "r");
    b.output(r);
    b.output(b.op("Identity", {r}, "copy_of_output"));
    return b.finish();
  };
  auto pass = make_canonicalize_pass();
  testing::CheckOptions check;
  check.expect_changed = false;
  EXPECT_EQ(run_pass_and_check(make, *pass, check),
            "graph named (%x: float32[3]) {\n"
            "  %same_as_input: float32[3] = Identity(%x)\n"
            "  %r: float32[3] = Relu(%x)\n"
            "  %copy_of_output: float32[3] = Identity(%r)\n"
            "  return %same_as_input, %r, %copy_of_output\n"
            "}\n");
}

TEST(Canonicalize, CollapsesReshapeChains) {
  auto make = [] {
    Builder b("chain");
    auto* x = b.input("x", {2, 3, 4});
    graph::Node* f = b.node("Flatten", {x}, {"flat"});
    f->set_attr("axis", Attribute::of_int(1));
    auto* shape = b.constant("shape", Tensor::from_vector<int64_t>({4, -1}, {2}));
    b.output(b.op("Reshape", {f->output(0), shape}, "y"));
    return b.finish();
  };
  auto pass = make_canonicalize_pass();
  EXPECT_EQ(run_pass_and_check(make, *pass),
            "graph chain (%x: float32[2, 3, 4]) {\n"
            "  %flat: float32[2, 12] = Flatten(%x) {axis=1}\n"
            "  %y: float32[4, 6] = Reshape(%x, %n_y_shape)\n"
            "  return %y\n"
            "}\n");
}

}  // namespace
}  // namespace stitch::passes
