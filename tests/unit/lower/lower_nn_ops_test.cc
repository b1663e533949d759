// End-to-end numeric tests of the templates of resize.cc, conv_transpose.cc, nn_misc.cc and the
// later additions to norm.cc, pool.cc, reduce.cc and elementwise.cc: small graphs compiled
// (policies none and arbitrary) and compared with the reference interpreter (floats: relative
// L2 <= 1e-4; integers and bools: exact). Shapes and attributes go beyond the ONNX cases
// (odd sizes, downsampling by non-integral scales, groups with strides). Part of
// tests/unit/lower/.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "graph_builder.h"
#include "lower_test_util.h"
#include "reference/interpreter.h"
#include "support/compare.h"

namespace stitch::lower {
namespace {

using testing::Attr;
using testing::GraphBuilder;

const DType f32 = DType::kFloat32;
const DType i64 = DType::kInt64;

// An input: random data, or a constant with the given values.
struct In {
  DType dtype;
  Shape shape;
  bool constant = false;
  std::vector<double> values = {};
};

// random_tensor's dtypes, plus uint8 and uint64 (values in [0, 10): shifts past the width of
// uint8 included) and float64 (in [-2, 2)).
Tensor random_data(DType dtype, const Shape& shape, uint32_t seed) {
  if (dtype != DType::kUInt8 && dtype != DType::kUInt64 && dtype != DType::kFloat64) {
    return testing::random_tensor(dtype, shape, seed);
  }
  Tensor t(dtype, shape);
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (dtype == DType::kUInt8) t.data<uint8_t>()[i] = static_cast<uint8_t>(rng() % 10);
    if (dtype == DType::kUInt64) t.data<uint64_t>()[i] = rng() % 10;
    if (dtype == DType::kFloat64) t.data<double>()[i] = (rng() % 4000) / 1000.0 - 2;
  }
  return t;
}

Tensor make_tensor(const In& in, uint32_t seed) {
  if (in.values.empty()) return random_data(in.dtype, in.shape, seed);
  if (in.dtype == f32) {
    std::vector<float> v(in.values.begin(), in.values.end());
    return Tensor::from_vector<float>(v, in.shape);
  }
  std::vector<int64_t> v;
  for (double d : in.values) v.push_back(static_cast<int64_t>(d));
  return Tensor::from_vector<int64_t>(v, in.shape);
}

// One node op(inputs) with attrs; its first `outputs` outputs are graph outputs. An input of
// dtype kUndefined is an omitted optional input.
std::unique_ptr<graph::Graph> one_node(const std::string& op, const std::vector<In>& ins,
                                       const std::vector<Attr>& attrs, int outputs,
                                       std::vector<Tensor>* feeds) {
  GraphBuilder b;
  std::vector<graph::Value*> values;
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (ins[i].dtype == DType::kUndefined) {
      values.push_back(nullptr);
    } else if (ins[i].constant) {
      values.push_back(b.constant(name, make_tensor(ins[i], 100 + i)));
    } else {
      values.push_back(b.input(name, ins[i].dtype, ins[i].shape));
      feeds->push_back(make_tensor(ins[i], 100 + i));
    }
  }
  b.output(b.node(op, values, attrs, outputs));
  auto g = b.finish();
  for (int k = 1; k < outputs; ++k) g->add_output(g->nodes()[0]->output(k));
  return g;
}

void check_op(const std::string& op, const std::vector<In>& ins,
              const std::vector<Attr>& attrs = {}, int outputs = 1) {
  SCOPED_TRACE(op);
  std::vector<Tensor> feeds;
  auto g = one_node(op, ins, attrs, outputs, &feeds);
  testing::expect_compiled_matches_reference(*g, feeds);
}

const In kOmitted{DType::kUndefined, {}};

In scales(std::vector<double> v) {
  return In{f32, {static_cast<int64_t>(v.size())}, true, std::move(v)};
}
In sizes(std::vector<double> v) {
  return In{i64, {static_cast<int64_t>(v.size())}, true, std::move(v)};
}

TEST(LowerNnOps, ResizeNearest) {
  for (const char* ctm : {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"}) {
    for (const char* nearest : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
      SCOPED_TRACE(std::string(ctm) + " " + nearest);
      const std::vector<Attr> attrs{Attr::of("coordinate_transformation_mode", std::string(ctm)),
                                    Attr::of("nearest_mode", std::string(nearest))};
      check_op("Resize", {{f32, {1, 2, 5, 7}}, kOmitted, scales({1, 1, 2, 3})}, attrs);
      check_op("Resize", {{f32, {1, 2, 9, 8}}, kOmitted, kOmitted, sizes({1, 2, 4, 5})}, attrs);
    }
  }
  // Nearest moves elements: integers and bools too.
  check_op("Resize", {{DType::kUInt8, {2, 3, 4}}, kOmitted, scales({1, 2, 0.5})});
  check_op("Resize", {{DType::kBool, {3, 4}}, kOmitted, kOmitted, sizes({7, 6})});
}

TEST(LowerNnOps, ResizeLinearAndCubic) {
  for (const char* mode : {"linear", "cubic"}) {
    for (const char* ctm : {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                            "half_pixel_symmetric"}) {
      SCOPED_TRACE(std::string(mode) + " " + ctm);
      const std::vector<Attr> attrs{Attr::of("mode", std::string(mode)),
                                    Attr::of("coordinate_transformation_mode", std::string(ctm))};
      check_op("Resize", {{f32, {1, 2, 6, 5}}, kOmitted, scales({1, 1, 1.5, 2})}, attrs);
      check_op("Resize", {{f32, {2, 1, 11, 9}}, kOmitted, kOmitted, sizes({2, 1, 4, 6})}, attrs);
    }
  }
  check_op("Resize", {{f32, {1, 1, 8, 8}}, kOmitted, scales({1, 1, 0.6f, 1.25f})},
           {Attr::of("mode", std::string("cubic")), Attr::of("exclude_outside", int64_t{1}),
            Attr::of("cubic_coeff_a", -0.5f)});
  // Integer data is interpolated in double, rounded and saturated.
  check_op("Resize", {{DType::kUInt8, {1, 1, 4, 5}}, kOmitted, scales({1, 1, 1.75f, 2})},
           {Attr::of("mode", std::string("cubic"))});
}

TEST(LowerNnOps, ResizeCropAndAxes) {
  check_op("Resize",
           {{f32, {1, 1, 6, 6}},
            In{f32, {8}, true, {0, 0, 0.4, 0.6, 1, 1, 1.2, 0.7}},
            kOmitted,
            sizes({1, 1, 5, 4})},
           {Attr::of("mode", std::string("linear")),
            Attr::of("coordinate_transformation_mode", std::string("tf_crop_and_resize")),
            Attr::of("extrapolation_value", 10.0f)});
  check_op("Resize", {{f32, {2, 5, 6}}, kOmitted, scales({2.5f, 0.5f})},
           {Attr::of("axes", std::vector<int64_t>{1, 2}), Attr::of("mode", std::string("linear"))});
  check_op("Resize", {{f32, {1, 3, 4, 6}}, kOmitted, kOmitted, sizes({7, 7})},
           {Attr::of("axes", std::vector<int64_t>{-2, -1}),
            Attr::of("keep_aspect_ratio_policy", std::string("not_larger"))});
}

// A scale whose coordinate pattern has no short period is refused, not approximated.
TEST(LowerNnOps, ResizeIrregularScaleIsUnsupported) {
  std::vector<Tensor> feeds;
  auto g = one_node("Resize", {{f32, {1, 1, 1, 7}}, kOmitted, kOmitted, sizes({1, 1, 1, 100})},
                    {Attr::of("mode", std::string("linear"))}, 1, &feeds);
  auto got = testing::compile_and_run(*g, partition::FusionPolicy::kNone, {&feeds[0]});
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.status().message().find("unsupported: Resize coordinate pattern"),
            std::string::npos)
      << got.status().message();
}

TEST(LowerNnOps, GridSample) {
  for (const char* mode : {"bilinear", "nearest", "bicubic"}) {
    for (const char* padding : {"zeros", "border", "reflection"}) {
      for (int64_t align : {0, 1}) {
        SCOPED_TRACE(std::string(mode) + " " + padding + " " + std::to_string(align));
        // random_tensor's grid values in [-2, 2) also sample outside the input.
        check_op(
            "GridSample", {{f32, {2, 3, 5, 4}}, {f32, {2, 3, 6, 2}}},
            {Attr::of("mode", std::string(mode)), Attr::of("padding_mode", std::string(padding)),
             Attr::of("align_corners", align)});
      }
    }
  }
}

TEST(LowerNnOps, ConvTranspose) {
  check_op("ConvTranspose", {{f32, {1, 3, 4, 5}}, {f32, {3, 2, 3, 3}}, {f32, {2}}});
  check_op("ConvTranspose", {{f32, {2, 4, 3, 4}}, {f32, {4, 3, 3, 2}}},
           {Attr::of("group", int64_t{2}), Attr::of("strides", std::vector<int64_t>{2, 3}),
            Attr::of("dilations", std::vector<int64_t>{2, 1}),
            Attr::of("pads", std::vector<int64_t>{1, 0, 2, 1}),
            Attr::of("output_padding", std::vector<int64_t>{1, 2})});
  check_op("ConvTranspose", {{f32, {1, 2, 5}}, {f32, {2, 3, 4}}},
           {Attr::of("strides", std::vector<int64_t>{3}),
            Attr::of("output_shape", std::vector<int64_t>{17})});
  check_op("ConvTranspose", {{f32, {1, 1, 3, 3}}, {f32, {1, 2, 3, 3}}},
           {Attr::of("strides", std::vector<int64_t>{2, 2}),
            Attr::of("auto_pad", std::string("SAME_LOWER"))});
}

TEST(LowerNnOps, Normalizations) {
  check_op("LRN", {{f32, {2, 7, 3, 2}}}, {Attr::of("size", int64_t{4})});
  check_op("LRN", {{f32, {1, 5, 4, 4}}},
           {Attr::of("size", int64_t{3}), Attr::of("alpha", 0.01f), Attr::of("beta", 0.5f),
            Attr::of("bias", 2.0f)});
  check_op("InstanceNormalization", {{f32, {2, 3, 5, 4}}, {f32, {3}}, {f32, {3}}},
           {Attr::of("epsilon", 1e-2f)});
  check_op("MeanVarianceNormalization", {{f32, {3, 2, 4, 5}}});
  check_op("MeanVarianceNormalization", {{f32, {3, 2, 4, 5}}},
           {Attr::of("axes", std::vector<int64_t>{1, 3})});
  // LayerNormalization's Mean and InvStdDev outputs (over one and over two dims).
  check_op("LayerNormalization", {{f32, {2, 3, 8}}, {f32, {8}}, {f32, {8}}}, {}, 3);
  check_op("LayerNormalization", {{f32, {4, 3, 5}}, {f32, {3, 5}}}, {Attr::of("axis", int64_t{1})},
           3);
}

TEST(LowerNnOps, EinsumAndDropout) {
  check_op("Einsum", {{f32, {2, 3, 4}}, {f32, {2, 4, 5}}},
           {Attr::of("equation", std::string("bij,bjk->bik"))});
  check_op("Einsum", {{f32, {3, 4, 4}}}, {Attr::of("equation", std::string("bii->bi"))});
  check_op("Einsum", {{f32, {6}}, {f32, {6}}}, {Attr::of("equation", std::string("i,i"))});
  check_op("Einsum", {{f32, {2, 3, 5}}}, {Attr::of("equation", std::string("...ij->...ji"))});
  check_op("Einsum", {{DType::kInt64, {3, 4}}}, {Attr::of("equation", std::string("ij->i"))});
  check_op("Dropout", {{f32, {3, 4}}}, {}, 2);
  check_op("Dropout", {{f32, {3, 4}}, In{f32, {}, true, {0.25}}}, {}, 2);
}

TEST(LowerNnOps, RoiAlign) {
  const In rois{f32, {3, 4}, true, {0, 0, 4, 4, 1.2, 0.5, 6.5, 3.1, 3, 2.5, 9.7, 8.8}};
  const In batch{i64, {3}, true, {0, 1, 1}};
  for (const char* mode : {"avg", "max"}) {
    for (const char* ctm : {"half_pixel", "output_half_pixel"}) {
      check_op("RoiAlign", {{f32, {2, 3, 7, 8}}, rois, batch},
               {Attr::of("mode", std::string(mode)),
                Attr::of("coordinate_transformation_mode", std::string(ctm)),
                Attr::of("output_height", int64_t{3}), Attr::of("output_width", int64_t{2}),
                Attr::of("sampling_ratio", int64_t{2}), Attr::of("spatial_scale", 0.75f)});
    }
  }
}

// MaxPool's Indices feed MaxUnpool (with and without an explicit output shape).
TEST(LowerNnOps, MaxPoolIndicesAndUnpool) {
  for (int64_t storage_order : {0, 1}) {
    check_op("MaxPool", {{f32, {2, 3, 7, 6}}},
             {Attr::of("kernel_shape", std::vector<int64_t>{3, 2}),
              Attr::of("strides", std::vector<int64_t>{2, 2}),
              Attr::of("pads", std::vector<int64_t>{1, 0, 1, 1}),
              Attr::of("storage_order", storage_order)},
             2);
  }
  for (bool explicit_shape : {false, true}) {
    GraphBuilder b;
    graph::Value* x = b.input("x", f32, {1, 2, 6, 6});
    const std::vector<Attr> attrs{Attr::of("kernel_shape", std::vector<int64_t>{2, 2}),
                                  Attr::of("strides", std::vector<int64_t>{2, 2})};
    graph::Value* pooled = b.node("MaxPool", {x}, attrs, 2);
    graph::Value* indices = pooled->producer()->output(1);
    std::vector<graph::Value*> ins{pooled, indices};
    if (explicit_shape) {
      ins.push_back(b.constant("shape", Tensor::from_vector<int64_t>({1, 2, 7, 7}, {4})));
    }
    b.output(b.node("MaxUnpool", ins, attrs));
    auto g = b.finish();
    std::vector<Tensor> feeds;
    feeds.push_back(testing::random_tensor(f32, {1, 2, 6, 6}, 3));
    testing::expect_compiled_matches_reference(*g, feeds);
  }
}

TEST(LowerNnOps, ReduceLogSumExp) {
  check_op("ReduceLogSumExp", {{f32, {3, 4, 5}}, In{i64, {2}, true, {0, -1}}});
  check_op("ReduceLogSumExp", {{f32, {3, 4, 5}}, In{i64, {1}, true, {1}}},
           {Attr::of("keepdims", int64_t{0})});
  check_op("ReduceLogSumExp", {{f32, {2, 7}}});
}

TEST(LowerNnOps, ElementwiseAdditions) {
  check_op("Celu", {{f32, {4, 5}}}, {Attr::of("alpha", 2.0f)});
  check_op("Shrink", {{f32, {4, 5}}}, {Attr::of("lambd", 1.0f), Attr::of("bias", 0.5f)});
  check_op("Shrink", {{DType::kInt32, {7}}}, {Attr::of("lambd", 1.5f), Attr::of("bias", 1.0f)});
  check_op("Asinh", {{f32, {3, 4}}});
  check_op("Atanh", {{f32, {5}, true, {-0.9, -0.3, 0, 0.5, 0.99}}});
  check_op("Acosh", {{f32, {4}, true, {1, 1.5, 3, 40}}});
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const In special{f32, {6}, true, {1, -inf, inf, nan, 0, -2}};
  check_op("IsNaN", {special});
  check_op("IsInf", {special});
  check_op("IsInf", {special}, {Attr::of("detect_negative", int64_t{0})});
  check_op("IsInf", {special}, {Attr::of("detect_positive", int64_t{0})});
  check_op("CastLike", {{f32, {3, 4}}, {DType::kFloat64, {1}}});
}

TEST(LowerNnOps, IntegerArithmetic) {
  for (DType t : {DType::kUInt8, DType::kUInt64}) {
    for (const char* direction : {"LEFT", "RIGHT"}) {
      check_op("BitShift", {{t, {3, 4}}, {t, {4}}},
               {Attr::of("direction", std::string(direction))});
    }
  }
  // Exact integer powers, including values that wrap.
  check_op("Pow", {In{i64, {5}, true, {3, -2, 7, 10, 2}}, In{i64, {5}, false, {}}});
  check_op("Pow", {In{i64, {4}, false, {}}, In{i64, {4}, true, {0, 1, 21, 63}}});
  check_op("Pow", {{DType::kInt32, {2, 3}}, {f32, {3}, true, {0.5, 1.5, 2}}});
  check_op("Pow", {{f32, {2, 3}}, {i64, {3}}});
  // Mod on integers with both sign conventions.
  const In a{i64, {6}, false, {7, -7, 7, -7, 0, 5}};
  for (int64_t fmod : {0, 1}) {
    check_op("Mod", {a, {i64, {6}, true, {3, 3, -3, -3, 2, -5}}}, {Attr::of("fmod", fmod)});
  }
  check_op("Mod", {{i64, {3, 4}}, {i64, {4}, true, {3, -2, 5, 1}}}, {Attr::of("fmod", int64_t{1})});
}

}  // namespace
}  // namespace stitch::lower
