// Reference kernels of Cast and CastLike: every pair of numeric types, and numbers to and from
// strings (the runtime's host op, runtime/host_ops/host_ops.h: cast_string, which the compiled
// engine runs too). Part of reference/kernels/ (elementwise family).
#include "reference/kernels/elementwise_util.h"
#include "runtime/host_ops/host_ops.h"

namespace stitch::reference::elementwise {
namespace {

Status cast_numeric(const Tensor& x, Tensor& out) {
  return visit_numeric(x.dtype(), [&](auto in_tag) -> Status {
    using In = decltype(in_tag);
    return visit_numeric(out.dtype(), [&](auto out_tag) -> Status {
      using Out = decltype(out_tag);
      const In* px = x.data<In>();
      Out* po = out.data<Out>();
      for (int64_t i = 0; i < x.numel(); ++i) po[i] = convert_value<Out>(px[i]);
      return Status::ok();
    });
  });
}

Status cast_to(KernelContext& ctx, DType target) {
  const Tensor& x = ctx.input(0);
  Tensor& out = ensure_output(ctx, 0, target, x.shape());
  bool from_string = x.dtype() == DType::kString;
  bool to_string = target == DType::kString;
  if (from_string || to_string) {
    STITCH_ASSIGN_OR_RETURN(out,
                            runtime::host_ops::cast_string(runtime::host_ops::view_of(x), target));
    return Status::ok();
  }
  return cast_numeric(x, out);
}

Status cast_kernel(KernelContext& ctx) {
  int64_t to = ctx.node().attr_int("to", 0);
  if (!dtype_is_valid(static_cast<int>(to))) return error("attribute 'to' is not a valid type");
  return cast_to(ctx, static_cast<DType>(to));
}

Status cast_like_kernel(KernelContext& ctx) { return cast_to(ctx, ctx.input(1).dtype()); }

}  // namespace

void register_elementwise_cast_kernels(KernelRegistry& r) {
  r.add("", "Cast", cast_kernel);
  r.add("", "CastLike", cast_like_kernel);
}

}  // namespace stitch::reference::elementwise
