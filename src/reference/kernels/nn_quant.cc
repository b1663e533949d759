// Reference kernels of QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear.
// Part of reference/kernels/ (nn family). Arithmetic is float32 like the ONNX reference
// (NumPy on float32 arrays), so that rounding ties land the same way.
#include <algorithm>
#include <cmath>

#include "reference/kernels/nn_util.h"

namespace stitch::reference {
namespace {

// Maps element i of x to the index of its scale / zero point: per tensor or along `axis`.
struct ParamIndex {
  int64_t inner = 1, dim = 1;
  bool per_axis = false;
  int64_t operator()(int64_t i) const { return per_axis ? (i / inner) % dim : 0; }
};

Expected<ParamIndex> param_index(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  ParamIndex p;
  int64_t n = ctx.input(1).numel();
  if (ctx.has_input(2) && ctx.input(2).numel() != n) {
    return error("zero point has ", ctx.input(2).numel(), " values, scale has ", n);
  }
  if (n == 1) return p;
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node().attr_int("axis", 1), x.rank()));
  p.per_axis = true;
  p.dim = x.dim(axis);
  p.inner = shape_product(x.shape(), static_cast<size_t>(axis) + 1, x.shape().size());
  if (n != p.dim) return error("scale has ", n, " values, x has ", p.dim, " along axis ", axis);
  return p;
}

Status quantize_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(ParamIndex at, param_index(ctx));
  std::vector<float> scale = nn::to_vector<float>(ctx.input(1));
  std::vector<int64_t> zp =
      ctx.has_input(2) ? ctx.input(2).to_int64_vector() : std::vector<int64_t>{0};
  std::vector<float> xv = nn::to_vector<float>(x);
  int64_t lo, hi;
  nn::int_range(ctx.output(0).dtype(), lo, hi);
  std::vector<int64_t> y(xv.size());
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t p = at(i);
    float q = std::nearbyint(xv[i] / scale[p]);
    y[i] = nn::round_saturate(static_cast<double>(q) + zp[zp.size() == 1 ? 0 : p], lo, hi);
  }
  nn::from_vector(y, ctx.output(0));
  return Status::ok();
}

Status dequantize_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(ParamIndex at, param_index(ctx));
  std::vector<float> scale = nn::to_vector<float>(ctx.input(1));
  std::vector<int64_t> zp =
      ctx.has_input(2) ? ctx.input(2).to_int64_vector() : std::vector<int64_t>{0};
  std::vector<int64_t> xv = x.to_int64_vector();
  std::vector<float> y(xv.size());
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t p = at(i);
    y[i] = static_cast<float>(xv[i] - zp[zp.size() == 1 ? 0 : p]) * scale[p];
  }
  nn::from_vector(y, ctx.output(0));
  return Status::ok();
}

// uint8 quantization whose range covers the data and zero: scale = (max - min) / 255.
Status dynamic_quantize_kernel(KernelContext& ctx) {
  std::vector<float> xv = nn::to_vector<float>(ctx.input(0));
  float lo = 0.0f, hi = 0.0f;
  for (float v : xv) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  float scale = (hi - lo) / 255.0f;
  int64_t zp =
      scale == 0.0f ? 0 : nn::round_saturate(std::clamp(-lo / scale, 0.0f, 255.0f), 0, 255);
  std::vector<int64_t> y(xv.size(), zp);
  if (scale != 0.0f) {
    for (size_t i = 0; i < xv.size(); ++i) {
      y[i] = nn::round_saturate(static_cast<double>(std::nearbyint(xv[i] / scale)) + zp, 0, 255);
    }
  }
  nn::from_vector(y, ctx.output(0));
  ctx.output(1).data<float>()[0] = scale;
  ctx.output(2).data<uint8_t>()[0] = static_cast<uint8_t>(zp);
  return Status::ok();
}

}  // namespace

void register_nn_quant_kernels(KernelRegistry& r) {
  r.add("", "QuantizeLinear", quantize_kernel);
  r.add("", "DequantizeLinear", dequantize_kernel);
  r.add("", "DynamicQuantizeLinear", dynamic_quantize_kernel);
}

}  // namespace stitch::reference
