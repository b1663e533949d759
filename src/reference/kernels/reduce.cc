// Reference kernels of the reduce family: Reduce*, Softmax/LogSoftmax/Hardmax, ArgMax/ArgMin
// and CumSum. Part of reference/kernels/; the rest of the family is in reduce_loss.cc and
// reduce_misc.cc.
//
// Reductions accumulate in double for floating-point inputs (float16 included) and in 64-bit
// integers for integer inputs, wrapping like NumPy's fixed-width arithmetic.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <type_traits>

#include "reference/kernels/reduce_util.h"

namespace stitch::reference {

void register_reduce_loss_kernels(KernelRegistry& r);  // reduce_loss.cc
void register_reduce_misc_kernels(KernelRegistry& r);  // reduce_misc.cc

namespace {

enum class ReduceKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

template <typename T>
T from_double(double v) {
  return static_cast<T>(static_cast<ComputeType<T>>(v));
}

// Which input dims a Reduce* node folds (inference already validated the axes); empty with
// `noop` set when the node copies its input.
Status reduced_dims(const KernelContext& ctx, std::vector<bool>& reduced, bool& noop) {
  int64_t rank = ctx.input(0).rank();
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) axes = ctx.input(1).to_int64_vector();
  noop = axes.empty() && ctx.node().attr_int("noop_with_empty_axes", 0) != 0;
  reduced.assign(static_cast<size_t>(rank), axes.empty() && !noop);
  for (int64_t a : axes) {
    STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a, rank));
    reduced[axis] = true;
  }
  return Status::ok();
}

// For every input element, the linear index of the output element it folds into.
std::vector<int64_t> reduce_index_map(const Shape& in, const std::vector<bool>& reduced) {
  size_t rank = in.size();
  Shape out_strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    if (!reduced[d]) {
      out_strides[d] = stride;
      stride *= in[d];
    }
  }
  int64_t numel = shape_numel(in);
  std::vector<int64_t> map(static_cast<size_t>(numel));
  Shape idx(rank, 0);
  int64_t out = 0;
  for (int64_t i = 0; i < numel; ++i) {
    map[i] = out;
    for (size_t d = rank; d-- > 0;) {  // odometer increment, tracking the output index
      ++idx[d];
      out += out_strides[d];
      if (idx[d] < in[d]) break;
      out -= out_strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return map;
}

// Wrapping arithmetic for the integer accumulators; plain arithmetic for double.
template <typename A>
A acc_add(A a, A b) {
  if constexpr (std::is_integral_v<A>) {
    return static_cast<A>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  } else {
    return a + b;
  }
}
template <typename A>
A acc_mul(A a, A b) {
  if constexpr (std::is_integral_v<A>) {
    return static_cast<A>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  } else {
    return a * b;
  }
}

template <typename A>
A initial_value(ReduceKind kind) {
  switch (kind) {
    case ReduceKind::kMax:
      return std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                                  : std::numeric_limits<A>::lowest();
    case ReduceKind::kMin:
      return std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity()
                                                  : std::numeric_limits<A>::max();
    case ReduceKind::kProd:
      return A(1);
    default:
      return A(0);
  }
}

// One accumulation step; NaN wins Max/Min like NumPy.
template <typename A>
A accumulate(ReduceKind kind, A acc, A v) {
  switch (kind) {
    case ReduceKind::kMax:
      if constexpr (std::is_floating_point_v<A>) {
        if (std::isnan(v) || std::isnan(acc)) return std::isnan(acc) ? acc : v;
      }
      return v > acc ? v : acc;
    case ReduceKind::kMin:
      if constexpr (std::is_floating_point_v<A>) {
        if (std::isnan(v) || std::isnan(acc)) return std::isnan(acc) ? acc : v;
      }
      return v < acc ? v : acc;
    case ReduceKind::kProd:
      return acc_mul(acc, v);
    case ReduceKind::kL1:
      if constexpr (std::is_signed_v<A>) return acc_add(acc, v < A(0) ? acc_mul(v, A(-1)) : v);
      return acc_add(acc, v);
    case ReduceKind::kL2:
    case ReduceKind::kSumSquare:
      return acc_add(acc, acc_mul(v, v));
    default:
      return acc_add(acc, v);  // Sum, Mean, LogSum
  }
}

template <typename A>
A finalize(ReduceKind kind, A acc, int64_t count) {
  switch (kind) {
    case ReduceKind::kMean:
      if constexpr (std::is_integral_v<A>) {
        return count == 0 ? A(0) : static_cast<A>(acc / static_cast<A>(count));
      } else {
        return acc / static_cast<A>(count);
      }
    case ReduceKind::kL2:
      return static_cast<A>(std::sqrt(static_cast<double>(acc)));
    case ReduceKind::kLogSum:
      return static_cast<A>(std::log(static_cast<double>(acc)));
    default:
      return acc;
  }
}

// Accumulates x into out (already shaped) through the index map, in accumulator type A.
template <typename T, typename A>
void reduce_into(ReduceKind kind, const Tensor& x, const std::vector<int64_t>& map, Tensor& out) {
  const T* in = x.data<T>();
  T* y = out.data<T>();
  int64_t out_numel = out.numel();
  int64_t count = out_numel == 0 ? 0 : x.numel() / out_numel;
  if (out_numel > 0 && x.numel() == 0) count = 0;
  std::vector<A> acc(static_cast<size_t>(out_numel), initial_value<A>(kind));
  std::vector<A> shift;
  if (kind == ReduceKind::kLogSumExp) {  // subtract the max so exp cannot overflow
    shift.assign(acc.size(), initial_value<A>(ReduceKind::kMax));
    for (int64_t i = 0; i < x.numel(); ++i) {
      shift[map[i]] = accumulate(ReduceKind::kMax, shift[map[i]], static_cast<A>(in[i]));
    }
    for (int64_t i = 0; i < x.numel(); ++i) {
      acc[map[i]] += std::exp(static_cast<A>(in[i]) - shift[map[i]]);
    }
    for (int64_t o = 0; o < out_numel; ++o) {
      double s = static_cast<double>(shift[o]);
      double v = std::isinf(s) ? s : s + std::log(static_cast<double>(acc[o]));
      y[o] = from_double<T>(v);
    }
    return;
  }
  for (int64_t i = 0; i < x.numel(); ++i) {
    acc[map[i]] = accumulate(kind, acc[map[i]], static_cast<A>(static_cast<ComputeType<T>>(in[i])));
  }
  for (int64_t o = 0; o < out_numel; ++o) {
    y[o] = static_cast<T>(static_cast<ComputeType<T>>(finalize(kind, acc[o], count)));
  }
}

Status reduce_kernel(KernelContext& ctx, ReduceKind kind) {
  const Tensor& x = ctx.input(0);
  std::vector<bool> reduced;
  bool noop = false;
  STITCH_RETURN_IF_ERROR(reduced_dims(ctx, reduced, noop));
  if (noop) {
    ctx.output(0) = x.clone();
    return Status::ok();
  }
  bool keepdims = ctx.node().attr_int("keepdims", 1) != 0;
  Shape out_shape;
  for (size_t d = 0; d < reduced.size(); ++d) {
    if (!reduced[d]) out_shape.push_back(x.dim(d));
    if (reduced[d] && keepdims) out_shape.push_back(1);
  }
  Tensor* out = prepare_output(ctx, 0, x.dtype(), out_shape);
  if (!out) return Status::ok();
  std::vector<int64_t> map = reduce_index_map(x.shape(), reduced);
  if (x.dtype() == DType::kBool) return error("unsupported: reduction over bool");
  bool float_math =
      kind == ReduceKind::kL2 || kind == ReduceKind::kLogSum || kind == ReduceKind::kLogSumExp;
  return visit_numeric(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeType<T>;
    if constexpr (std::is_same_v<T, bool>) {
      return Status::ok();
    } else if constexpr (std::is_floating_point_v<C>) {
      reduce_into<T, double>(kind, x, map, *out);
    } else if (float_math) {
      // NumPy computes these in floating point and casts the result back.
      Tensor tmp(DType::kFloat64, x.shape());
      for (int64_t i = 0; i < x.numel(); ++i) tmp.data<double>()[i] = x.as_double(i);
      Tensor res(DType::kFloat64, out->shape());
      reduce_into<double, double>(kind, tmp, map, res);
      for (int64_t i = 0; i < res.numel(); ++i) {
        out->data<T>()[i] = static_cast<T>(res.data<double>()[i]);
      }
    } else if constexpr (std::is_signed_v<C>) {
      reduce_into<T, int64_t>(kind, x, map, *out);
    } else {
      reduce_into<T, uint64_t>(kind, x, map, *out);
    }
    return Status::ok();
  });
}

// The [outer, n, inner] view a softmax-like op normalizes over: one axis from opset 13, the
// flattened trailing part [axis, rank) before.
Expected<AxisView> softmax_view(const KernelContext& ctx) {
  const Shape& shape = ctx.input(0).shape();
  int64_t rank = ctx.input(0).rank();
  bool legacy = ctx.node().opset() < 13;
  STITCH_ASSIGN_OR_RETURN(int64_t axis,
                          normalize_axis(ctx.node().attr_int("axis", legacy ? 1 : -1), rank));
  if (!legacy) return axis_view(shape, axis);
  AxisView v;
  v.outer = shape_product(shape, 0, static_cast<size_t>(axis));
  v.n = shape_product(shape, static_cast<size_t>(axis), shape.size());
  return v;
}

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

Status softmax_kernel(KernelContext& ctx, SoftmaxKind kind) {
  const Tensor& x = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(AxisView v, softmax_view(ctx));
  Tensor* out = prepare_output(ctx, 0, x.dtype(), x.shape());
  if (!out) return Status::ok();
  return visit_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* y = out->data<T>();
    std::vector<double> row(static_cast<size_t>(v.n));
    for (int64_t o = 0; o < v.outer; ++o) {
      for (int64_t i = 0; i < v.inner; ++i) {
        double mx = -std::numeric_limits<double>::infinity();
        int64_t arg = 0;
        for (int64_t j = 0; j < v.n; ++j) {
          row[j] = static_cast<double>(static_cast<ComputeType<T>>(in[v.at(o, j, i)]));
          if (row[j] > mx) {
            mx = row[j];
            arg = j;
          }
        }
        double sum = 0;
        for (int64_t j = 0; j < v.n; ++j) sum += std::exp(row[j] - mx);
        for (int64_t j = 0; j < v.n; ++j) {
          double r = 0;
          if (kind == SoftmaxKind::kSoftmax) r = std::exp(row[j] - mx) / sum;
          if (kind == SoftmaxKind::kLogSoftmax) r = row[j] - mx - std::log(sum);
          if (kind == SoftmaxKind::kHardmax) r = j == arg ? 1.0 : 0.0;
          y[v.at(o, j, i)] = from_double<T>(r);
        }
      }
    }
    return Status::ok();
  });
}

Status arg_reduce_kernel(KernelContext& ctx, bool is_max) {
  const Tensor& x = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node().attr_int("axis", 0), x.rank()));
  bool keepdims = ctx.node().attr_int("keepdims", 1) != 0;
  bool last = ctx.node().attr_int("select_last_index", 0) != 0;
  Shape out_shape = x.shape();
  if (keepdims) {
    out_shape[axis] = 1;
  } else {
    out_shape.erase(out_shape.begin() + axis);
  }
  Tensor* out = prepare_output(ctx, 0, DType::kInt64, out_shape);
  if (!out) return Status::ok();
  AxisView v = axis_view(x.shape(), axis);
  if (v.n == 0) return error("cannot take ArgMax/ArgMin over an empty axis");
  if (x.dtype() == DType::kBool) return error("unsupported: ArgMax/ArgMin over bool");
  return visit_numeric(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeType<T>;
    const T* in = x.data<T>();
    int64_t* y = out->data<int64_t>();
    for (int64_t o = 0; o < v.outer; ++o) {
      for (int64_t i = 0; i < v.inner; ++i) {
        int64_t best = 0;
        C best_v = static_cast<C>(in[v.at(o, 0, i)]);
        for (int64_t j = 1; j < v.n; ++j) {
          C c = static_cast<C>(in[v.at(o, j, i)]);
          bool better = is_max ? (c > best_v || (last && c == best_v))
                               : (c < best_v || (last && c == best_v));
          if (better) {
            best = j;
            best_v = c;
          }
        }
        y[o * v.inner + i] = best;
      }
    }
    return Status::ok();
  });
}

Status cumsum_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (ctx.input(1).numel() != 1) return error("axis must hold one value");
  STITCH_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.input(1).as_int64(0), x.rank()));
  bool exclusive = ctx.node().attr_int("exclusive", 0) != 0;
  bool reverse = ctx.node().attr_int("reverse", 0) != 0;
  Tensor* out = prepare_output(ctx, 0, x.dtype(), x.shape());
  if (!out) return Status::ok();
  AxisView v = axis_view(x.shape(), axis);
  if (x.dtype() == DType::kBool) return error("unsupported: CumSum over bool");
  return visit_numeric(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeType<T>;
    using A = std::conditional_t<std::is_floating_point_v<C>, double,
                                 std::conditional_t<std::is_signed_v<C>, int64_t, uint64_t>>;
    const T* in = x.data<T>();
    T* y = out->data<T>();
    for (int64_t o = 0; o < v.outer; ++o) {
      for (int64_t i = 0; i < v.inner; ++i) {
        A acc = 0;
        for (int64_t s = 0; s < v.n; ++s) {
          int64_t j = reverse ? v.n - 1 - s : s;
          A cur = static_cast<A>(static_cast<C>(in[v.at(o, j, i)]));
          if (!exclusive) acc = acc_add(acc, cur);
          y[v.at(o, j, i)] = static_cast<T>(static_cast<C>(acc));
          if (exclusive) acc = acc_add(acc, cur);
        }
      }
    }
    return Status::ok();
  });
}

}  // namespace

void register_reduce_kernels(KernelRegistry& r) {
  const std::pair<const char*, ReduceKind> reductions[] = {
      {"ReduceSum", ReduceKind::kSum},
      {"ReduceMean", ReduceKind::kMean},
      {"ReduceMax", ReduceKind::kMax},
      {"ReduceMin", ReduceKind::kMin},
      {"ReduceProd", ReduceKind::kProd},
      {"ReduceL1", ReduceKind::kL1},
      {"ReduceL2", ReduceKind::kL2},
      {"ReduceLogSum", ReduceKind::kLogSum},
      {"ReduceLogSumExp", ReduceKind::kLogSumExp},
      {"ReduceSumSquare", ReduceKind::kSumSquare},
  };
  for (const auto& [op, kind] : reductions) {
    ReduceKind k = kind;
    r.add("", op, [k](KernelContext& ctx) { return reduce_kernel(ctx, k); });
  }
  r.add("", "Softmax",
        [](KernelContext& ctx) { return softmax_kernel(ctx, SoftmaxKind::kSoftmax); });
  r.add("", "LogSoftmax",
        [](KernelContext& ctx) { return softmax_kernel(ctx, SoftmaxKind::kLogSoftmax); });
  r.add("", "Hardmax",
        [](KernelContext& ctx) { return softmax_kernel(ctx, SoftmaxKind::kHardmax); });
  r.add("", "ArgMax", [](KernelContext& ctx) { return arg_reduce_kernel(ctx, true); });
  r.add("", "ArgMin", [](KernelContext& ctx) { return arg_reduce_kernel(ctx, false); });
  r.add("", "CumSum", cumsum_kernel);
  register_reduce_loss_kernels(r);
  register_reduce_misc_kernels(r);
}

}  // namespace stitch::reference
