// Which Concats are assembled in place (partition/in_place_concat.h): the slice offsets of one
// that qualifies, each rule that disqualifies one, and the partition that keeps a qualifying
// Concat out of every kernel. Part of tests/unit/partition/.
#include "partition/in_place_concat.h"

#include <gtest/gtest.h>

#include "graph/op_registry.h"
#include "partition/graph_partition.h"

namespace stitch::partition {
namespace {

using graph::Graph;
using graph::Node;
using graph::Value;

// A graph under construction: graph inputs, MatMuls against constant weights (the anchors),
// Relus and Concats. Types are inferred by finish().
class Builder {
 public:
  Builder() : g_(std::make_unique<Graph>()) {}

  Value* input(const std::string& name, Shape shape) {
    Value* v = g_->add_value(name, {DType::kFloat32, std::move(shape), true});
    g_->add_input(v);
    return v;
  }
  // x [rows, k] x a constant [k, cols].
  Value* matmul(Value* x, int64_t k, int64_t cols) {
    std::vector<float> w(static_cast<size_t>(k * cols), 0.5f);
    Value* wv = g_->add_constant(fresh("w"), Tensor::from_vector<float>(w, {k, cols}));
    Value* y = g_->add_value(fresh("mm"));
    g_->add_node("MatMul", fresh("matmul"), {x, wv}, {y});
    return y;
  }
  Value* relu(Value* x) {
    Value* y = g_->add_value(fresh("relu"));
    g_->add_node("Relu", fresh("relu_node"), {x}, {y});
    return y;
  }
  Node* concat(std::vector<Value*> xs, int64_t axis, Value** out) {
    *out = g_->add_value(fresh("cat"));
    Node* n = g_->add_node("Concat", fresh("concat"), std::move(xs), {*out});
    n->set_attr("axis", graph::Attribute::of_int(axis));
    return n;
  }
  void output(Value* v) { g_->add_output(v); }
  std::unique_ptr<Graph> finish() {
    Status s = graph::infer_graph_types(*g_);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return std::move(g_);
  }

 private:
  std::string fresh(const std::string& stem) { return stem + std::to_string(next_++); }
  std::unique_ptr<Graph> g_;
  int next_ = 0;
};

constexpr int64_t kSlice = 128 * 128 * 4;  // bytes of one [128, 128] float matrix

// Two MatMuls (one through a Relu) of x [128, 64] stacked along rows, then read by a MatMul:
// the shape of a Fire module's two expand convs and the squeeze conv after them.
TEST(InPlaceConcat, StackedAnchorOutputsQualify) {
  Builder b;
  Value* x = b.input("x", {128, 64});
  Value *c = nullptr, *y = nullptr;
  Node* n = b.concat({b.matmul(x, 64, 128), b.relu(b.matmul(x, 64, 128))}, 0, &c);
  y = b.matmul(c, 128, 16);
  b.output(y);
  auto g = b.finish();
  auto offsets = in_place_concat_offsets(*n);
  ASSERT_TRUE(offsets.has_value());
  EXPECT_EQ(*offsets, (std::vector<int64_t>{0, kSlice}));

  // The partitioner keeps it alone, so that no kernel copies it, and says so.
  auto p = partition_graph(*g, PartitionOptions{});
  ASSERT_TRUE(p.is_ok()) << p.status().message();
  int alone = 0;
  for (const GraphSubgraph& sg : p->subgraphs) {
    for (const Node* node : sg.nodes) {
      if (node == n) {
        EXPECT_EQ(sg.nodes.size(), 1u);
        ++alone;
      }
    }
  }
  EXPECT_EQ(alone, 1);
  EXPECT_NE(partition_to_string(*g, *p).find("(assembled in place"), std::string::npos);
}

TEST(InPlaceConcat, NegativeAxisAndThreeInputs) {
  Builder b;
  Value* x = b.input("x", {128, 64});
  Value* c = nullptr;
  // Axis -2 of rank 2 is axis 0.
  Node* n = b.concat({b.matmul(x, 64, 128), b.matmul(x, 64, 128), b.matmul(x, 64, 128)}, -2, &c);
  b.output(b.matmul(c, 128, 16));
  auto g = b.finish();
  auto offsets = in_place_concat_offsets(*n);
  ASSERT_TRUE(offsets.has_value());
  EXPECT_EQ(*offsets, (std::vector<int64_t>{0, kSlice, 2 * kSlice}));
}

TEST(InPlaceConcat, SlicesThatAreNotContiguousDoNotQualify) {
  Builder b;
  Value* x = b.input("x", {128, 64});
  Value* c = nullptr;
  // Along columns each input is 128 strided pieces of the output.
  Node* n = b.concat({b.matmul(x, 64, 128), b.matmul(x, 64, 128)}, 1, &c);
  b.output(b.matmul(c, 256, 16));
  auto g = b.finish();
  EXPECT_FALSE(in_place_concat_offsets(*n).has_value());
}

TEST(InPlaceConcat, GraphInputsAndValuesWithoutAnAnchorDoNotQualify) {
  Builder b;
  Value* x = b.input("x", {128, 128});
  Value *c1 = nullptr, *c2 = nullptr;
  Node* with_input = b.concat({b.matmul(x, 128, 128), x}, 0, &c1);
  // Relu(x) is cheap to recompute: fusion keeps it, the Concat and its reader in one kernel.
  Node* with_relu_of_input = b.concat({b.matmul(x, 128, 128), b.relu(x)}, 0, &c2);
  b.output(b.matmul(c1, 128, 16));
  b.output(b.matmul(c2, 128, 16));
  auto g = b.finish();
  EXPECT_FALSE(in_place_concat_offsets(*with_input).has_value());
  EXPECT_FALSE(in_place_concat_offsets(*with_relu_of_input).has_value());
}

TEST(InPlaceConcat, GraphOutputsDoNotQualify) {
  Builder b;
  Value* x = b.input("x", {128, 64});
  Value* a = b.matmul(x, 64, 128);
  Value *c1 = nullptr, *c2 = nullptr;
  Node* output_concat = b.concat({b.matmul(x, 64, 128), b.matmul(x, 64, 128)}, 0, &c1);
  Node* output_slice = b.concat({a, b.matmul(x, 64, 128)}, 0, &c2);
  b.output(c1);  // allocated per run, outside the arena
  b.output(a);
  b.output(b.matmul(c2, 128, 16));
  auto g = b.finish();
  EXPECT_FALSE(in_place_concat_offsets(*output_concat).has_value());
  EXPECT_FALSE(in_place_concat_offsets(*output_slice).has_value());
}

TEST(InPlaceConcat, SmallConcatsAreLeftToFusion) {
  Builder b;
  Value* x = b.input("x", {8, 64});
  Value* c = nullptr;
  Node* n = b.concat({b.matmul(x, 64, 128), b.matmul(x, 64, 128)}, 0, &c);  // 8 KiB
  b.output(b.matmul(c, 128, 16));
  auto g = b.finish();
  ASSERT_LT(16 * 128 * 4, kMinInPlaceConcatBytes);
  EXPECT_FALSE(in_place_concat_offsets(*n).has_value());
}

TEST(InPlaceConcat, AValueHasOnePlace) {
  Builder b;
  Value* x = b.input("x", {128, 64});
  Value* a = b.matmul(x, 64, 128);
  Value* shared = b.matmul(x, 64, 128);
  Value *c1 = nullptr, *c2 = nullptr, *c3 = nullptr;
  Node* twice = b.concat({a, a}, 0, &c1);
  Node* first = b.concat({shared, b.matmul(x, 64, 128)}, 0, &c2);
  Node* second = b.concat({b.matmul(x, 64, 128), shared}, 0, &c3);
  for (Value* c : {c1, c2, c3}) b.output(b.matmul(c, 128, 16));
  auto g = b.finish();
  EXPECT_FALSE(in_place_concat_offsets(*twice).has_value());
  EXPECT_FALSE(in_place_concat_offsets(*first).has_value());
  EXPECT_FALSE(in_place_concat_offsets(*second).has_value());
}

TEST(InPlaceConcat, NestedConcatsAndMisalignedSlicesDoNotQualify) {
  Builder b;
  Value* x = b.input("x", {128, 64});
  Value* one_row = b.input("one_row", {1, 64});
  Value *inner = nullptr, *outer = nullptr, *skewed = nullptr;
  Node* inner_n = b.concat({b.matmul(x, 64, 128), b.matmul(x, 64, 128)}, 0, &inner);
  Node* outer_n = b.concat({inner, b.matmul(x, 64, 128)}, 0, &outer);
  // A first slice of 1 x 3 floats (12 bytes) puts the second one off the arena's alignment.
  Value* big = b.input("big", {8000, 64});
  Node* skewed_n = b.concat({b.matmul(one_row, 64, 3), b.matmul(big, 64, 3)}, 0, &skewed);
  b.output(b.matmul(outer, 128, 16));
  b.output(b.matmul(skewed, 3, 16));
  auto g = b.finish();
  // The inner one qualifies on its own; the outer one reads a Concat's output.
  EXPECT_TRUE(in_place_concat_offsets(*inner_n).has_value());
  EXPECT_FALSE(in_place_concat_offsets(*outer_n).has_value());
  ASSERT_GE(8001 * 3 * 4, kMinInPlaceConcatBytes);
  EXPECT_FALSE(in_place_concat_offsets(*skewed_n).has_value());
}

}  // namespace
}  // namespace stitch::partition
