// Templates of MatMul (batched, NumPy-broadcast batch dims, 1-D promotion) and Gemm. Part of
// lower/templates/; complex anchors. The scalar template here accumulates each output element
// over K in a scalar accumulator. MatMuls with a constant B are packed by
// passes/pack_matmul_weights.h and take the microkernel path (matmul_packed.cc); float32
// MatMuls of two activations that are large enough take it too, packing both operands on the
// fly (matmul_dynamic.cc). The scalar template keeps every other dtype and the tiny ones.
#include "lower/templates/matmul_dynamic.h"
#include "lower/templates/matmul_packed.h"
#include "lower/templates/template_registry.h"

namespace stitch::lower {
namespace {

using kir::Expr;

// out_idx split into (batch, m, n) for operand shapes a and b (1-D operands promoted as ONNX
// says: a 1-D A has no m dim in the output, a 1-D B no n dim).
struct MatMulIndex {
  Index a, b;  // full indices into A and B, with k filled in later
};

MatMulIndex matmul_index(const Shape& a, const Shape& b, const Shape& out, const Index& out_idx,
                         const Expr& k) {
  const bool has_m = a.size() >= 2, has_n = b.size() >= 2;
  const size_t batch_rank = out.size() - (has_m ? 1 : 0) - (has_n ? 1 : 0);
  Shape out_batch(out.begin(), out.begin() + batch_rank);
  Index batch(out_idx.begin(), out_idx.begin() + batch_rank);
  MatMulIndex r;
  if (has_m) {
    Shape a_batch(a.begin(), a.end() - 2);
    r.a = broadcast_index(a_batch, out_batch, batch);
    r.a.push_back(out_idx[batch_rank]);
  }
  r.a.push_back(k);
  if (has_n) {
    Shape b_batch(b.begin(), b.end() - 2);
    r.b = broadcast_index(b_batch, out_batch, batch);
  }
  r.b.push_back(k);
  if (has_n) r.b.push_back(out_idx.back());
  return r;
}

Expected<kir::Stmt> lower_matmul(LowerContext& ctx, const graph::Node& n) {
  if (matmul_dynamic_applies(n)) return lower_matmul_dynamic(ctx, n);
  const graph::Value* a = n.input(0);
  const graph::Value* b = n.input(1);
  const graph::Value* out = n.output(0);
  const int64_t k_extent = a->shape().back();
  const DType dt = out->dtype();
  AccFn update = [&](const Index& idx, const Index& red, const std::vector<Expr>& acc) {
    MatMulIndex mi = matmul_index(a->shape(), b->shape(), out->shape(), idx, red[0]);
    return std::vector<Expr>{acc[0] + ctx.read(a, mi.a) * ctx.read(b, mi.b)};
  };
  FinalFn final = [](const Index&, const std::vector<Expr>& acc) { return acc[0]; };
  return reduce_nest(ctx, out, {k_extent}, dt, {0.0}, update, final);
}

// Y = alpha * op(A) * op(B) + beta * C, C broadcast to [M, N].
Expected<kir::Stmt> lower_gemm(LowerContext& ctx, const graph::Node& n) {
  const graph::Value* a = n.input(0);
  const graph::Value* b = n.input(1);
  const graph::Value* c = n.has_input(2) ? n.input(2) : nullptr;
  const graph::Value* out = n.output(0);
  const bool trans_a = n.attr_int("transA", 0) != 0, trans_b = n.attr_int("transB", 0) != 0;
  const double alpha = n.attr_float("alpha", 1.0f), beta = n.attr_float("beta", 1.0f);
  const int64_t k_extent = trans_a ? a->shape()[0] : a->shape()[1];
  const DType dt = out->dtype();
  AccFn update = [&, trans_a, trans_b](const Index& idx, const Index& red,
                                       const std::vector<Expr>& acc) {
    Index ai = trans_a ? Index{red[0], idx[0]} : Index{idx[0], red[0]};
    Index bi = trans_b ? Index{idx[1], red[0]} : Index{red[0], idx[1]};
    return std::vector<Expr>{acc[0] + ctx.read(a, ai) * ctx.read(b, bi)};
  };
  FinalFn final = [&, alpha, beta](const Index& idx, const std::vector<Expr>& acc) {
    Expr y = alpha == 1.0 ? acc[0] : acc[0] * constant(dt, alpha);
    if (c == nullptr || beta == 0.0) return y;
    Expr cv = ctx.read(c, broadcast_index(c->shape(), out->shape(), idx));
    return y + (beta == 1.0 ? cv : cv * constant(dt, beta));
  };
  return reduce_nest(ctx, out, {k_extent}, dt, {0.0}, update, final);
}

}  // namespace

void register_matmul_templates(TemplateTable& t) {
  t.push_back({"MatMul", OpTemplate{nullptr, lower_matmul}});
  t.push_back({"Gemm", OpTemplate{nullptr, lower_gemm}});
  register_matmul_packed_templates(t);
}

}  // namespace stitch::lower
