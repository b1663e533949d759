// Kernels emitted as C++, compiled with the system compiler, loaded and called through the
// kernel ABI, with and without a parallel_for; results compared with values computed here.
// Part of tests/unit/codegen/. All kernels share one translation unit, compiled once.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "codegen/cpp/emit_cpp.h"
#include "codegen/toolchain/shared_object.h"
#include "codegen/toolchain/toolchain.h"
#include "stitch/kernel_abi.h"
#include "support/half.h"

namespace stitch::codegen::cpp {
namespace {

using namespace kir;  // NOLINT(build/namespaces): the tests build IR by hand

const Type kF32{DType::kFloat32, 1};

Expr f32(double v) { return float_imm(v); }
Buffer buffer(const char* name, DType t, std::vector<Expr> shape, BufferKind kind) {
  return make_buffer(name, t, std::move(shape), kind);
}

// y[r, :] = a[r, :] + b[r, :] over 64 columns: parallel rows, a vectorized loop of 8 lanes.
Kernel add_kernel() {
  Var n = make_var("n"), r = make_var("r"), j = make_var("j");
  Buffer a = buffer("a", DType::kFloat32, {n, int_imm(64)}, BufferKind::kInput);
  Buffer b = buffer("b", DType::kFloat32, {n, int_imm(64)}, BufferKind::kInput);
  Buffer y = buffer("y", DType::kFloat32, {n, int_imm(64)}, BufferKind::kOutput);
  Expr base = Expr(r) * 64 + Expr(j) * 8;
  Stmt inner = for_loop(j, int_imm(0), int_imm(8), ForKind::kVectorized,
                        vector_store(y, base, vector_load(a, base, 8) + vector_load(b, base, 8)));
  return make_kernel("add", {a, b, y}, {n}, for_loop(r, int_imm(0), n, ForKind::kParallel, inner));
}

// y[r] = sum of x[r, 0..37) through an 8-slot stack accumulator per row, staged through a
// symbolic-size heap scratch `tmp` and a large constant-size heap scratch `big`.
Kernel row_sum_kernel() {
  Var n = make_var("n"), r = make_var("r"), l = make_var("l"), c = make_var("c");
  Buffer x = buffer("x", DType::kFloat32, {n, int_imm(37)}, BufferKind::kInput);
  Buffer y = buffer("y", DType::kFloat32, {n}, BufferKind::kOutput);
  Buffer tmp = buffer("tmp", DType::kFloat32, {n}, BufferKind::kScratch);
  Buffer acc = buffer("acc", DType::kFloat32, {int_imm(8)}, BufferKind::kScratch);
  Buffer big = buffer("big", DType::kFloat32, {int_imm(5000)}, BufferKind::kScratch);
  Expr total = load(acc, int_imm(0));
  for (int k = 1; k < 8; ++k) total = total + load(acc, int_imm(k));
  Stmt row = allocate(
      acc, seq({for_loop(l, int_imm(0), int_imm(8), ForKind::kUnrolled, store(acc, l, f32(0))),
                for_loop(c, int_imm(0), int_imm(37), ForKind::kSerial,
                         store(acc, Expr(c) % 8,
                               load(acc, Expr(c) % 8) + load(x, Expr(r) * 37 + Expr(c)))),
                store(tmp, r, total)}));
  Var r2 = make_var("r");
  Stmt copy_out = allocate(big, for_loop(r2, int_imm(0), n, ForKind::kSerial,
                                         seq({store(big, Expr(r2) % 5000, load(tmp, r2)),
                                              store(y, r2, load(big, Expr(r2) % 5000))})));
  Stmt body = allocate(tmp, seq({for_loop(r, int_imm(0), n, ForKind::kParallel, row), copy_out}));
  return make_kernel("row_sum", {x, y}, {n}, body);
}

// Floor division and modulo of int64 (scalar and 4-lane vector) and int32.
Kernel divmod_kernel() {
  Var i = make_var("i"), v = make_var("v");
  auto buf = [](const char* name, DType t, BufferKind kind) {
    return make_buffer(name, t, std::vector<int64_t>{16}, kind);
  };
  Buffer a = buf("a", DType::kInt64, BufferKind::kInput),
         b = buf("b", DType::kInt64, BufferKind::kInput);
  Buffer q = buf("q", DType::kInt64, BufferKind::kOutput),
         m = buf("m", DType::kInt64, BufferKind::kOutput);
  Buffer q32 = buf("q32", DType::kInt32, BufferKind::kOutput);
  Buffer qv = buf("qv", DType::kInt64, BufferKind::kOutput),
         mv = buf("mv", DType::kInt64, BufferKind::kOutput);
  const Type i32{DType::kInt32, 1};
  Stmt scalar = seq({store(q, i, load(a, i) / load(b, i)), store(m, i, load(a, i) % load(b, i)),
                     store(q32, i, cast(i32, load(a, i)) / cast(i32, load(b, i)))});
  Expr base = Expr(v) * 4;
  Stmt vector = seq({vector_store(qv, base, vector_load(a, base, 4) / vector_load(b, base, 4)),
                     vector_store(mv, base, vector_load(a, base, 4) % 3)});
  return make_kernel("divmod", {a, b, q, m, q32, qv, mv}, {},
                     seq({for_loop(i, int_imm(0), int_imm(16), ForKind::kSerial, scalar),
                          for_loop(v, int_imm(0), int_imm(4), ForKind::kSerial, vector)}));
}

// An if/else with a select, a vector select on float32 lanes, and a vector
// select on float64 lanes (a mask widened to 64-bit lanes).
Kernel select_kernel() {
  Var n = make_var("n"), i = make_var("i"), v = make_var("v"), h = make_var("h");
  Buffer x = buffer("x", DType::kFloat32, {n}, BufferKind::kInput);
  Buffer y = buffer("y", DType::kFloat32, {n}, BufferKind::kOutput);
  Buffer z = buffer("z", DType::kFloat32, {n}, BufferKind::kOutput);
  Buffer w = buffer("w", DType::kFloat64, {n}, BufferKind::kOutput);
  Expr xi = load(x, i);
  Expr in_band = logical_and(lt(xi, f32(-1)), logical_not(lt(xi, f32(-3))));
  Stmt branchy = if_then_else(gt(xi, f32(0)), store(y, i, xi),
                              store(y, i, select(in_band, f32(-1), xi * f32(0.5))));
  Expr vec = vector_load(x, Expr(v) * 8, 8);
  Expr zero8 = broadcast(f32(0), 8);
  Stmt zstore = vector_store(z, Expr(v) * 8, select(gt(vec, zero8), vec, zero8 - vec));
  Expr d = cast(Type{DType::kFloat64, 4}, vector_load(x, Expr(v) * 8 + Expr(h) * 4, 4));
  Expr zero4 = broadcast(float_imm(0, DType::kFloat64), 4);
  Stmt wstore = vector_store(w, Expr(v) * 8 + Expr(h) * 4, select(lt(d, zero4), zero4 - d, d));
  Stmt vec_part = seq({zstore, for_loop(h, int_imm(0), int_imm(2), ForKind::kUnrolled, wstore)});
  return make_kernel("select_if", {x, y, z, w}, {n},
                     seq({for_loop(i, int_imm(0), n, ForKind::kSerial, branchy),
                          for_loop(v, int_imm(0), Expr(n) / 8, ForKind::kVectorized, vec_part)}));
}

// Lets (one followed by more statements, so it gets a block) and math calls, scalar and
// lane-wise: y = sigmoid(2x) + 2x, z = exp(x), w = tanh(x) on 4 lanes.
Kernel let_call_kernel() {
  Var n = make_var("n"), i = make_var("i"), s = make_var("s", DType::kFloat32),
      t = make_var("t", DType::kFloat32), v = make_var("v");
  Buffer x = buffer("x", DType::kFloat32, {n}, BufferKind::kInput);
  Buffer y = buffer("y", DType::kFloat32, {n}, BufferKind::kOutput);
  Buffer z = buffer("z", DType::kFloat32, {n}, BufferKind::kOutput);
  Buffer w = buffer("w", DType::kFloat32, {n}, BufferKind::kOutput);
  Stmt body = let_stmt(s, load(x, i) * f32(2),
                       seq({let_stmt(t, call("sigmoid", kF32, {s}), store(y, i, Expr(t) + Expr(s))),
                            store(z, i, call("exp", kF32, {load(x, i)}))}));
  Stmt lanes = vector_store(
      w, Expr(v) * 4, call("tanh", Type{DType::kFloat32, 4}, {vector_load(x, Expr(v) * 4, 4)}));
  return make_kernel("let_call", {x, y, z, w}, {n},
                     seq({for_loop(i, int_imm(0), n, ForKind::kParallel, body),
                          for_loop(v, int_imm(0), Expr(n) / 4, ForKind::kSerial, lanes)}));
}

// float16 memory: o = h * 3 (rounded at the store), scalar for [0, 8) and 8-lane for [8, 16);
// f = float32(h).
Kernel half_kernel() {
  Var i = make_var("i");
  Buffer h = make_buffer("h", DType::kFloat16, std::vector<int64_t>{16}, BufferKind::kInput);
  Buffer o = make_buffer("o", DType::kFloat16, std::vector<int64_t>{16}, BufferKind::kOutput);
  Buffer f = make_buffer("f", DType::kFloat32, std::vector<int64_t>{16}, BufferKind::kOutput);
  Expr three = float_imm(3, DType::kFloat16);
  Stmt scalar = store(o, i, load(h, i) * three);
  Stmt vector = seq(
      {vector_store(o, int_imm(8), vector_load(h, int_imm(8), 8) * broadcast(three, 8)),
       vector_store(f, int_imm(0), cast(Type{DType::kFloat32, 8}, vector_load(h, int_imm(0), 8))),
       vector_store(f, int_imm(8), cast(Type{DType::kFloat32, 8}, vector_load(h, int_imm(8), 8)))});
  return make_kernel("half", {h, o, f}, {},
                     seq({for_loop(i, int_imm(0), int_imm(8), ForKind::kSerial, scalar), vector}));
}

// A parallel loop inside a parallel loop (emitted serially) over a begin offset of 1.
Kernel nested_kernel() {
  Var i = make_var("i"), j = make_var("j");
  Buffer out = make_buffer("out", DType::kInt64, std::vector<int64_t>{4 * 5}, BufferKind::kOutput);
  Stmt inner = for_loop(j, int_imm(1), int_imm(5), ForKind::kParallel,
                        store(out, Expr(i) * 5 + Expr(j) - 1, Expr(i) * 10 + Expr(j)));
  return make_kernel("nested", {out}, {},
                     for_loop(i, int_imm(0), int_imm(4), ForKind::kParallel, inner));
}

// A parallel_for that splits [0, n) into 3 ranges run on 3 threads, counting its calls.
void three_way(void* pool, int64_t n, void (*fn)(void*, int64_t, int64_t), void* closure) {
  static_cast<std::atomic<int>*>(pool)->fetch_add(1);
  const int64_t cuts[4] = {0, n / 3, 2 * n / 3, n};
  std::vector<std::thread> threads;
  for (int k = 0; k < 3; ++k) {
    if (cuts[k] < cuts[k + 1]) threads.emplace_back(fn, closure, cuts[k], cuts[k + 1]);
  }
  for (std::thread& t : threads) t.join();
}

class EmitCppRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/stitch-codegen-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    Expected<std::string> source =
        emit_translation_unit({add_kernel(), row_sum_kernel(), divmod_kernel(), select_kernel(),
                               let_call_kernel(), half_kernel(), nested_kernel()},
                              toolchain::Target::host());
    ASSERT_TRUE(source) << source.status().message();
    toolchain::ToolchainOptions options;
    options.cache_dir = dir_ + "/cache";
    options.jobs = 1;
    Expected<toolchain::Toolchain> tc = toolchain::Toolchain::create(std::move(options));
    ASSERT_TRUE(tc) << tc.status().message();
    const auto start = std::chrono::steady_clock::now();
    Expected<toolchain::BuildResult> built = tc->build({{"codegen_test", *source}});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(built) << built.status().message();
    std::printf("[ compile  ] emitted test TU (%zu bytes) compiled in %.2f s\n", source->size(),
                seconds);
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

  // Runs kernel `name` serially and through three_way; `reset` clears the outputs before each
  // run and returns the buffer pointers, `check` compares the outputs.
  template <typename Reset, typename Check>
  void run_both(const std::string& name, std::vector<int64_t> scalars, Reset reset, Check check) {
    ASSERT_NE(library_, nullptr);
    auto fn = library_->function<void(void* const*, const int64_t*, const stitch_parallel_api*)>(
        "stitch_kernel_" + name);
    ASSERT_TRUE(fn) << fn.status().message();
    std::atomic<int> calls{0};
    const stitch_parallel_api api{&calls, &three_way};
    for (const stitch_parallel_api* parallel :
         {static_cast<const stitch_parallel_api*>(nullptr), &api}) {
      SCOPED_TRACE(parallel ? "with parallel_for" : "serial");
      std::vector<void*> buffers = reset();
      (*fn)(buffers.data(), scalars.data(), parallel);
      check();
    }
    parallel_calls_ = calls.load();
  }

  static std::string dir_;
  static toolchain::SharedObject* library_;
  int parallel_calls_ = 0;
};
std::string EmitCppRunTest::dir_;
toolchain::SharedObject* EmitCppRunTest::library_ = nullptr;

std::vector<float> ramp_data(size_t n, float scale, float offset) {
  std::vector<float> v(n);
  for (size_t k = 0; k < n; ++k) v[k] = static_cast<float>(k) * scale + offset;
  return v;
}

TEST_F(EmitCppRunTest, ParallelVectorizedAdd) {
  const int64_t n = 7;
  std::vector<float> a = ramp_data(n * 64, 0.5f, -3), b = ramp_data(n * 64, -0.25f, 1), y;
  run_both(
      "add", {n},
      [&] {
        y.assign(n * 64, -1);
        return std::vector<void*>{a.data(), b.data(), y.data()};
      },
      [&] {
        for (size_t k = 0; k < y.size(); ++k) ASSERT_EQ(y[k], a[k] + b[k]) << k;
      });
}

TEST_F(EmitCppRunTest, AddWithParallelCallsThePool) {
  const int64_t n = 5;
  std::vector<float> a = ramp_data(n * 64, 1, 0), b = ramp_data(n * 64, 2, 0), y(n * 64);
  run_both(
      "add", {n},
      [&] {
        return std::vector<void*>{a.data(), b.data(), y.data()};
      },
      [] {});
  EXPECT_EQ(parallel_calls_, 1);
}

TEST_F(EmitCppRunTest, ReductionWithScratch) {
  const int64_t n = 11;
  std::vector<float> x = ramp_data(n * 37, 0.125f, -20), y;
  std::vector<float> expected(n);
  for (int64_t r = 0; r < n; ++r) {
    float acc[8] = {};
    for (int c = 0; c < 37; ++c) acc[c % 8] += x[r * 37 + c];
    float total = acc[0];
    for (int k = 1; k < 8; ++k) total += acc[k];
    expected[r] = total;
  }
  run_both(
      "row_sum", {n},
      [&] {
        y.assign(n, -1);
        return std::vector<void*>{x.data(), y.data()};
      },
      [&] {
        for (int64_t r = 0; r < n; ++r) EXPECT_FLOAT_EQ(y[r], expected[r]) << r;
      });
}

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

TEST_F(EmitCppRunTest, FloorDivisionAndModuloOnNegatives) {
  std::vector<int64_t> a = {-7, 7, -7, 7, -8, 8, 0, -1, 1, -9, 9, -6, 13, -13, 5, -5};
  std::vector<int64_t> b = {2, -2, -2, 2, 4, -4, 3, 3, -3, 4, -4, 3, 5, 5, -5, -5};
  std::vector<int64_t> q(16), m(16), qv(16), mv(16);
  std::vector<int32_t> q32(16);
  run_both(
      "divmod", {},
      [&] {
        return std::vector<void*>{a.data(),   b.data(),  q.data(), m.data(),
                                  q32.data(), qv.data(), mv.data()};
      },
      [&] {
        for (int k = 0; k < 16; ++k) {
          const int64_t fq = floor_div(a[k], b[k]);
          EXPECT_EQ(q[k], fq) << a[k] << " / " << b[k];
          EXPECT_EQ(m[k], a[k] - fq * b[k]) << a[k] << " % " << b[k];
          EXPECT_EQ(q32[k], fq) << k;
          EXPECT_EQ(qv[k], fq) << k;
          EXPECT_EQ(mv[k], a[k] - floor_div(a[k], 3) * 3) << a[k] << " % 3";
        }
      });
  EXPECT_EQ(m[0], 1);  // -7 mod 2 = 1, -7 div 2 = -4
  EXPECT_EQ(q[0], -4);
}

TEST_F(EmitCppRunTest, IfAndSelect) {
  const int64_t n = 32;
  std::vector<float> x = ramp_data(n, 0.3f, -5.1f), y, z;
  std::vector<double> w;
  run_both(
      "select_if", {n},
      [&] {
        y.assign(n, 99);
        z.assign(n, 99);
        w.assign(n, 99);
        return std::vector<void*>{x.data(), y.data(), z.data(), w.data()};
      },
      [&] {
        for (int64_t k = 0; k < n; ++k) {
          const float v = x[k];
          const float want = v > 0 ? v : (v < -1 && !(v < -3)) ? -1.0f : v * 0.5f;
          EXPECT_EQ(y[k], want) << v;
          EXPECT_EQ(z[k], v > 0 ? v : 0 - v) << v;
          EXPECT_EQ(w[k], std::fabs(static_cast<double>(v))) << v;
        }
      });
}

TEST_F(EmitCppRunTest, LetsAndMathCalls) {
  const int64_t n = 12;
  std::vector<float> x = ramp_data(n, 0.4f, -2.2f), y, z, w;
  run_both(
      "let_call", {n},
      [&] {
        y.assign(n, 0);
        z.assign(n, 0);
        w.assign(n, 0);
        return std::vector<void*>{x.data(), y.data(), z.data(), w.data()};
      },
      [&] {
        for (int64_t k = 0; k < n; ++k) {
          const float s = x[k] * 2.0f;
          // The prelude's sigmoid is within 3 ulp of libm's formula (vector_math_prelude.inc);
          // adding s cancels digits, so the bound is absolute: 3 ulp of values below 1.
          EXPECT_NEAR(y[k], 1.0f / (1.0f + std::exp(-s)) + s, 2e-7f) << k;
          EXPECT_FLOAT_EQ(z[k], std::exp(x[k])) << k;
          EXPECT_FLOAT_EQ(w[k], std::tanh(x[k])) << k;
        }
      });
}

TEST_F(EmitCppRunTest, Float16LoadsAndStoresRoundToNearestEven) {
  std::vector<Half> h(16), o(16);
  for (int k = 0; k < 16; ++k) h[k] = Half(0.1f * static_cast<float>(k * k) - 3.3f);
  std::vector<float> f(16);
  run_both(
      "half", {},
      [&] {
        return std::vector<void*>{h.data(), o.data(), f.data()};
      },
      [&] {
        for (int k = 0; k < 16; ++k) {
          EXPECT_EQ(o[k].bits, Half(static_cast<float>(h[k]) * 3.0f).bits) << k;
          EXPECT_EQ(f[k], static_cast<float>(h[k])) << k;
        }
      });
}

TEST_F(EmitCppRunTest, NestedParallelLoopRunsSerially) {
  std::vector<int64_t> out;
  run_both(
      "nested", {},
      [&] {
        out.assign(20, -1);
        return std::vector<void*>{out.data()};
      },
      [&] {
        for (int64_t i = 0; i < 4; ++i) {
          for (int64_t j = 1; j < 5; ++j) EXPECT_EQ(out[i * 5 + j - 1], i * 10 + j);
        }
      });
  EXPECT_EQ(parallel_calls_, 1);  // only the outer loop went to the pool
}

}  // namespace
}  // namespace stitch::codegen::cpp
