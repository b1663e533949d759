// Reference kernels of the stitch-domain blocked-layout ops (graph/ops/layout.cc). Part of
// reference/kernels/; they let the interpreter run a graph after layout assignment, which is
// how the pass is tested, and let constant folding see through them.
#include "graph/ops/nn_util.h"
#include "reference/kernel_registry.h"

namespace stitch::reference {
namespace {

Status conv_nchwc(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  if (x.dtype() != DType::kFloat32 || w.dtype() != DType::kFloat32) {
    return error("unsupported: ConvNCHWc on ", dtype_name(x.dtype()));
  }
  const Tensor* bias = ctx.has_input(2) ? &ctx.input(2) : nullptr;
  Tensor& y = ctx.output(0);
  const int64_t n_batch = x.dim(0), cb = x.dim(1), h = x.dim(2), wd = x.dim(3), b = x.dim(4);
  const int64_t mb = w.dim(0), kh = w.dim(2), kw = w.dim(3);
  STITCH_ASSIGN_OR_RETURN(graph::nn::WindowGeometry g,
                          graph::nn::window_geometry(ctx.node(), {h, wd}, {kh, kw}, false));
  const int64_t oh = g.output[0], ow = g.output[1];
  const float* xd = x.data<float>();
  const float* wdata = w.data<float>();
  float* yd = y.data<float>();
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t m = 0; m < mb; ++m)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j)
          for (int64_t mo = 0; mo < b; ++mo) {
            double acc = bias ? bias->data<float>()[m * b + mo] : 0.0;
            for (int64_t c = 0; c < cb; ++c)
              for (int64_t p = 0; p < kh; ++p)
                for (int64_t q = 0; q < kw; ++q) {
                  int64_t r = i * g.strides[0] - g.pads_begin[0] + p * g.dilations[0];
                  int64_t s = j * g.strides[1] - g.pads_begin[1] + q * g.dilations[1];
                  if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                  const float* xv = xd + (((n * cb + c) * h + r) * wd + s) * b;
                  const float* wv = wdata + ((((m * cb + c) * kh + p) * kw + q) * b) * b + mo;
                  for (int64_t ci = 0; ci < b; ++ci) acc += double(xv[ci]) * wv[ci * b];
                }
            yd[(((n * mb + m) * oh + i) * ow + j) * b + mo] = static_cast<float>(acc);
          }
  return Status::ok();
}

// Y[r, n] = sum_k A[r, k] * B[n / 16, k, n % 16] over the rows r of A's leading dims, summed in
// double.
Status matmul_packed(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dtype() != DType::kFloat32 || b.dtype() != DType::kFloat32) {
    return error("unsupported: MatMulPacked on ", dtype_name(a.dtype()));
  }
  Tensor& y = ctx.output(0);
  const int64_t k_extent = b.dim(1), n_extent = ctx.node().attr_int("N", 0);
  const int64_t rows = k_extent == 0 ? shape_numel(y.shape()) / n_extent : a.numel() / k_extent;
  const float* ad = a.data<float>();
  const float* bd = b.data<float>();
  float* yd = y.data<float>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t n = 0; n < n_extent; ++n) {
      double acc = 0.0;
      const float* bp = bd + (n / 16) * k_extent * 16 + n % 16;
      for (int64_t k = 0; k < k_extent; ++k) acc += double(ad[r * k_extent + k]) * bp[k * 16];
      yd[r * n_extent + n] = static_cast<float>(acc);
    }
  return Status::ok();
}

}  // namespace

void register_layout_kernels(KernelRegistry& r) {
  r.add("stitch", "ConvNCHWc", conv_nchwc);
  r.add("stitch", "MatMulPacked", matmul_packed);
}

}  // namespace stitch::reference
