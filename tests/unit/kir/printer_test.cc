// Golden-text tests of the kernel-IR printer (what --print-after=lower shows).
// Part of tests/unit/kir/.
#include "kir/printer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kir/kir.h"

namespace stitch::kir {
namespace {

// y[i, j] = max(x[i, j], 0) over an n x 16 tensor, rows in parallel, columns vectorized.
Kernel add_relu_kernel() {
  Var n = make_var("n");
  Buffer x = make_buffer("x", DType::kFloat32, {n, int_imm(16)}, BufferKind::kInput);
  Buffer y = make_buffer("y", DType::kFloat32, {n, int_imm(16)}, BufferKind::kOutput);
  Var i = make_var("i"), j = make_var("j");
  Expr index = flat_index(y, {i, j});
  Stmt body = store(y, index, max(load(x, index), float_imm(0.0)));
  body = for_loop(j, int_imm(0), int_imm(16), ForKind::kVectorized, body);
  body = for_loop(i, int_imm(0), n, ForKind::kParallel, body);
  return make_kernel("add_relu", {x, y}, {n}, body);
}

TEST(KirPrinter, ScalarKernel) {
  EXPECT_EQ(to_string(add_relu_kernel()),
            "kernel add_relu(input x: float32[n, 16], output y: float32[n, 16], n: int64) {\n"
            "  parallel for i in [0, n) {\n"
            "    vectorized for j in [0, 16) {\n"
            "      y[i * 16 + j] = max(x[i * 16 + j], 0.0f)\n"
            "    }\n"
            "  }\n"
            "}\n");
}

// A 6x16 GEMM tile through a microkernel, accumulating in a scratch buffer, with a vector
// epilogue (bias + relu) guarded by a bounds check.
TEST(KirPrinter, MicrokernelScratchAndVectors) {
  Buffer a = make_buffer("A", DType::kFloat32, std::vector<int64_t>{64, 32}, BufferKind::kInput);
  Buffer b = make_buffer("B", DType::kFloat32, std::vector<int64_t>{32, 16}, BufferKind::kConstant);
  Buffer bias =
      make_buffer("bias", DType::kFloat32, std::vector<int64_t>{16}, BufferKind::kConstant);
  Buffer c = make_buffer("C", DType::kFloat32, std::vector<int64_t>{64, 16}, BufferKind::kOutput);
  Buffer acc =
      make_buffer("acc", DType::kFloat32, std::vector<int64_t>{6, 16}, BufferKind::kScratch);
  Var m = make_var("m"), r = make_var("r"), row = make_var("row");
  Stmt gemm =
      microkernel_call("brgemm_f32_6x16", {{a, m * 6 * 32}, {b, int_imm(0)}, {acc, int_imm(0)}},
                       {int_imm(32), int_imm(32), int_imm(16), int_imm(16)});
  Expr v = vector_load(acc, r * 16, 16) + vector_load(bias, int_imm(0), 16);
  Expr relu = max(v, broadcast(float_imm(0.0), 16));
  Stmt epilogue =
      let_stmt(row, m * 6 + r, if_then_else(lt(row, int_imm(64)), vector_store(c, row * 16, relu)));
  Stmt body =
      allocate(acc, seq({gemm, for_loop(r, int_imm(0), int_imm(6), ForKind::kUnrolled, epilogue)}));
  body = for_loop(m, int_imm(0), int_imm(11), ForKind::kParallel, body);
  EXPECT_EQ(to_string(make_kernel("matmul_bias_relu", {a, b, bias, c}, {}, body)),
            "kernel matmul_bias_relu(input A: float32[64, 32], constant B: float32[32, 16], "
            "constant bias: float32[16], output C: float32[64, 16]) {\n"
            "  parallel for m in [0, 11) {\n"
            "    allocate scratch acc: float32[6, 16] {\n"
            "      microkernel brgemm_f32_6x16(&A[m * 6 * 32], &B[0], &acc[0], 32, 32, 16, 16)\n"
            "      unrolled for r in [0, 6) {\n"
            "        let row: int64 = m * 6 + r\n"
            "        if (row < 64) {\n"
            "          C[ramp(row * 16, 1, 16)] = max(acc[ramp(r * 16, 1, 16)] + "
            "bias[ramp(0, 1, 16)], broadcast(0.0f, 16))\n"
            "        }\n"
            "      }\n"
            "    }\n"
            "  }\n"
            "}\n");
}

TEST(KirPrinter, Expressions) {
  Var x = make_var("x"), y = make_var("y");
  Var f = make_var("f", DType::kFloat32);
  // Parentheses only where needed, and on the right of a same-precedence operator.
  EXPECT_EQ(to_string((x + y) * 2), "(x + y) * 2");
  EXPECT_EQ(to_string(x + y * 2), "x + y * 2");
  EXPECT_EQ(to_string(x - (y - 1)), "x - (y - 1)");
  EXPECT_EQ(to_string(x - y - 1), "x - y - 1");
  EXPECT_EQ(to_string(x / (y * 2)), "x / (y * 2)");
  EXPECT_EQ(to_string(logical_or(logical_and(lt(x, y), ge(x, int_imm(0))), eq(y, int_imm(3)))),
            "x < y && x >= 0 || y == 3");
  EXPECT_EQ(to_string(logical_and(logical_or(lt(x, y), ne(x, y)), le(y, x))),
            "(x < y || x != y) && y <= x");
  EXPECT_EQ(to_string(logical_not(lt(x, y))), "!(x < y)");
  EXPECT_EQ(to_string(select(gt(x, y), f, call("exp", f->type, {f}))), "select(x > y, f, exp(f))");
  EXPECT_EQ(to_string(cast(Type{DType::kFloat32, 1}, x) * f), "float32(x) * f");
  EXPECT_EQ(to_string(ramp(x, int_imm(2), 4) + broadcast(y, 4)), "ramp(x, 2, 4) + broadcast(y, 4)");
}

TEST(KirPrinter, Immediates) {
  EXPECT_EQ(to_string(int_imm(-3)), "-3");
  EXPECT_EQ(to_string(int_imm(3, DType::kInt32)), "int32(3)");
  EXPECT_EQ(to_string(bool_imm(true)), "true");
  EXPECT_EQ(to_string(float_imm(0.1)), "0.1f");
  EXPECT_EQ(to_string(float_imm(1e-20)), "1e-20f");
  EXPECT_EQ(to_string(float_imm(0.1, DType::kFloat64)), "0.1");
  EXPECT_EQ(to_string(float_imm(2.0, DType::kFloat64)), "2.0");
  EXPECT_EQ(to_string(float_imm(1.5, DType::kFloat16)), "float16(1.5)");
  EXPECT_EQ(to_string(float_imm(-std::numeric_limits<double>::infinity())), "float32(-inf)");
}

TEST(KirPrinter, DistinctVariablesWithOneNameGetDistinctNames) {
  Buffer out = make_buffer("out", DType::kInt64, std::vector<int64_t>{8}, BufferKind::kOutput);
  Var i1 = make_var("i"), i2 = make_var("i");
  Stmt first = for_loop(i1, int_imm(0), int_imm(4), ForKind::kSerial, store(out, i1, i1));
  Stmt second = for_loop(i2, int_imm(4), int_imm(4), ForKind::kSerial, store(out, i2, i2 * 2));
  EXPECT_EQ(to_string(seq({first, second, if_then_else(eq(i1, i2), first, second)})),
            "for i in [0, 4) {\n"
            "  out[i] = i\n"
            "}\n"
            "for i_1 in [4, 8) {\n"
            "  out[i_1] = i_1 * 2\n"
            "}\n"
            "if (i == i_1) {\n"
            "  for i in [0, 4) {\n"
            "    out[i] = i\n"
            "  }\n"
            "} else {\n"
            "  for i_1 in [4, 8) {\n"
            "    out[i_1] = i_1 * 2\n"
            "  }\n"
            "}\n");
}

// A let's scope is visible in the text: the two trees below must not print alike.
TEST(KirPrinter, LetScopes) {
  Buffer out = make_buffer("out", DType::kInt64, std::vector<int64_t>{8}, BufferKind::kOutput);
  Var x = make_var("x");
  Stmt use = store(out, int_imm(0), x);
  Stmt after = store(out, int_imm(1), int_imm(7));
  EXPECT_EQ(to_string(let_stmt(x, int_imm(3), seq({use, after}))),
            "let x: int64 = 3\n"
            "out[0] = x\n"
            "out[1] = 7\n");
  EXPECT_EQ(to_string(seq({let_stmt(x, int_imm(3), use), after})),
            "let x: int64 = 3 {\n"
            "  out[0] = x\n"
            "}\n"
            "out[1] = 7\n");
}

TEST(KirPrinter, NonIndexLoopVariablesShowTheirType) {
  Var k = make_var("k", DType::kInt32);
  Buffer out = make_buffer("out", DType::kInt32, std::vector<int64_t>{8}, BufferKind::kOutput);
  Stmt s = for_loop(k, int_imm(0, DType::kInt32), int_imm(8, DType::kInt32), ForKind::kSerial,
                    store(out, k, k * int_imm(3, DType::kInt32)));
  EXPECT_EQ(to_string(s),
            "for k: int32 in [int32(0), int32(8)) {\n"
            "  out[k] = k * int32(3)\n"
            "}\n");
}

}  // namespace
}  // namespace stitch::kir
