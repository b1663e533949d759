// Unit tests of support/: float16 conversion, broadcasting, .npy I/O, comparison.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "support/compare.h"
#include "support/npy.h"
#include "support/shape.h"

namespace stitch {
namespace {

TEST(Half, RoundTripsExactValuesAndRoundsToNearestEven) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.960464477539063e-08f}) {
    EXPECT_EQ(static_cast<float>(Half(f)), f);
  }
  EXPECT_EQ(static_cast<float>(Half(1.0f + 1.0f / 4096)), 1.0f);  // tie goes to even
  EXPECT_TRUE(std::isinf(static_cast<float>(Half(1e6f))));
  EXPECT_TRUE(std::isnan(static_cast<float>(Half(NAN))));
  EXPECT_EQ(static_cast<float>(BFloat16(1.0f)), 1.0f);
}

TEST(Shape, BroadcastsLikeNumPy) {
  auto s = broadcast_shapes({2, 1, 4}, {3, 1});
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(*s, (Shape{2, 3, 4}));
  EXPECT_FALSE(broadcast_shapes({2, 3}, {4}).is_ok());
  BroadcastIndexer idx({3, 1}, {2, 3, 4});
  EXPECT_EQ(idx(0), 0);
  EXPECT_EQ(idx(5), 1);   // (0, 1, 1) -> row 1
  EXPECT_EQ(idx(23), 2);  // (1, 2, 3) -> row 2
}

TEST(Shape, NormalizesAxes) {
  EXPECT_EQ(*normalize_axis(-1, 4), 3);
  EXPECT_FALSE(normalize_axis(4, 4).is_ok());
  EXPECT_FALSE(normalize_axis(-5, 4).is_ok());
}

TEST(Npy, RoundTripsEveryDtype) {
  std::string path = (std::filesystem::temp_directory_path() / "stitch_npy_test.npy").string();
  for (DType t : {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kInt8, DType::kUInt8,
                  DType::kInt32, DType::kInt64, DType::kBool}) {
    Tensor a(t, {2, 3});
    for (int64_t i = 0; i < a.nbytes(); ++i) static_cast<uint8_t*>(a.raw_data())[i] = i % 2;
    ASSERT_TRUE(write_npy(path, a).is_ok());
    auto b = read_npy(path);
    ASSERT_TRUE(b.is_ok()) << b.status().message();
    EXPECT_EQ(b->dtype(), t);
    EXPECT_EQ(b->shape(), a.shape());
    EXPECT_EQ(std::memcmp(a.raw_data(), b->raw_data(), a.nbytes()), 0);
  }
  Tensor s(DType::kFloat32, {});
  ASSERT_TRUE(write_npy(path, s).is_ok());
  EXPECT_EQ(read_npy(path)->rank(), 0);
  std::filesystem::remove(path);
}

TEST(Npy, RejectsCorruptFiles) {
  EXPECT_FALSE(parse_npy("hello", "x").is_ok());
  std::string truncated =
      "\x93NUMPY\x01\x00\x40\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  EXPECT_FALSE(parse_npy(truncated, "x").is_ok());
}

TEST(Compare, UsesToleranceForFloatsAndExactnessForInts) {
  Tensor a = Tensor::from_vector<float>({1.0f, 2.0f, NAN}, {3});
  Tensor b = Tensor::from_vector<float>({1.0005f, 2.0f, NAN}, {3});
  EXPECT_TRUE(compare_allclose(a, b, 1e-3, 1e-5).ok);
  EXPECT_FALSE(compare_allclose(a, b, 1e-5, 1e-6).ok);
  Tensor i = Tensor::from_vector<int64_t>({1, 2}, {2});
  Tensor j = Tensor::from_vector<int64_t>({1, 3}, {2});
  EXPECT_FALSE(compare_allclose(i, j, 1, 1).ok);
  Tensor c = Tensor::from_vector<float>({3.0f, 4.0f}, {2});
  Tensor d = Tensor::from_vector<float>({3.0f, 4.5f}, {2});
  EXPECT_NEAR(*relative_l2_error(d, c), 0.1, 1e-12);  // |(0, 0.5)| / |(3, 4)|
}

}  // namespace
}  // namespace stitch
