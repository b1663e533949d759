// End-to-end tests of every element type in compiled code and of the quantization templates:
// small graphs with hand-picked edge values (rounding ties, saturation, NaN, wrap-around),
// compiled and compared with the reference interpreter exactly (floats bit for bit, NaN equal
// to NaN). Part of tests/unit/lower/.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <utility>

#include "graph_builder.h"
#include "lower_test_util.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace stitch::lower {
namespace {

using testing::Attr;
using testing::GraphBuilder;

constexpr DType kAllNumeric[] = {
    DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16, DType::kInt8,
    DType::kUInt8,   DType::kInt16,   DType::kUInt16,  DType::kInt32,    DType::kUInt32,
    DType::kInt64,   DType::kUInt64,  DType::kBool};

// Values of a float source: ties of every narrower type, values past every integer range,
// subnormals, NaN and infinities.
const std::vector<double> kFloatValues = {0.0,
                                          -0.0,
                                          0.4,
                                          -0.6,
                                          1.5,
                                          -2.5,
                                          127.5,
                                          128.0,
                                          -129.0,
                                          255.9,
                                          256.0,
                                          -1.0,
                                          32767.5,
                                          65535.0,
                                          65536.0,
                                          65504.0,
                                          65520.0,
                                          2049.0,
                                          1.0 + 0x1p-11 + 0x1p-40,
                                          1.0 + 0x1p-8 + 0x1p-30,
                                          1.0 / 3.0,
                                          3e-8,
                                          1e-40,
                                          2147483647.0,
                                          2147483648.0,
                                          -2147483649.0,
                                          4294967296.0,
                                          1e19,
                                          -1e19,
                                          3e38,
                                          1e300,
                                          std::numeric_limits<double>::quiet_NaN(),
                                          std::numeric_limits<double>::infinity(),
                                          -std::numeric_limits<double>::infinity()};

// Values of an integer source (wrapped into the type): every type's limits and their
// neighbours, and integers that float16/float32 round to even.
const std::vector<int64_t> kIntValues = {0,
                                         1,
                                         -1,
                                         127,
                                         128,
                                         -128,
                                         -129,
                                         255,
                                         256,
                                         2049,
                                         32767,
                                         32768,
                                         -32769,
                                         65535,
                                         65536,
                                         16777217,
                                         2147483647,
                                         -2147483648,
                                         4294967295,
                                         9007199254740993,
                                         std::numeric_limits<int64_t>::max(),
                                         std::numeric_limits<int64_t>::min()};

Tensor tensor_of(DType dtype, const std::vector<double>& floats, const std::vector<int64_t>& ints,
                 const Shape& shape) {
  Tensor t(dtype, shape);
  Status s = visit_numeric(dtype, [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_integral_v<T>) {
        t.data<T>()[i] = static_cast<T>(ints[i % ints.size()]);
      } else {
        t.data<T>()[i] = static_cast<T>(static_cast<ComputeType<T>>(floats[i % floats.size()]));
      }
    }
    return Status::ok();
  });
  STITCH_CHECK(s.is_ok(), s.message());
  return t;
}

Tensor values_of(DType dtype, const Shape& shape) {
  return tensor_of(dtype, kFloatValues, kIntValues, shape);
}

// Tensors are move-only, so an initializer list of them cannot be copied into a vector.
template <typename... T>
std::vector<Tensor> feeds(T&&... tensors) {
  std::vector<Tensor> v;
  (v.push_back(std::forward<T>(tensors)), ...);
  return v;
}

TEST(LowerDTypes, CastBetweenEveryPair) {
  for (DType from : kAllNumeric) {
    SCOPED_TRACE(std::string("from ") + dtype_name(from));
    const Shape shape{static_cast<int64_t>(kFloatValues.size() + kIntValues.size())};
    GraphBuilder b;
    graph::Value* x = b.input("x", from, shape);
    for (DType to : kAllNumeric) {
      b.output(b.node("Cast", {x}, {Attr::of("to", static_cast<int64_t>(to))}));
    }
    testing::expect_compiled_matches_reference(*b.finish(), feeds(values_of(from, shape)),
                                               /*exact=*/true);
  }
}

// Integer arithmetic wraps at the type's width (uint16 * uint16 overflows a C++ int).
TEST(LowerDTypes, NarrowIntegerArithmeticWraps) {
  for (DType t : {DType::kInt8, DType::kUInt8, DType::kInt16, DType::kUInt16, DType::kUInt32,
                  DType::kUInt64}) {
    SCOPED_TRACE(dtype_name(t));
    const Shape shape{22};
    GraphBuilder b;
    graph::Value* x = b.input("x", t, shape);
    graph::Value* y = b.input("y", t, shape);
    graph::Value* prod = b.node("Mul", {x, y});
    graph::Value* sum = b.node("Add", {prod, x});
    b.output(b.node("Sub", {sum, b.node("Max", {x, y})}));
    b.output(b.node("Min", {x, y}));
    Tensor xv = values_of(t, shape);
    std::vector<int64_t> rotated(kIntValues.rbegin(), kIntValues.rend());
    testing::expect_compiled_matches_reference(
        *b.finish(), feeds(std::move(xv), tensor_of(t, {}, rotated, shape)), /*exact=*/true);
  }
}

// ReduceMin starts from the dtype's highest value and ReduceMax from its lowest, for every
// dtype (unsigned types and int8 included: their extremes are not +-infinity or 0).
TEST(LowerDTypes, MinAndMaxReductionsOfEveryIntegerType) {
  for (DType t : {DType::kInt8, DType::kUInt8, DType::kInt16, DType::kUInt16, DType::kInt32,
                  DType::kUInt32, DType::kInt64, DType::kUInt64}) {
    SCOPED_TRACE(dtype_name(t));
    const Shape shape{2, 11};
    GraphBuilder b;
    graph::Value* x = b.input("x", t, shape);
    b.output(b.node("ReduceMin", {x}));
    b.output(b.node("ReduceMax", {x}));
    testing::expect_compiled_matches_reference(*b.finish(), feeds(values_of(t, shape)),
                                               /*exact=*/true);
  }
}

// Fused 16-bit float chains round after every op, as the interpreter stores every output.
TEST(LowerDTypes, HalfChainsRoundPerOp) {
  for (DType t : {DType::kFloat16, DType::kBFloat16}) {
    SCOPED_TRACE(dtype_name(t));
    const Shape shape{2, 17};
    GraphBuilder b;
    graph::Value* x = b.input("x", t, shape);
    graph::Value* y = b.input("y", t, Shape{17});
    graph::Value* z = b.node("Div", {b.node("Mul", {b.node("Add", {x, y}), x}), y});
    b.output(b.node("Sub", {b.node("Relu", {z}), b.node("Min", {x, y})}));
    Tensor xv(t, shape), yv(t, {17});
    Status s = visit_float(t, [&](auto tag) {
      using T = decltype(tag);
      for (int64_t i = 0; i < xv.numel(); ++i)
        xv.data<T>()[i] = T(0.37f * (i - 11) + 0.011f * i * i);
      for (int64_t i = 0; i < yv.numel(); ++i) yv.data<T>()[i] = T(1.0f / (i + 0.7f));
      return Status::ok();
    });
    ASSERT_TRUE(s.is_ok());
    testing::expect_compiled_matches_reference(*b.finish(), feeds(std::move(xv), std::move(yv)),
                                               /*exact=*/true);
  }
}

TEST(LowerDTypes, StringsAreUnsupported) {
  GraphBuilder b;
  graph::Value* x = b.input("x", DType::kString, Shape{2});
  b.output(b.node("Identity", {x}));
  auto g = b.finish();
  Tensor xv(DType::kString, {2});
  auto got = testing::compile_and_run(*g, partition::FusionPolicy::kNone, {&xv});
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.status().message().find("unsupported: string value"), std::string::npos)
      << got.status().message();
}

// ---- Quantization ----

Tensor floats(DType t, const std::vector<double>& v, const Shape& shape) {
  return tensor_of(t, v, {}, shape);
}
Tensor ints(DType t, const std::vector<int64_t>& v, const Shape& shape) {
  return tensor_of(t, {}, v, shape);
}

TEST(LowerQuantize, QuantizeLinearTiesSaturationAndAxis) {
  // x / 0.5 lands on ties (x.25 -> x.5); large and NaN values saturate or become 0.
  const std::vector<double> xs = {0.25,
                                  0.75,
                                  -0.25,
                                  -0.75,
                                  1.25,
                                  63.9,
                                  64.1,
                                  300,
                                  -300,
                                  1e30,
                                  std::numeric_limits<double>::quiet_NaN(),
                                  -1.25};
  for (DType out : {DType::kUInt8, DType::kInt8}) {
    for (bool per_axis : {false, true}) {
      SCOPED_TRACE(std::string(dtype_name(out)) + (per_axis ? " per axis" : " per tensor"));
      const Shape pshape = per_axis ? Shape{3} : Shape{};
      GraphBuilder b;
      graph::Value* x = b.input("x", DType::kFloat32, Shape{4, 3});
      graph::Value* scale = b.constant("scale", floats(DType::kFloat32, {0.5, 0.25, 2.0}, pshape));
      graph::Value* zp = b.constant("zp", ints(out, {3, -2, 0}, pshape));
      b.output(b.node("QuantizeLinear", {x, scale, zp}, {Attr::of("axis", int64_t{-1})}));
      testing::expect_compiled_matches_reference(
          *b.finish(), feeds(floats(DType::kFloat32, xs, {4, 3})), /*exact=*/true);
    }
  }
}

TEST(LowerQuantize, DequantizeLinearPerAxisAndHalfScale) {
  for (DType scale_t : {DType::kFloat32, DType::kFloat16}) {
    SCOPED_TRACE(dtype_name(scale_t));
    GraphBuilder b;
    graph::Value* x = b.input("x", DType::kInt8, Shape{2, 3, 2});
    graph::Value* scale = b.constant("scale", floats(scale_t, {0.1, 3.0, 0.007}, Shape{3}));
    graph::Value* zp = b.constant("zp", ints(DType::kInt8, {-128, 0, 127}, Shape{3}));
    graph::Value* y = b.node("DequantizeLinear", {x, scale, zp}, {Attr::of("axis", int64_t{1})});
    b.output(b.node("Mul", {y, y}));  // fused as an epilogue or inlined: rounds like a store
    testing::expect_compiled_matches_reference(
        *b.finish(), feeds(ints(DType::kInt8, kIntValues, {2, 3, 2})), /*exact=*/true);
  }
}

TEST(LowerQuantize, DynamicQuantizeLinear) {
  const std::vector<std::vector<double>> cases = {
      {-1.0, 0.5, 2.0, 3.1, -0.2, 0.0},  // range across zero
      {1.0, 2.5, 7.0, 0.3, 4.4, 5.5},    // all positive: min is 0
      {-6.0, -1.0, -0.5, -2.2, -3.3, -4.4},
      {0, 0, 0, 0, 0, 0}};  // scale 0
  for (const auto& xs : cases) {
    GraphBuilder b;
    graph::Value* x = b.input("x", DType::kFloat32, Shape{2, 3});
    b.node("DynamicQuantizeLinear", {x}, {}, 3);
    auto g = b.finish();
    for (graph::Value* v : g->nodes()[0]->outputs()) g->add_output(v);
    testing::expect_compiled_matches_reference(*g, feeds(floats(DType::kFloat32, xs, {2, 3})),
                                               /*exact=*/true);
  }
}

TEST(LowerQuantize, MatMulIntegerZeroPoints) {
  for (bool per_row : {false, true}) {
    // Per row of the batched A ([2, 3, 1]) and per column of B.
    SCOPED_TRACE(per_row ? "per row/column" : "per tensor");
    GraphBuilder b;
    graph::Value* a = b.input("a", DType::kUInt8, Shape{2, 3, 4});
    graph::Value* w = b.input("w", DType::kInt8, Shape{4, 5});
    graph::Value* a_zp = b.constant(
        "a_zp", ints(DType::kUInt8, {12, 200, 7, 0, 255, 1}, per_row ? Shape{2, 3, 1} : Shape{}));
    graph::Value* w_zp =
        b.constant("w_zp", ints(DType::kInt8, {-3, 5, 0, 127, -128}, per_row ? Shape{5} : Shape{}));
    b.output(b.node("MatMulInteger", {a, w, a_zp, w_zp}));
    testing::expect_compiled_matches_reference(
        *b.finish(),
        feeds(ints(DType::kUInt8, kIntValues, {2, 3, 4}), ints(DType::kInt8, kIntValues, {4, 5})),
        /*exact=*/true);
  }
}

TEST(LowerQuantize, QLinearMatMulRequantizes) {
  for (DType t : {DType::kUInt8, DType::kInt8}) {
    SCOPED_TRACE(dtype_name(t));
    GraphBuilder b;
    graph::Value* a = b.input("a", t, Shape{3, 4});
    graph::Value* c = b.input("b", t, Shape{4, 2});
    auto scalar_f = [&](const char* name, double v) {
      return b.constant(name, floats(DType::kFloat32, {v}, Shape{}));
    };
    graph::Value* a_scale =
        b.constant("a_scale", floats(DType::kFloat32, {0.02, 0.5, 0.003}, Shape{3}));
    graph::Value* b_scale = scalar_f("b_scale", 0.07);
    graph::Value* y_scale = scalar_f("y_scale", 0.9);
    graph::Value* a_zp = b.constant("a_zp", ints(t, {3}, Shape{}));
    graph::Value* b_zp = b.constant("b_zp", ints(t, {-1, 9}, Shape{2}));
    graph::Value* y_zp = b.constant("y_zp", ints(t, {100}, Shape{}));
    b.output(b.node("QLinearMatMul", {a, a_scale, a_zp, c, b_scale, b_zp, y_scale, y_zp}));
    testing::expect_compiled_matches_reference(
        *b.finish(), feeds(ints(t, kIntValues, {3, 4}), ints(t, kIntValues, {4, 2})),
        /*exact=*/true);
  }
}

TEST(LowerQuantize, ConvIntegerAndQLinearConvWithPadding) {
  const std::vector<Attr> attrs = {Attr::of("pads", std::vector<int64_t>{1, 0, 1, 2}),
                                   Attr::of("strides", std::vector<int64_t>{1, 2})};
  {
    GraphBuilder b;
    graph::Value* x = b.input("x", DType::kUInt8, Shape{1, 2, 4, 5});
    graph::Value* w = b.input("w", DType::kUInt8, Shape{3, 2, 2, 2});
    graph::Value* x_zp = b.constant("x_zp", ints(DType::kUInt8, {17}, Shape{}));
    graph::Value* w_zp = b.constant("w_zp", ints(DType::kUInt8, {1, 250, 0}, Shape{3}));
    b.output(b.node("ConvInteger", {x, w, x_zp, w_zp}, attrs));
    testing::expect_compiled_matches_reference(*b.finish(),
                                               feeds(ints(DType::kUInt8, kIntValues, {1, 2, 4, 5}),
                                                     ints(DType::kUInt8, kIntValues, {3, 2, 2, 2})),
                                               /*exact=*/true);
  }
  {
    GraphBuilder b;
    graph::Value* x = b.input("x", DType::kInt8, Shape{1, 2, 4, 5});
    graph::Value* w = b.input("w", DType::kInt8, Shape{3, 2, 2, 2});
    auto scalar_f = [&](const char* name, double v) {
      return b.constant(name, floats(DType::kFloat32, {v}, Shape{}));
    };
    graph::Value* w_scale =
        b.constant("w_scale", floats(DType::kFloat32, {0.01, 0.2, 0.05}, Shape{3}));
    graph::Value* bias = b.constant("bias", ints(DType::kInt32, {-500, 0, 12345}, Shape{3}));
    b.output(b.node(
        "QLinearConv",
        {x, scalar_f("x_scale", 0.03), b.constant("x_zp", ints(DType::kInt8, {-5}, Shape{})), w,
         w_scale, b.constant("w_zp", ints(DType::kInt8, {0}, Shape{})), scalar_f("y_scale", 0.4),
         b.constant("y_zp", ints(DType::kInt8, {-20}, Shape{})), bias},
        attrs));
    testing::expect_compiled_matches_reference(*b.finish(),
                                               feeds(ints(DType::kInt8, kIntValues, {1, 2, 4, 5}),
                                                     ints(DType::kInt8, kIntValues, {3, 2, 2, 2})),
                                               /*exact=*/true);
  }
}

}  // namespace
}  // namespace stitch::lower
