// A Concat assembled in place (partition/in_place_concat.h) through the compiler: a SqueezeNet
// Fire module (squeeze conv, 1x1 and 3x3 expand convs, Concat, then a 1x1 conv) compiles to a
// plan in which the expand kernels' outputs lie inside the Concat's output and no step copies
// them, and its outputs match the reference interpreter (relative L2 <= 1e-5: the convs sum in
// another order) at one and two threads, also through an artifact. Part of tests/unit/driver/.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "driver/artifact_engine.h"
#include "driver/compiled_model.h"
#include "graph/op_registry.h"
#include "reference/interpreter.h"
#include "temp_dir.h"

namespace stitch::driver {
namespace {

using graph::Graph;
using graph::Value;
using testing::TempDir;

constexpr int64_t kChannels = 16, kSide = 16, kSqueeze = 8, kExpand = 32;

Tensor random_tensor(Shape shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (float& f : v) f = dist(rng);
  return Tensor::from_vector<float>(v, std::move(shape));
}

// x [1, 16, 16, 16] -> squeeze 1x1 (8) + Relu -> {1x1 (32) + Relu, 3x3 pad 1 (32) + Relu}
// -> Concat (64 channels, 64 KiB) -> 1x1 conv (16) -> y.
std::unique_ptr<Graph> fire_graph() {
  auto g = std::make_unique<Graph>();
  uint32_t seed = 1;
  auto conv_relu = [&](Value* x, int64_t cin, int64_t cout, int64_t k, const std::string& name,
                       bool relu) {
    Value* w = g->add_constant(name + ".w", random_tensor({cout, cin, k, k}, seed++));
    Value* b = g->add_constant(name + ".b", random_tensor({cout}, seed++));
    Value* y = g->add_value(name);
    graph::Node* n = g->add_node("Conv", name + "_conv", {x, w, b}, {y});
    const int64_t pad = k / 2;
    n->set_attr("pads", graph::Attribute::of_ints({pad, pad, pad, pad}));
    if (!relu) return y;
    Value* r = g->add_value(name + "_relu");
    g->add_node("Relu", name + "_relu_node", {y}, {r});
    return r;
  };
  Value* x = g->add_value("x", {DType::kFloat32, {1, kChannels, kSide, kSide}, true});
  g->add_input(x);
  Value* s = conv_relu(x, kChannels, kSqueeze, 1, "squeeze", true);
  Value* e1 = conv_relu(s, kSqueeze, kExpand, 1, "expand1x1", true);
  Value* e3 = conv_relu(s, kSqueeze, kExpand, 3, "expand3x3", true);
  Value* cat = g->add_value("cat");
  g->add_node("Concat", "concat", {e1, e3}, {cat})->set_attr("axis", graph::Attribute::of_int(1));
  g->add_output(conv_relu(cat, 2 * kExpand, kChannels, 1, "next", false));
  EXPECT_TRUE(graph::infer_graph_types(*g).is_ok());
  return g;
}

double rel_l2(const Tensor& got, const Tensor& want) {
  double num = 0, den = 0;
  const float* a = got.data<float>();
  const float* b = want.data<float>();
  for (int64_t i = 0; i < want.numel(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

Tensor reference_output(const Tensor& x) {
  auto g = fire_graph();
  auto interp = reference::Interpreter::create(*g);
  EXPECT_TRUE(interp.is_ok());
  auto out = (*interp)->run({&x});
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return std::move(out->at(0));
}

// Intermediates whose bytes lie inside another intermediate's: the in-place slices.
int nested_buffers(const runtime::ExecutionPlan& plan) {
  int nested = 0;
  for (const runtime::PlanBuffer& a : plan.buffers) {
    if (a.role != runtime::BufferRole::kIntermediate) continue;
    for (const runtime::PlanBuffer& b : plan.buffers) {
      if (&a == &b || b.role != runtime::BufferRole::kIntermediate || b.nbytes() <= a.nbytes()) {
        continue;
      }
      if (a.arena_offset >= b.arena_offset &&
          a.arena_offset + a.nbytes() <= b.arena_offset + b.nbytes()) {
        ++nested;
        break;
      }
    }
  }
  return nested;
}

TEST(InPlaceConcat, FireModuleWritesTheConcatInPlaceAndMatchesTheReference) {
  const Tensor x = random_tensor({1, kChannels, kSide, kSide}, 99);
  const Tensor want = reference_output(x);
  for (int threads : {1, 2}) {
    auto g = fire_graph();
    CompiledModelOptions options;
    options.threads = threads;
    auto model = CompiledModel::compile(*g, {&x}, options);
    ASSERT_TRUE(model.is_ok()) << model.status().message();
    // The two expand outputs sit inside the Concat's output (no other buffer nests here).
    EXPECT_EQ(nested_buffers((*model)->plan()), 2);
    auto out = (*model)->run({&x});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    EXPECT_LE(rel_l2(out->at(0), want), 1e-5) << threads << " thread(s)";

    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    Status s = write_compiled_artifact(**model, options.toolchain.target, dir.path());
    ASSERT_TRUE(s.is_ok()) << s.message();
    auto engine = ArtifactEngine::load(dir.path(), threads);
    ASSERT_TRUE(engine.is_ok()) << engine.status().message();
    auto again = (*engine)->run({&x});
    ASSERT_TRUE(again.is_ok()) << again.status().message();
    EXPECT_LE(rel_l2(again->at(0), want), 1e-5) << "artifact, " << threads << " thread(s)";
  }
}

}  // namespace
}  // namespace stitch::driver
