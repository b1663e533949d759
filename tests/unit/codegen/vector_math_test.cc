// The prelude's exp, log, erf, tanh and sigmoid (codegen/cpp/vector_math_prelude.inc) against
// double-precision libm: kernels emitted from kernel IR (a kVectorized scalar loop, which GCC
// vectorizes, and an explicit 8-lane vector call), compiled for the host, run over a dense sweep
// of float bit patterns. Part of tests/unit/codegen/. On hosts without AVX2 + FMA the prelude
// falls back to libm and the same bounds hold trivially.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <vector>

#include "codegen/cpp/emit_cpp.h"
#include "codegen/toolchain/shared_object.h"
#include "codegen/toolchain/toolchain.h"
#include "stitch/kernel_abi.h"

namespace stitch::codegen::cpp {
namespace {

using namespace kir;  // NOLINT(build/namespaces): the tests build IR by hand

struct MathCase {
  const char* name;
  double (*reference)(double);
  double max_ulp;  // the bound documented in vector_math_prelude.inc and docs/vector_math.md
};

double sigmoid_ref(double x) { return 1 / (1 + std::exp(-x)); }

const MathCase kCases[] = {
    {"exp", [](double x) { return std::exp(x); }, 1.5},
    {"log", [](double x) { return std::log(x); }, 1.5},
    {"erf", [](double x) { return std::erf(x); }, 2.5},
    {"tanh", [](double x) { return std::tanh(x); }, 2.5},
    {"sigmoid", sigmoid_ref, 3.0},
};

const Type kF32{DType::kFloat32, 1};
const Type kF32x8{DType::kFloat32, 8};

// y[i] = f(x[i]) for i < n (n a multiple of 8): as a kVectorized scalar loop ("<f>_loop") and
// as one 8-lane vector call per chunk ("<f>_vec").
std::vector<Kernel> kernels_of(const std::string& f) {
  std::vector<Kernel> out;
  for (bool vector : {false, true}) {
    Var n = make_var("n"), i = make_var("i");
    Buffer x = make_buffer("x", DType::kFloat32, {Expr(n)}, BufferKind::kInput);
    Buffer y = make_buffer("y", DType::kFloat32, {Expr(n)}, BufferKind::kOutput);
    Stmt body = vector ? for_loop(i, int_imm(0), Expr(n) / 8, ForKind::kSerial,
                                  vector_store(y, Expr(i) * 8,
                                               call(f, kF32x8, {vector_load(x, Expr(i) * 8, 8)})))
                       : for_loop(i, int_imm(0), n, ForKind::kVectorized,
                                  store(y, i, call(f, kF32, {load(x, i)})));
    out.push_back(make_kernel(f + (vector ? "_vec" : "_loop"), {x, y}, {n}, body));
  }
  return out;
}

// The distance from `got` to the exact `want` in units of the last place of float at `want`
// (subnormals: the subnormal spacing).
double ulp_error(float got, double want) {
  const double a = std::fabs(want);
  const double ulp = a < FLT_MIN ? std::ldexp(1.0, -149) : std::ldexp(1.0, std::ilogb(a) - 23);
  return std::fabs(static_cast<double>(got) - want) / ulp;
}

class VectorMathTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/stitch-vector-math-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::vector<Kernel> kernels;
    for (const MathCase& c : kCases) {
      for (Kernel& k : kernels_of(c.name)) kernels.push_back(std::move(k));
    }
    Expected<std::string> source = emit_translation_unit(kernels, toolchain::Target::host());
    ASSERT_TRUE(source) << source.status().message();
    source_ = *source;
    toolchain::ToolchainOptions options;
    options.cache_dir = dir_ + "/cache";
    options.jobs = 1;
    Expected<toolchain::Toolchain> tc = toolchain::Toolchain::create(std::move(options));
    ASSERT_TRUE(tc) << tc.status().message();
    Expected<toolchain::BuildResult> built = tc->build({{"vector_math_test", *source}});
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

  // Runs kernel `name` on x (size a multiple of 8).
  static std::vector<float> run(const std::string& name, std::vector<float> x) {
    auto fn = library_->function<void(void* const*, const int64_t*, const stitch_parallel_api*)>(
        "stitch_kernel_" + name);
    EXPECT_TRUE(fn) << fn.status().message();
    std::vector<float> y(x.size(), -1.0f);
    if (!fn) return y;
    void* buffers[] = {x.data(), y.data()};
    const int64_t n = static_cast<int64_t>(x.size());
    (*fn)(buffers, &n, nullptr);
    return y;
  }

  static std::string dir_;
  static std::string source_;
  static toolchain::SharedObject* library_;
};
std::string VectorMathTest::dir_;
std::string VectorMathTest::source_;
toolchain::SharedObject* VectorMathTest::library_ = nullptr;

// The kernels call the prelude's functions directly, on vectors too (not lane by lane).
TEST_F(VectorMathTest, KernelsCallThePreludeFunctions) {
  const size_t kernels = source_.find("extern \"C\" void stitch_kernel_");
  ASSERT_NE(kernels, std::string::npos);
  const std::string bodies = source_.substr(kernels);
  for (const char* f : {"exp", "log", "erf", "tanh", "sigmoid"}) {
    EXPECT_NE(bodies.find(std::string("stitch_") + f + "(stitch_vload"), std::string::npos) << f;
    EXPECT_EQ(bodies.find(std::string("std::") + f), std::string::npos) << f;
  }
  EXPECT_EQ(bodies.find("stitch_lanewise"), std::string::npos);
}

// Every 251st float bit pattern (17 million inputs, both signs, subnormals, inf and NaN) per
// function and form; NaN and infinite results must match libm's exactly, finite ones within the
// documented ulp bound. Results that are subnormal in float are compared in subnormal ulps.
TEST_F(VectorMathTest, MaxUlpErrorOverADenseSweep) {
  constexpr uint64_t kStride = 251;
  constexpr size_t kChunk = 1 << 20;
  for (const MathCase& c : kCases) {
    for (const char* form : {"_loop", "_vec"}) {
      const std::string name = std::string(c.name) + form;
      double worst = 0;
      float worst_at = 0;
      int64_t mismatches = 0;
      std::vector<float> x;
      for (uint64_t b = 0; b < (uint64_t{1} << 32); b += kStride) {
        const uint32_t bits = static_cast<uint32_t>(b);
        float f;
        std::memcpy(&f, &bits, 4);
        x.push_back(f);
        if (x.size() < kChunk && b + kStride < (uint64_t{1} << 32)) continue;
        while (x.size() % 8 != 0) x.push_back(1.0f);
        const std::vector<float> y = run(name, x);
        for (size_t k = 0; k < x.size(); ++k) {
          const double want = c.reference(x[k]);
          const float want_f = static_cast<float>(want);
          if (std::isnan(want_f) || std::isnan(y[k]) || std::isinf(want_f) || std::isinf(y[k])) {
            const bool same = (std::isnan(want_f) && std::isnan(y[k])) || want_f == y[k];
            if (!same && mismatches++ < 5) {
              ADD_FAILURE() << name << "(" << x[k] << ") = " << y[k] << ", libm " << want;
            }
            continue;
          }
          const double e = ulp_error(y[k], want);
          if (e > worst) worst = e, worst_at = x[k];
        }
        x.clear();
      }
      std::printf("[ accuracy ] %-12s max error %.3f ulp at %a\n", name.c_str(), worst, worst_at);
      EXPECT_LE(worst, c.max_ulp) << name << " at " << worst_at;
      EXPECT_EQ(mismatches, 0) << name;
    }
  }
}

// The edges, exactly as libm gives them.
TEST_F(VectorMathTest, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {0.0f, -0.0f, inf, -inf, 88.72f, 88.73f, -103.0f, -110.0f};
  for (const char* form : {"_loop", "_vec"}) {
    SCOPED_TRACE(form);
    std::vector<float> e = run(std::string("exp") + form, x);
    EXPECT_EQ(e[0], 1.0f);
    EXPECT_EQ(e[2], inf);
    EXPECT_EQ(e[3], 0.0f);
    EXPECT_TRUE(std::isfinite(e[4]) && e[4] > 3e38f);
    EXPECT_EQ(e[5], inf);
    EXPECT_GT(e[6], 0.0f);  // subnormal, not flushed
    EXPECT_EQ(e[7], 0.0f);
    std::vector<float> l = run(std::string("log") + form, x);
    EXPECT_EQ(l[0], -inf);
    EXPECT_EQ(l[1], -inf);
    EXPECT_EQ(l[2], inf);
    EXPECT_TRUE(std::isnan(l[3]));
    std::vector<float> r = run(std::string("erf") + form, x);
    EXPECT_TRUE(r[1] == 0.0f && std::signbit(r[1]));
    EXPECT_EQ(r[2], 1.0f);
    EXPECT_EQ(r[3], -1.0f);
    std::vector<float> t = run(std::string("tanh") + form, x);
    EXPECT_TRUE(t[1] == 0.0f && std::signbit(t[1]));
    EXPECT_EQ(t[2], 1.0f);
    EXPECT_EQ(t[3], -1.0f);
    std::vector<float> s = run(std::string("sigmoid") + form, x);
    EXPECT_EQ(s[0], 0.5f);
    EXPECT_EQ(s[2], 1.0f);
    EXPECT_EQ(s[3], 0.0f);
    EXPECT_GT(s[6], 0.0f);
    for (const char* f : {"exp", "log", "erf", "tanh", "sigmoid"}) {
      std::vector<float> nan = run(std::string(f) + form,
                                   std::vector<float>(8, std::numeric_limits<float>::quiet_NaN()));
      EXPECT_TRUE(std::isnan(nan[0])) << f;
    }
  }
}

}  // namespace
}  // namespace stitch::codegen::cpp
