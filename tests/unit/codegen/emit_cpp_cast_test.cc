// Casts in emitted C++, compiled and run: float to integer conversions saturate (NaN to 0),
// double to 16-bit floats round once (to nearest even), uint16 products wrap, and vector casts
// give exactly the scalar casts' lanes. Part of tests/unit/codegen/.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

#include "codegen/cpp/emit_cpp.h"
#include "codegen/toolchain/shared_object.h"
#include "codegen/toolchain/toolchain.h"
#include "stitch/kernel_abi.h"
#include "support/half.h"

namespace stitch::codegen::cpp {
namespace {

using namespace kir;  // NOLINT(build/namespaces): the tests build IR by hand

constexpr int kN = 16;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Rounding ties one bit past float16's (then bfloat16's) mantissa, nudged up by a bit that
// float32 cannot hold: rounding through float would see an exact tie and round down to even.
const double kHalfTie = 1.0 + 0x1p-11 + 0x1p-40;
const double kBf16Tie = 1.0 + 0x1p-8 + 0x1p-30;

const std::vector<double> kInputs = {kNaN, kInf,  -kInf,    300.7,    -300.7,  2.9,
                                     -2.9, -1.0,  kHalfTie, kBf16Tie, 65520.0, 1e20,
                                     0.5,  255.5, -128.5,   0x1p33};

// The types a float64 input is cast to; each gets a scalar and a vector output.
constexpr DType kTargets[] = {DType::kInt8,   DType::kUInt8,   DType::kInt32,
                              DType::kUInt64, DType::kFloat16, DType::kBFloat16};

// out_s_<t>[i] = cast<t>(x[i]) scalar; out_v_<t> the same with 8-lane vectors. Then
// p[i] = a[i] * b[i] on uint16 (scalar).
Kernel cast_kernel() {
  Var i = make_var("i"), v = make_var("v");
  Buffer x = make_buffer("x", DType::kFloat64, std::vector<int64_t>{kN}, BufferKind::kInput);
  Buffer a = make_buffer("a", DType::kUInt16, std::vector<int64_t>{kN}, BufferKind::kInput);
  Buffer b = make_buffer("b", DType::kUInt16, std::vector<int64_t>{kN}, BufferKind::kInput);
  Buffer p = make_buffer("p", DType::kUInt16, std::vector<int64_t>{kN}, BufferKind::kOutput);
  std::vector<Buffer> params = {x, a, b, p};
  std::vector<Stmt> scalar = {store(p, i, load(a, i) * load(b, i))}, vector;
  for (DType t : kTargets) {
    Buffer s = make_buffer("s", t, std::vector<int64_t>{kN}, BufferKind::kOutput);
    Buffer w = make_buffer("w", t, std::vector<int64_t>{kN}, BufferKind::kOutput);
    params.push_back(s);
    params.push_back(w);
    scalar.push_back(store(s, i, cast(Type{t, 1}, load(x, i))));
    vector.push_back(
        vector_store(w, Expr(v) * 8, cast(Type{t, 8}, vector_load(x, Expr(v) * 8, 8))));
  }
  return make_kernel(
      "casts", params, {},
      seq({for_loop(i, int_imm(0), int_imm(kN), ForKind::kSerial, seq(scalar)),
           for_loop(v, int_imm(0), int_imm(kN / 8), ForKind::kSerial, seq(vector))}));
}

// Output bytes of one target type, scalar and vector.
struct Outputs {
  std::vector<unsigned char> s, w;
};

class EmitCppCastTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/stitch-codegen-cast-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    Expected<std::string> source =
        emit_translation_unit({cast_kernel()}, toolchain::Target::host());
    ASSERT_TRUE(source) << source.status().message();
    toolchain::ToolchainOptions options;
    options.cache_dir = dir_ + "/cache";
    options.jobs = 1;
    Expected<toolchain::Toolchain> tc = toolchain::Toolchain::create(std::move(options));
    ASSERT_TRUE(tc) << tc.status().message();
    Expected<toolchain::BuildResult> built = tc->build({{"codegen_cast_test", *source}});
    ASSERT_TRUE(built) << built.status().message();
    Expected<toolchain::SharedObject> library = toolchain::SharedObject::open(built->library_path);
    ASSERT_TRUE(library) << library.status().message();
    library_ = new toolchain::SharedObject(std::move(library).value());
  }
  static void TearDownTestSuite() {
    delete library_;
    library_ = nullptr;
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Runs the kernel once; outputs per target type in kTargets order.
  void run(std::vector<uint16_t>& a, std::vector<uint16_t>& b, std::vector<uint16_t>& p,
           std::vector<Outputs>& outs) {
    ASSERT_NE(library_, nullptr);
    auto fn = library_->function<void(void* const*, const int64_t*, const stitch_parallel_api*)>(
        "stitch_kernel_casts");
    ASSERT_TRUE(fn) << fn.status().message();
    std::vector<double> x = kInputs;
    std::vector<void*> buffers = {x.data(), a.data(), b.data(), p.data()};
    outs.clear();
    for (DType t : kTargets) {
      outs.push_back({std::vector<unsigned char>(kN * dtype_size(t), 0xAB),
                      std::vector<unsigned char>(kN * dtype_size(t), 0xCD)});
    }
    for (Outputs& o : outs) {
      buffers.push_back(o.s.data());
      buffers.push_back(o.w.data());
    }
    (*fn)(buffers.data(), nullptr, nullptr);
  }

  static std::string dir_;
  static toolchain::SharedObject* library_;
};
std::string EmitCppCastTest::dir_;
toolchain::SharedObject* EmitCppCastTest::library_ = nullptr;

template <typename T>
std::vector<T> as_vector(const std::vector<unsigned char>& bytes) {
  std::vector<T> v(bytes.size() / sizeof(T));
  std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

TEST_F(EmitCppCastTest, CastsSaturateRoundOnceAndVectorsMatchScalars) {
  std::vector<uint16_t> a(kN), b(kN), p(kN);
  for (int k = 0; k < kN; ++k) {
    a[k] = static_cast<uint16_t>(65535 - 977 * k);
    b[k] = static_cast<uint16_t>(40000 + 1531 * k);
  }
  std::vector<Outputs> outs;
  run(a, b, p, outs);
  for (int k = 0; k < kN; ++k) {
    EXPECT_EQ(p[k], static_cast<uint16_t>(uint32_t{a[k]} * uint32_t{b[k]})) << k;
  }
  for (size_t t = 0; t < outs.size(); ++t) {
    EXPECT_EQ(outs[t].s, outs[t].w)
        << "vector lanes differ from scalars for " << dtype_name(kTargets[t]);
  }
  // Inputs: NaN, inf, -inf, 300.7, -300.7, 2.9, -2.9, -1, ties, 65520, 1e20, 0.5, 255.5, -128.5,
  // 2^33.
  EXPECT_EQ(as_vector<int8_t>(outs[0].s), (std::vector<int8_t>{0, 127, -128, 127, -128, 2, -2, -1,
                                                               1, 1, 127, 127, 0, 127, -128, 127}));
  EXPECT_EQ(as_vector<uint8_t>(outs[1].s),
            (std::vector<uint8_t>{0, 255, 0, 255, 0, 2, 0, 0, 1, 1, 255, 255, 0, 255, 0, 255}));
  const int32_t i32_max = std::numeric_limits<int32_t>::max();
  const int32_t i32_min = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(as_vector<int32_t>(outs[2].s),
            (std::vector<int32_t>{0, i32_max, i32_min, 300, -300, 2, -2, -1, 1, 1, 65520, i32_max,
                                  0, 255, -128, i32_max}));
  const uint64_t u64_max = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(as_vector<uint64_t>(outs[3].s),
            (std::vector<uint64_t>{0, u64_max, 0, 300, 0, 2, 0, 0, 1, 1, 65520, u64_max, 0, 255, 0,
                                   uint64_t{1} << 33}));
  const std::vector<uint16_t> f16 = as_vector<uint16_t>(outs[4].s);
  EXPECT_EQ(f16[8], 0x3C01);   // 1 + 2^-10: the tie was above halfway in float64
  EXPECT_EQ(f16[10], 0x7C00);  // 65520 rounds to even: infinity
  EXPECT_EQ(f16[0] & 0x7C00, 0x7C00);
  EXPECT_NE(f16[0] & 0x3FF, 0);  // NaN stays NaN
  const std::vector<uint16_t> bf16 = as_vector<uint16_t>(outs[5].s);
  EXPECT_EQ(bf16[9], 0x3F81);  // 1 + 2^-7
  for (int k = 1; k < kN; ++k) {
    EXPECT_EQ(f16[k], float_to_half_bits(static_cast<float>(kInputs[k])) + (k == 8 ? 1 : 0)) << k;
    EXPECT_EQ(bf16[k], float_to_bfloat16_bits(static_cast<float>(kInputs[k])) + (k == 9 ? 1 : 0))
        << k;
  }
}

}  // namespace
}  // namespace stitch::codegen::cpp
