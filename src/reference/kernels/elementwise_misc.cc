// Reference kernels of the variadic ops (Max, Min, Sum, Mean), PRelu, Where, Clip, Identity and
// Dropout (inference semantics). Part of reference/kernels/ (elementwise family).
#include <cmath>
#include <limits>
#include <type_traits>

#include "reference/kernels/elementwise_util.h"

namespace stitch::reference::elementwise {
namespace {

template <typename C>
bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// Folds inputs 0..n-1 into the output left to right, each broadcast to the output's shape;
// `mean` divides by n at the end.
template <typename F>
Status fold_variadic(KernelContext& ctx, F f, bool mean) {
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return error("input ", i, " must not be omitted");
    if (ctx.input(i).dtype() != ctx.input(0).dtype()) {
      return error("inputs have different element types");
    }
  }
  STITCH_ASSIGN_OR_RETURN(Shape shape, broadcast_all(ctx, 0, ctx.num_inputs()));
  Tensor& out = ensure_output(ctx, 0, ctx.input(0).dtype(), shape);
  return visit_numeric(out.dtype(), [&](auto tag) -> Status {
    using T = decltype(tag);
    using C = ComputeType<T>;
    if constexpr (std::is_same_v<T, bool>) {
      return error("unsupported: element type bool");
    } else {
      T* po = out.data<T>();
      for (int k = 0; k < ctx.num_inputs(); ++k) {
        const T* pk = ctx.input(k).data<T>();
        BroadcastIndexer index(ctx.input(k).shape(), shape);
        for (int64_t i = 0; i < out.numel(); ++i) {
          C v = static_cast<C>(pk[index(i)]);
          po[i] = k == 0 ? static_cast<T>(v) : static_cast<T>(f(static_cast<C>(po[i]), v));
        }
      }
      if (mean) {
        C n = static_cast<C>(ctx.num_inputs());
        for (int64_t i = 0; i < out.numel(); ++i) po[i] = static_cast<T>(static_cast<C>(po[i]) / n);
      }
      return Status::ok();
    }
  });
}

void register_variadic(KernelRegistry& r) {
  // NaN propagates through Max and Min, as np.maximum / np.minimum.
  r.add("", "Max", [](KernelContext& ctx) {
    return fold_variadic(
        ctx, [](auto a, auto b) { return (a < b || is_nan(b)) ? b : a; }, false);
  });
  r.add("", "Min", [](KernelContext& ctx) {
    return fold_variadic(
        ctx, [](auto a, auto b) { return (b < a || is_nan(b)) ? b : a; }, false);
  });
  r.add("", "Sum", [](KernelContext& ctx) {
    return fold_variadic(
        ctx, [](auto a, auto b) { return wrap_add(a, b); }, false);
  });
  r.add("", "Mean", [](KernelContext& ctx) {
    return fold_variadic(
        ctx, [](auto a, auto b) { return wrap_add(a, b); }, true);
  });
}

// PRelu: y = x < 0 ? slope * x : x, the slope broadcast to x's shape.
Status prelu_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& slope = ctx.input(1);
  if (slope.dtype() != x.dtype()) return error("slope and X have different element types");
  STITCH_ASSIGN_OR_RETURN(Shape shape, broadcast_all(ctx, 0, 2));
  if (shape != x.shape()) {
    return error("slope of shape ", shape_to_string(slope.shape()),
                 " does not broadcast to X of shape ", shape_to_string(x.shape()));
  }
  Tensor& out = ensure_output(ctx, 0, x.dtype(), shape);
  return visit_numeric(x.dtype(), [&](auto tag) -> Status {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      return error("unsupported: element type bool");
    } else {
      map_binary<T, T, T>(x, slope, out, [](auto v, auto s) {
        using C = decltype(v);
        return v < C(0) ? wrap_mul(s, v) : v;
      });
      return Status::ok();
    }
  });
}

// Where: out = cond ? x : y, all three broadcast; any element type, strings included.
Status where_kernel(KernelContext& ctx) {
  const Tensor& cond = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& y = ctx.input(2);
  if (cond.dtype() != DType::kBool) return error("condition must be bool");
  if (x.dtype() != y.dtype()) return error("X and Y have different element types");
  STITCH_ASSIGN_OR_RETURN(Shape shape, broadcast_all(ctx, 0, 3));
  Tensor& out = ensure_output(ctx, 0, x.dtype(), shape);
  BroadcastIndexer ic(cond.shape(), shape);
  BroadcastIndexer ix(x.shape(), shape);
  BroadcastIndexer iy(y.shape(), shape);
  const bool* pc = cond.data<bool>();
  if (x.dtype() == DType::kString) {
    for (int64_t i = 0; i < out.numel(); ++i) {
      out.strings()[i] = pc[ic(i)] ? x.strings()[ix(i)] : y.strings()[iy(i)];
    }
    return Status::ok();
  }
  return visit_numeric(x.dtype(), [&](auto tag) -> Status {
    using T = decltype(tag);
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* po = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i) po[i] = pc[ic(i)] ? px[ix(i)] : py[iy(i)];
    return Status::ok();
  });
}

// Clip: min(max(x, lo), hi) with lo/hi from the optional scalar inputs 1 and 2 (the type's range
// when omitted). NaN stays NaN. When lo > hi every element becomes hi, as np.clip.
Status clip_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  for (int i = 1; i <= 2; ++i) {
    if (!ctx.has_input(i)) continue;
    if (ctx.input(i).dtype() != x.dtype()) return error("input ", i, " must have X's type");
    if (ctx.input(i).numel() != 1) return error("input ", i, " must be a scalar");
  }
  Tensor& out = ensure_output(ctx, 0, x.dtype(), x.shape());
  return visit_numeric(x.dtype(), [&](auto tag) -> Status {
    using T = decltype(tag);
    using C = ComputeType<T>;
    if constexpr (std::is_same_v<T, bool>) {
      return error("unsupported: element type bool");
    } else {
      C lo = ctx.has_input(1) ? static_cast<C>(ctx.input(1).data<T>()[0])
                              : std::numeric_limits<C>::lowest();
      C hi = ctx.has_input(2) ? static_cast<C>(ctx.input(2).data<T>()[0])
                              : std::numeric_limits<C>::max();
      if constexpr (std::is_floating_point_v<C>) {
        if (!ctx.has_input(1)) lo = -std::numeric_limits<C>::infinity();
        if (!ctx.has_input(2)) hi = std::numeric_limits<C>::infinity();
      }
      map_unary<T, T>(x, out, [lo, hi](C v) {
        C r = v < lo ? lo : v;
        return r > hi ? hi : r;
      });
      return Status::ok();
    }
  });
}

Status identity_kernel(KernelContext& ctx) {
  ctx.output(0) = ctx.input(0).clone();
  return Status::ok();
}

// Dropout at inference (or with ratio 0) is the identity, and the mask is all true. Training
// with a ratio above 0 draws random numbers: no reference answer to give.
Status dropout_kernel(KernelContext& ctx) {
  bool training = ctx.has_input(2) && ctx.input(2).numel() > 0 && ctx.input(2).as_double(0) != 0;
  double ratio = ctx.has_input(1) && ctx.input(1).numel() > 0 ? ctx.input(1).as_double(0) : 0.5;
  if (training && ratio != 0.0) return error("unsupported: Dropout in training mode (random)");
  const Tensor& x = ctx.input(0);
  ctx.output(0) = x.clone();
  if (ctx.num_outputs() > 1) {
    Tensor& mask = ensure_output(ctx, 1, DType::kBool, x.shape());
    bool* pm = mask.data<bool>();
    for (int64_t i = 0; i < mask.numel(); ++i) pm[i] = true;
  }
  return Status::ok();
}

}  // namespace

void register_elementwise_misc_kernels(KernelRegistry& r) {
  register_variadic(r);
  r.add("", "PRelu", prelu_kernel);
  r.add("", "Where", where_kernel);
  r.add("", "Clip", clip_kernel);
  r.add("", "Identity", identity_kernel);
  r.add("", "Dropout", dropout_kernel);
}

}  // namespace stitch::reference::elementwise
