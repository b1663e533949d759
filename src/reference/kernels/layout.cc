// Reference kernels of the stitch-domain blocked-layout ops (graph/ops/layout.cc). Part of
// reference/kernels/; they let the interpreter run a graph after layout assignment, which is
// how the pass is tested, and let constant folding see through them.
#include <algorithm>
#include <limits>

#include "graph/ops/nn_util.h"
#include "reference/kernel_registry.h"

namespace stitch::reference {
namespace {

// Y = the blocked convolution of X by the packed weight W [M/b, C/b, KH, KW, b, b] (+ bias),
// summed in double.
Status direct_conv_nchwc(KernelContext& ctx, const Tensor& x, const Tensor& w, const Tensor* bias,
                         const char* op) {
  if (x.dtype() != DType::kFloat32 || w.dtype() != DType::kFloat32) {
    return error("unsupported: ", op, " on ", dtype_name(x.dtype()));
  }
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

Status conv_nchwc(KernelContext& ctx) {
  return direct_conv_nchwc(ctx, ctx.input(0), ctx.input(1),
                           ctx.has_input(2) ? &ctx.input(2) : nullptr, "ConvNCHWc");
}

// The exact direct convolution from the packed weight W (input 2); the Winograd weight U (input
// 1) is for compiled code only (see the schema in graph/ops/layout.cc).
Status conv_winograd_nchwc(KernelContext& ctx) {
  return direct_conv_nchwc(ctx, ctx.input(0), ctx.input(2),
                           ctx.has_input(3) ? &ctx.input(3) : nullptr, "ConvWinogradNCHWc");
}

// Y[n, c, i, j, l] = bias[c * b + l] + sum over the taps (p, q) inside X of
// X[n, c, r, s, l] * W[c, p, q, l], summed in double.
Status depthwise_conv_nchwc(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  if (x.dtype() != DType::kFloat32 || w.dtype() != DType::kFloat32) {
    return error("unsupported: DepthwiseConvNCHWc on ", dtype_name(x.dtype()));
  }
  const Tensor* bias = ctx.has_input(2) ? &ctx.input(2) : nullptr;
  const int64_t n_batch = x.dim(0), cb = x.dim(1), h = x.dim(2), wd = x.dim(3), b = x.dim(4);
  const int64_t kh = w.dim(1), kw = w.dim(2);
  STITCH_ASSIGN_OR_RETURN(graph::nn::WindowGeometry g,
                          graph::nn::window_geometry(ctx.node(), {h, wd}, {kh, kw}, false));
  const int64_t oh = g.output[0], ow = g.output[1];
  const float* xd = x.data<float>();
  const float* wdata = w.data<float>();
  float* yd = ctx.output(0).data<float>();
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t c = 0; c < cb; ++c)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j)
          for (int64_t l = 0; l < b; ++l) {
            double acc = bias ? bias->data<float>()[c * b + l] : 0.0;
            for (int64_t p = 0; p < kh; ++p)
              for (int64_t q = 0; q < kw; ++q) {
                int64_t r = i * g.strides[0] - g.pads_begin[0] + p * g.dilations[0];
                int64_t s = j * g.strides[1] - g.pads_begin[1] + q * g.dilations[1];
                if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                acc += double(xd[(((n * cb + c) * h + r) * wd + s) * b + l]) *
                       wdata[((c * kh + p) * kw + q) * b + l];
              }
            yd[(((n * cb + c) * oh + i) * ow + j) * b + l] = static_cast<float>(acc);
          }
  return Status::ok();
}

// Y[n, c, h, w, l] = X[n, c * b + l, h, w], or 0 past X's channels.
Status reorder_nchwc(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::kFloat32) {
    return error("unsupported: ReorderNCHWc on ", dtype_name(x.dtype()));
  }
  Tensor& y = ctx.output(0);
  const int64_t n_batch = x.dim(0), c = x.dim(1), plane = x.dim(2) * x.dim(3);
  const int64_t cb = y.dim(1), b = y.dim(4);
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t k = 0; k < cb; ++k)
      for (int64_t s = 0; s < plane; ++s)
        for (int64_t l = 0; l < b; ++l) {
          const int64_t ch = k * b + l;
          yd[((n * cb + k) * plane + s) * b + l] = ch < c ? xd[(n * c + ch) * plane + s] : 0.0f;
        }
  return Status::ok();
}

// Max or average of the taps inside X, per channel, as MaxPool / AveragePool on the plain
// layout: a window with no tap inside gives 0; the average divides by the taps inside, or with
// count_include_pad by the taps inside the padded extent [-pads_begin, in + pads_end).
Status pool_nchwc(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::kFloat32) {
    return error("unsupported: PoolNCHWc on ", dtype_name(x.dtype()));
  }
  const graph::Node& node = ctx.node();
  const bool is_max = node.attr_string("mode", "") == "max";
  const bool include_pad = node.attr_int("count_include_pad", 0) != 0;
  const int64_t n_batch = x.dim(0), cb = x.dim(1), h = x.dim(2), wd = x.dim(3), b = x.dim(4);
  const Shape in{h, wd};
  STITCH_ASSIGN_OR_RETURN(graph::nn::WindowGeometry g,
                          graph::nn::window_geometry(node, in, node.attr_ints("kernel_shape"),
                                                     node.attr_int("ceil_mode", 0) != 0));
  const int64_t oh = g.output[0], ow = g.output[1];
  const float* xd = x.data<float>();
  float* yd = ctx.output(0).data<float>();
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t c = 0; c < cb; ++c)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j)
          for (int64_t l = 0; l < b; ++l) {
            double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
            int64_t taps = 0, padded = 0;
            for (int64_t p = 0; p < g.kernel[0]; ++p)
              for (int64_t q = 0; q < g.kernel[1]; ++q) {
                int64_t r = i * g.strides[0] - g.pads_begin[0] + p * g.dilations[0];
                int64_t s = j * g.strides[1] - g.pads_begin[1] + q * g.dilations[1];
                if (r < h + g.pads_end[0] && s < wd + g.pads_end[1]) ++padded;
                if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                const double v = xd[(((n * cb + c) * h + r) * wd + s) * b + l];
                acc = is_max ? std::max(acc, v) : acc + v;
                ++taps;
              }
            double y = 0.0;
            if (taps > 0)
              y = is_max ? acc : acc / double(std::max<int64_t>(include_pad ? padded : taps, 1));
            yd[(((n * cb + c) * oh + i) * ow + j) * b + l] = static_cast<float>(y);
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
  r.add("stitch", "ConvWinogradNCHWc", conv_winograd_nchwc);
  r.add("stitch", "DepthwiseConvNCHWc", depthwise_conv_nchwc);
  r.add("stitch", "PoolNCHWc", pool_nchwc);
  r.add("stitch", "ReorderNCHWc", reorder_nchwc);
  r.add("stitch", "MatMulPacked", matmul_packed);
}

}  // namespace stitch::reference
