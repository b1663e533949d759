// Reference kernels of MatMul, MatMulInteger, QLinearMatMul, Gemm, Einsum and Det.
// Part of reference/kernels/ (nn family). Products run in i-k-j order so the innermost loop
// streams contiguous rows of B and C.
#include <algorithm>
#include <cmath>

#include "reference/kernels/nn_util.h"

namespace stitch::reference {
namespace {

using nn::AccOf;

// c[m, n] += a[m, k] * b[k, n], row-major, c pre-initialized.
template <typename A>
void gemm_ikj(int64_t m, int64_t k, int64_t n, const A* a, const A* b, A* c) {
  for (int64_t i = 0; i < m; ++i) {
    A* crow = c + i * n;
    for (int64_t p = 0; p < k; ++p) {
      const A av = a[i * k + p];
      const A* brow = b + p * n;
      for (int64_t j = 0; j < n; ++j) crow[j] += av * brow[j];
    }
  }
}

// NumPy matmul geometry: 1-D operands promoted, batch dims broadcast.
struct MatMulDims {
  Shape a_batch, b_batch, batch;
  int64_t m = 1, k = 1, n = 1;
};

Expected<MatMulDims> matmul_dims(const Shape& a, const Shape& b) {
  if (a.empty() || b.empty()) return error("MatMul operands must have rank >= 1");
  Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  MatMulDims d;
  d.m = a2[a2.size() - 2];
  d.k = a2.back();
  d.n = b2.back();
  if (b2[b2.size() - 2] != d.k) {
    return error("inner dimensions differ: ", shape_to_string(a), " x ", shape_to_string(b));
  }
  d.a_batch.assign(a2.begin(), a2.end() - 2);
  d.b_batch.assign(b2.begin(), b2.end() - 2);
  STITCH_ASSIGN_OR_RETURN(d.batch, broadcast_shapes(d.a_batch, d.b_batch));
  return d;
}

template <typename A>
std::vector<A> batched_matmul(const MatMulDims& d, const std::vector<A>& a,
                              const std::vector<A>& b) {
  int64_t batches = shape_numel(d.batch);
  std::vector<A> y(static_cast<size_t>(batches * d.m * d.n), A(0));
  BroadcastIndexer a_index(d.a_batch, d.batch), b_index(d.b_batch, d.batch);
  for (int64_t i = 0; i < batches; ++i) {
    gemm_ikj(d.m, d.k, d.n, a.data() + a_index(i) * d.m * d.k, b.data() + b_index(i) * d.k * d.n,
             y.data() + i * d.m * d.n);
  }
  return y;
}

Status matmul_kernel(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  STITCH_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(a.shape(), b.shape()));
  if (a.dtype() == DType::kBool) return error("unsupported: MatMul on bool");
  return visit_numeric(a.dtype(), [&](auto tag) {
    using A = AccOf<decltype(tag)>;
    nn::from_vector(batched_matmul(d, nn::to_vector<A>(a), nn::to_vector<A>(b)), ctx.output(0));
    return Status::ok();
  });
}

// Values of an operand minus its zero point: a scalar, or one per row of A ([..., M, 1]) or per
// column of B ([..., 1, N]).
Expected<std::vector<int64_t>> minus_zero_point(const Tensor& t, const KernelContext& ctx, int zp,
                                                bool per_column) {
  std::vector<int64_t> v = nn::to_vector<int64_t>(t);
  if (!ctx.has_input(zp)) return v;
  std::vector<int64_t> z = nn::to_vector<int64_t>(ctx.input(zp));
  if (z.size() == 1) {
    for (auto& x : v) x -= z[0];
    return v;
  }
  int64_t cols = t.rank() >= 2 ? t.shape().back() : 1;
  int64_t rows = t.rank() >= 2 ? t.shape()[t.rank() - 2] : t.numel();
  int64_t expected = t.numel() / (per_column ? rows : cols);
  if (static_cast<int64_t>(z.size()) != expected) {
    return error("zero point has ", z.size(), " values, expected 1 or ", expected);
  }
  for (int64_t e = 0; e < t.numel(); ++e) {
    int64_t zi = per_column ? (e / (rows * cols)) * cols + e % cols : e / cols;
    v[e] -= z[zi];
  }
  return v;
}

Status matmul_integer_kernel(KernelContext& ctx) {
  STITCH_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(ctx.input(0).shape(), ctx.input(1).shape()));
  STITCH_ASSIGN_OR_RETURN(auto a, minus_zero_point(ctx.input(0), ctx, 2, false));
  STITCH_ASSIGN_OR_RETURN(auto b, minus_zero_point(ctx.input(1), ctx, 3, true));
  nn::from_vector(batched_matmul(d, a, b), ctx.output(0));
  return Status::ok();
}

// Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point. Scales
// are per tensor, or per row of A / per column of B (ONNX Runtime's 2-D per-channel form).
Status qlinear_matmul_kernel(KernelContext& ctx) {
  STITCH_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(ctx.input(0).shape(), ctx.input(3).shape()));
  std::vector<float> a_scale = nn::to_vector<float>(ctx.input(1));
  std::vector<float> b_scale = nn::to_vector<float>(ctx.input(4));
  if ((a_scale.size() != 1 && static_cast<int64_t>(a_scale.size()) != d.m) ||
      (b_scale.size() != 1 && static_cast<int64_t>(b_scale.size()) != d.n)) {
    return error("unsupported: QLinearMatMul scales other than per tensor, row or column");
  }
  if (ctx.input(6).numel() != 1 || ctx.input(7).numel() != 1) {
    return error("y_scale and y_zero_point must hold one value");
  }
  STITCH_ASSIGN_OR_RETURN(auto a, minus_zero_point(ctx.input(0), ctx, 2, false));
  STITCH_ASSIGN_OR_RETURN(auto b, minus_zero_point(ctx.input(3), ctx, 5, true));
  std::vector<int64_t> acc = batched_matmul(d, a, b);
  float y_scale = static_cast<float>(ctx.input(6).as_double(0));
  int64_t zp = ctx.input(7).as_int64(0);
  int64_t lo, hi;
  nn::int_range(ctx.output(0).dtype(), lo, hi);
  for (size_t e = 0; e < acc.size(); ++e) {
    int64_t i = (static_cast<int64_t>(e) / d.n) % d.m, j = static_cast<int64_t>(e) % d.n;
    // Requantize in float like ONNX Runtime, so that ties round the same way.
    float multiplier =
        a_scale[a_scale.size() == 1 ? 0 : i] * b_scale[b_scale.size() == 1 ? 0 : j] / y_scale;
    acc[e] =
        nn::round_saturate(std::nearbyint(static_cast<float>(acc[e]) * multiplier) + zp, lo, hi);
  }
  nn::from_vector(acc, ctx.output(0));
  return Status::ok();
}

// A 2-D operand as a row-major [rows, cols] buffer, transposed when asked.
template <typename A>
std::vector<A> maybe_transposed(const Tensor& t, bool transpose) {
  std::vector<A> v = nn::to_vector<A>(t);
  if (!transpose) return v;
  int64_t r = t.dim(0), c = t.dim(1);
  std::vector<A> out(v.size());
  for (int64_t i = 0; i < r; ++i) {
    for (int64_t j = 0; j < c; ++j) out[j * r + i] = v[i * c + j];
  }
  return out;
}

Status gemm_kernel(KernelContext& ctx) {
  const graph::Node& node = ctx.node();
  bool ta = node.attr_int("transA", 0) != 0, tb = node.attr_int("transB", 0) != 0;
  double alpha = node.attr_float("alpha", 1.0f), beta = node.attr_float("beta", 1.0f);
  const Tensor& a = ctx.input(0);
  int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  Tensor& y = ctx.output(0);
  int64_t n = y.dim(1);
  return visit_numeric(a.dtype(), [&](auto tag) {
    using A = AccOf<decltype(tag)>;
    std::vector<A> acc(static_cast<size_t>(m * n), A(0));
    gemm_ikj(m, k, n, maybe_transposed<A>(a, ta).data(),
             maybe_transposed<A>(ctx.input(1), tb).data(), acc.data());
    std::vector<double> out(acc.size());
    std::vector<double> c =
        ctx.has_input(2) ? nn::to_vector<double>(ctx.input(2)) : std::vector<double>{};
    BroadcastIndexer c_index(ctx.has_input(2) ? ctx.input(2).shape() : Shape{}, y.shape());
    for (size_t i = 0; i < acc.size(); ++i) {
      out[i] = alpha * static_cast<double>(acc[i]);
      if (!c.empty()) out[i] += beta * c[c_index(static_cast<int64_t>(i))];
    }
    nn::from_vector(out, y);
    return Status::ok();
  });
}

// One loop over every label: output labels outer, summed labels inner. Each operand's offset
// moves by its stride for the label (strides of repeated labels add up: a diagonal; a broadcast
// dim has stride 0).
template <typename A>
void einsum_eval(const graph::nn::EinsumSpec& spec, const std::vector<int64_t>& sizes,
                 const std::vector<std::vector<A>>& ops, const std::vector<Shape>& shapes,
                 std::vector<A>& out) {
  std::vector<int> loop = spec.output;
  std::vector<bool> used(spec.num_labels, false);
  for (int l : spec.output) used[l] = true;
  for (const auto& labels : spec.inputs) {
    for (int l : labels) {
      if (!used[l]) loop.push_back(l);
      used[l] = true;
    }
  }
  size_t t_count = ops.size(), outer = spec.output.size();
  std::vector<std::vector<int64_t>> stride(t_count, std::vector<int64_t>(loop.size(), 0));
  for (size_t t = 0; t < t_count; ++t) {
    Shape st = shape_strides(shapes[t]);
    for (size_t d = 0; d < spec.inputs[t].size(); ++d) {
      if (shapes[t][d] == 1) continue;  // broadcast
      auto pos = std::find(loop.begin(), loop.end(), spec.inputs[t][d]) - loop.begin();
      stride[t][pos] += st[d];
    }
  }
  std::vector<int64_t> idx(loop.size(), 0), off(t_count, 0);
  // Advances the odometer over loop dims [begin, end); returns false when it wrapped.
  auto advance = [&](size_t begin, size_t end) {
    for (size_t d = end; d-- > begin;) {
      for (size_t t = 0; t < t_count; ++t) off[t] += stride[t][d];
      if (++idx[d] < sizes[loop[d]]) return true;
      for (size_t t = 0; t < t_count; ++t) off[t] -= stride[t][d] * idx[d];
      idx[d] = 0;
    }
    return false;
  };
  int64_t inner = 1;
  for (size_t d = outer; d < loop.size(); ++d) inner *= sizes[loop[d]];
  for (auto& o : out) {
    A acc = A(0);
    for (int64_t r = 0; r < inner; ++r) {
      A prod = A(1);
      for (size_t t = 0; t < t_count; ++t) prod *= ops[t][off[t]];
      acc += prod;
      advance(outer, loop.size());
    }
    o = acc;
    advance(0, outer);
  }
}

Status einsum_kernel(KernelContext& ctx) {
  std::vector<int64_t> ranks;
  std::vector<Shape> shapes;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    ranks.push_back(ctx.input(i).rank());
    shapes.push_back(ctx.input(i).shape());
  }
  STITCH_ASSIGN_OR_RETURN(auto spec,
                          graph::nn::parse_einsum(ctx.node().attr_string("equation", ""), ranks));
  STITCH_ASSIGN_OR_RETURN(auto sizes, graph::nn::einsum_label_sizes(spec, shapes));
  if (ctx.input(0).dtype() == DType::kBool) return error("unsupported: Einsum on bool");
  return visit_numeric(ctx.input(0).dtype(), [&](auto tag) {
    using A = AccOf<decltype(tag)>;
    std::vector<std::vector<A>> ops;
    for (int i = 0; i < ctx.num_inputs(); ++i) ops.push_back(nn::to_vector<A>(ctx.input(i)));
    std::vector<A> out(static_cast<size_t>(ctx.output(0).numel()));
    einsum_eval(spec, sizes, ops, shapes, out);
    nn::from_vector(out, ctx.output(0));
    return Status::ok();
  });
}

// Determinant by LU decomposition with partial pivoting, in double.
double determinant(std::vector<double> a, int64_t n) {
  double det = 1.0;
  for (int64_t c = 0; c < n; ++c) {
    int64_t pivot = c;
    for (int64_t r = c + 1; r < n; ++r) {
      if (std::fabs(a[r * n + c]) > std::fabs(a[pivot * n + c])) pivot = r;
    }
    if (a[pivot * n + c] == 0.0) return 0.0;
    if (pivot != c) {
      for (int64_t j = 0; j < n; ++j) std::swap(a[c * n + j], a[pivot * n + j]);
      det = -det;
    }
    det *= a[c * n + c];
    for (int64_t r = c + 1; r < n; ++r) {
      double f = a[r * n + c] / a[c * n + c];
      for (int64_t j = c; j < n; ++j) a[r * n + j] -= f * a[c * n + j];
    }
  }
  return det;
}

Status det_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t n = x.dim(x.rank() - 1);
  std::vector<double> v = nn::to_vector<double>(x);
  std::vector<double> out(static_cast<size_t>(ctx.output(0).numel()));
  for (size_t b = 0; b < out.size(); ++b) {
    auto begin = v.begin() + static_cast<int64_t>(b) * n * n;
    out[b] = determinant(std::vector<double>(begin, begin + n * n), n);
  }
  nn::from_vector(out, ctx.output(0));
  return Status::ok();
}

}  // namespace

void register_nn_matmul_kernels(KernelRegistry& r) {
  r.add("", "MatMul", matmul_kernel);
  r.add("", "MatMulInteger", matmul_integer_kernel);
  r.add("", "QLinearMatMul", qlinear_matmul_kernel);
  r.add("", "Gemm", gemm_kernel);
  r.add("", "Einsum", einsum_kernel);
  r.add("", "Det", det_kernel);
}

}  // namespace stitch::reference
