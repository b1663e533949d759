// End-to-end numeric tests of each op template: single-op graphs built with the graph API, random
// inputs, several shapes (broadcasting, odd sizes), compiled and compared with the reference
// interpreter (float32: relative L2 <= 1e-4; integers and bools: exact). Part of
// tests/unit/lower/.
#include <gtest/gtest.h>

#include <functional>

#include "graph_builder.h"
#include "lower_test_util.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace stitch::lower {
namespace {

using testing::Attr;
using testing::GraphBuilder;

struct In {
  DType dtype;
  Shape shape;
  bool constant = false;
  std::vector<int64_t> values = {};  // int64 constant data (shapes, axes, pads); random when empty
};

Tensor make_input(const In& in, uint32_t seed) {
  if (in.values.empty()) return testing::random_tensor(in.dtype, in.shape, seed);
  return Tensor::from_vector<int64_t>(in.values, in.shape);
}

// Builds op(inputs) with attrs, runs it compiled (policy none) and in the interpreter.
void check_op(const std::string& op, const std::vector<In>& ins,
              const std::vector<Attr>& attrs = {}, int num_outputs = 1) {
  SCOPED_TRACE(op);
  GraphBuilder b;
  std::vector<graph::Value*> values;
  std::vector<Tensor> feeds;
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (ins[i].constant) {
      values.push_back(b.constant(name, make_input(ins[i], 100 + i)));
    } else {
      values.push_back(b.input(name, ins[i].dtype, ins[i].shape));
      feeds.push_back(make_input(ins[i], 100 + i));
    }
  }
  graph::Value* out = b.node(op, values, attrs, num_outputs);
  b.output(out);
  auto g = b.finish();
  if (num_outputs > 1) {
    for (int k = 1; k < num_outputs; ++k) g->add_output(g->nodes()[0]->output(k));
  }
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : feeds) ptrs.push_back(&t);
  auto interp = reference::Interpreter::create(*g);
  ASSERT_TRUE(interp.is_ok()) << interp.status().message();
  auto ref = (*interp)->run(ptrs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();
  for (auto policy : {partition::FusionPolicy::kNone}) {
    auto got = testing::compile_and_run(*g, policy, ptrs);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    for (size_t i = 0; i < ref->size(); ++i) {
      const Tensor& r = (*ref)[i];
      if (dtype_is_float(r.dtype())) {
        auto err = relative_l2_error((*got)[i], r);
        ASSERT_TRUE(err.is_ok()) << err.status().message();
        EXPECT_LE(*err, 1e-4) << "output " << i;
      } else {
        CompareResult c = compare_allclose((*got)[i], r, 0, 0);
        EXPECT_TRUE(c.ok) << "output " << i << ": " << c.message;
      }
    }
  }
}

const DType f32 = DType::kFloat32;

TEST(LowerOps, ElementwiseUnary) {
  for (const char* op :
       {"Relu",       "Sigmoid",     "Tanh",      "Exp",      "Neg",  "Abs",      "Erf",
        "Reciprocal", "HardSigmoid", "HardSwish", "Softplus", "Gelu", "Identity", "Sign",
        "Floor",      "Ceil",        "Softsign",  "Elu",      "Selu", "Sin",      "Cos"}) {
    check_op(op, {{f32, {3, 7}}});
  }
  check_op("LeakyRelu", {{f32, {2, 3, 5}}}, {Attr::of("alpha", 0.2f)});
  check_op("Gelu", {{f32, {17}}}, {Attr::of("approximate", std::string("tanh"))});
  check_op("Cast", {{f32, {4, 5}}}, {Attr::of("to", int64_t{7})});  // to int64
}

// Log, Sqrt and Pow need positive bases: they read Exp(x), which also exercises inlining a
// twice-used producer (materialized) and a fused chain under the arbitrary policy.
TEST(LowerOps, ElementwiseOnPositiveValues) {
  GraphBuilder b;
  graph::Value* x = b.input("x", f32, {5, 3});
  graph::Value* y = b.input("y", f32, {3});
  graph::Value* e = b.node("Exp", {x});
  b.output(b.node("Add", {b.node("Sqrt", {e}), b.node("Log", {e})}));
  b.output(b.node("Pow", {e, y}));
  auto g = b.finish();
  Tensor in = testing::random_tensor(f32, {5, 3}, 7), in_y = testing::random_tensor(f32, {3}, 8);
  auto ref = (*reference::Interpreter::create(*g))->run({&in, &in_y});
  ASSERT_TRUE(ref.is_ok());
  for (auto policy : {partition::FusionPolicy::kNone, partition::FusionPolicy::kArbitrary}) {
    auto got = testing::compile_and_run(*g, policy, {&in, &in_y});
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    for (size_t i = 0; i < 2; ++i) EXPECT_LE(*relative_l2_error((*got)[i], (*ref)[i]), 1e-5);
  }
}

TEST(LowerOps, ElementwiseBinaryBroadcast) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 7}, {3, 7}}, {{2, 3, 5}, {5}}, {{4, 1, 3}, {1, 6, 1}}, {{1}, {3, 2}}, {{}, {5}}};
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Min"}) {
    for (const auto& [a, c] : shapes) check_op(op, {{f32, a}, {f32, c}});
  }
  for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}) {
    check_op(op, {{DType::kInt64, {4, 3}}, {DType::kInt64, {3}}});
    check_op(op, {{f32, {2, 5}}, {f32, {2, 1}}});
  }
  for (const char* op : {"And", "Or", "Xor"}) {
    check_op(op, {{DType::kBool, {3, 4}}, {DType::kBool, {4}}});
  }
  check_op("Not", {{DType::kBool, {9}}});
  check_op("Div", {{DType::kInt64, {6}}, {DType::kInt64, {6}, true, {1, -2, 3, 1, -1, 2}}});
  check_op("Max", {{f32, {2, 3}}, {f32, {3}}, {f32, {2, 1}}});
  check_op("Sum", {{f32, {2, 3}}, {f32, {3}}, {f32, {2, 1}}});
  check_op("Where", {{DType::kBool, {2, 3}}, {f32, {3}}, {f32, {2, 1}}});
  check_op("PRelu", {{f32, {2, 3, 4}}, {f32, {3, 1}}});
}

TEST(LowerOps, Clip) {
  Tensor lo = Tensor::scalar<float>(-0.5f), hi = Tensor::scalar<float>(0.7f);
  GraphBuilder b;
  graph::Value* x = b.input("x", f32, {3, 5});
  b.output(b.node("Clip", {x, b.constant("lo", std::move(lo)), b.constant("hi", std::move(hi))}));
  auto g = b.finish();
  Tensor in = testing::random_tensor(f32, {3, 5}, 3);
  auto ref = (*reference::Interpreter::create(*g))->run({&in});
  auto got = testing::compile_and_run(*g, partition::FusionPolicy::kNone, {&in});
  ASSERT_TRUE(got.is_ok()) << got.status().message();
  EXPECT_LE(*relative_l2_error((*got)[0], (*ref)[0]), 1e-6);
}

TEST(LowerOps, DataMovement) {
  const DType i64 = DType::kInt64;
  check_op("Reshape", {{f32, {2, 3, 4}}, {i64, {2}, true, {4, -1}}});
  check_op("Flatten", {{f32, {2, 3, 4}}}, {Attr::of("axis", int64_t{2})});
  check_op("Squeeze", {{f32, {2, 1, 3}}, {i64, {1}, true, {1}}});
  check_op("Unsqueeze", {{f32, {2, 3}}, {i64, {1}, true, {-1}}});
  check_op("Transpose", {{f32, {2, 3, 5}}}, {Attr::of("perm", std::vector<int64_t>{2, 0, 1})});
  check_op("Transpose", {{f32, {4, 7}}});
  check_op("Concat", {{f32, {2, 3}}, {f32, {2, 5}}, {f32, {2, 1}}}, {Attr::of("axis", int64_t{1})});
  check_op("Concat", {{f32, {1, 3}}, {f32, {2, 3}}}, {Attr::of("axis", int64_t{-2})});
  check_op("Slice", {{f32, {5, 7}},
                     {i64, {2}, true, {1, -6}},
                     {i64, {2}, true, {4, 100}},
                     {i64, {2}, true, {0, 1}},
                     {i64, {2}, true, {2, 3}}});
  check_op("Slice", {{f32, {6}},
                     {i64, {1}, true, {-1}},
                     {i64, {1}, true, {-100}},
                     {i64, {1}, true, {0}},
                     {i64, {1}, true, {-2}}});
  check_op("Gather", {{f32, {5, 4}}, {i64, {2, 3}, true, {0, 4, -1, 2, 2, 1}}},
           {Attr::of("axis", int64_t{0})});
  check_op("Gather", {{f32, {3, 4, 2}}, {i64, {3}}}, {Attr::of("axis", int64_t{1})});
  check_op("Expand", {{f32, {3, 1}}, {i64, {3}, true, {2, 3, 4}}});
  check_op("Tile", {{f32, {2, 3}}, {i64, {2}, true, {2, 3}}});
  check_op("Pad", {{f32, {2, 3}}, {i64, {4}, true, {1, 0, 2, 3}}});
  check_op("Pad", {{f32, {3, 4}}, {i64, {4}, true, {1, 2, 1, 2}}},
           {Attr::of("mode", std::string("reflect"))});
  check_op("Pad", {{f32, {3, 4}}, {i64, {4}, true, {2, 1, 0, 3}}},
           {Attr::of("mode", std::string("edge"))});
  check_op("Split", {{f32, {5, 4}}, {i64, {2}, true, {2, 3}}}, {Attr::of("axis", int64_t{0})}, 2);
}

TEST(LowerOps, MatMulAndGemm) {
  check_op("MatMul", {{f32, {3, 5}}, {f32, {5, 7}}});
  check_op("MatMul", {{f32, {2, 3, 5}}, {f32, {5, 4}}});
  check_op("MatMul", {{f32, {2, 1, 3, 5}}, {f32, {3, 5, 2}}});
  check_op("MatMul", {{f32, {5}}, {f32, {2, 5, 3}}});
  check_op("MatMul", {{f32, {2, 3, 5}}, {f32, {5}}});
  check_op("MatMul", {{f32, {5}}, {f32, {5}}});
  check_op("Gemm", {{f32, {3, 5}}, {f32, {5, 4}}, {f32, {4}}});
  check_op("Gemm", {{f32, {5, 3}}, {f32, {4, 5}}, {f32, {3, 1}}},
           {Attr::of("transA", int64_t{1}), Attr::of("transB", int64_t{1}), Attr::of("alpha", 0.5f),
            Attr::of("beta", 2.0f)});
}

TEST(LowerOps, Conv) {
  check_op("Conv", {{f32, {1, 3, 7, 6}}, {f32, {4, 3, 3, 3}}, {f32, {4}}},
           {Attr::of("pads", std::vector<int64_t>{1, 1, 1, 1})});
  check_op("Conv", {{f32, {2, 4, 9, 8}}, {f32, {6, 2, 3, 2}}},
           {Attr::of("group", int64_t{2}), Attr::of("strides", std::vector<int64_t>{2, 1}),
            Attr::of("dilations", std::vector<int64_t>{1, 2}),
            Attr::of("pads", std::vector<int64_t>{0, 1, 2, 1})});
  check_op("Conv", {{f32, {1, 5, 6, 6}}, {f32, {5, 1, 3, 3}}, {f32, {5}}},
           {Attr::of("group", int64_t{5}), Attr::of("auto_pad", std::string("SAME_UPPER"))});
  check_op("Conv", {{f32, {1, 2, 11}}, {f32, {3, 2, 4}}});
}

TEST(LowerOps, Pooling) {
  check_op("MaxPool", {{f32, {1, 3, 7, 7}}},
           {Attr::of("kernel_shape", std::vector<int64_t>{3, 3}),
            Attr::of("strides", std::vector<int64_t>{2, 2}),
            Attr::of("pads", std::vector<int64_t>{1, 1, 1, 1})});
  check_op("AveragePool", {{f32, {2, 2, 6, 5}}},
           {Attr::of("kernel_shape", std::vector<int64_t>{3, 2}),
            Attr::of("pads", std::vector<int64_t>{1, 0, 1, 1})});
  check_op("AveragePool", {{f32, {1, 2, 7, 7}}},
           {Attr::of("kernel_shape", std::vector<int64_t>{3, 3}),
            Attr::of("strides", std::vector<int64_t>{2, 2}),
            Attr::of("pads", std::vector<int64_t>{1, 1, 1, 1}),
            Attr::of("count_include_pad", int64_t{1}), Attr::of("ceil_mode", int64_t{1})});
  // Regression: with ceil_mode and no padding the last window runs past the input and its
  // out-of-range taps must not be read or counted (test_averagepool_2d_ceil).
  for (const char* op : {"AveragePool", "MaxPool"}) {
    check_op(op, {{f32, {1, 1, 4, 4}}},
             {Attr::of("kernel_shape", std::vector<int64_t>{3, 3}),
              Attr::of("strides", std::vector<int64_t>{2, 2}), Attr::of("ceil_mode", int64_t{1})});
  }
  check_op("GlobalAveragePool", {{f32, {2, 3, 5, 4}}});
  check_op("GlobalMaxPool", {{f32, {2, 3, 5, 4}}});
}

TEST(LowerOps, Reductions) {
  const DType i64 = DType::kInt64;
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                         "ReduceL2", "ReduceL1", "ReduceSumSquare"}) {
    check_op(op, {{f32, {3, 4, 5}}, {i64, {2}, true, {0, -1}}});
    check_op(op, {{f32, {3, 4, 5}}, {i64, {1}, true, {1}}}, {Attr::of("keepdims", int64_t{0})});
    check_op(op, {{f32, {2, 7}}});
  }
}

TEST(LowerOps, SoftmaxAndNorms) {
  check_op("Softmax", {{f32, {3, 7}}});
  check_op("Softmax", {{f32, {2, 5, 3}}}, {Attr::of("axis", int64_t{1})});
  check_op("LogSoftmax", {{f32, {4, 9}}});
  check_op("LayerNormalization", {{f32, {2, 3, 8}}, {f32, {8}}, {f32, {8}}});
  check_op("LayerNormalization", {{f32, {2, 3, 4}}, {f32, {3, 4}}},
           {Attr::of("axis", int64_t{1}), Attr::of("epsilon", 1e-3f)});
  // Variance must be positive: use a constant |random| + 0.5 via from_vector.
  GraphBuilder b;
  graph::Value* x = b.input("x", f32, {2, 3, 4, 5});
  auto param = [&](const char* name, float base) {
    return b.constant(name, Tensor::from_vector<float>({base, base + 0.5f, base + 1.0f}, {3}));
  };
  b.output(b.node("BatchNormalization",
                  {x, param("s", 0.5f), param("b", -1.0f), param("m", 0.25f), param("v", 0.5f)}));
  auto g = b.finish();
  Tensor in = testing::random_tensor(f32, {2, 3, 4, 5}, 5);
  auto ref = (*reference::Interpreter::create(*g))->run({&in});
  auto got = testing::compile_and_run(*g, partition::FusionPolicy::kNone, {&in});
  ASSERT_TRUE(got.is_ok()) << got.status().message();
  EXPECT_LE(*relative_l2_error((*got)[0], (*ref)[0]), 1e-5);
}

}  // namespace
}  // namespace stitch::lower
