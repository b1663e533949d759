// Reference kernels of the tensor family whose output size depends on the data: NonZero,
// Compress, Unique. Part of reference/kernels/; each assigns its outputs itself.
#include <optional>

#include "reference/kernel_registry.h"
#include "reference/kernels/tensor_util.h"
#include "runtime/host_ops/host_ops.h"

namespace stitch::reference {
namespace {

namespace host = runtime::host_ops;

// NonZero, Compress and numeric Unique run the runtime's host ops (runtime/host_ops/), the
// code the compiled engine runs too; strings, which have no flat storage, stay here.

Status non_zero(KernelContext& ctx) {
  STITCH_ASSIGN_OR_RETURN(ctx.output(0), host::non_zero(host::view_of(ctx.input(0))));
  return Status::ok();
}

std::optional<int64_t> axis_attr(const KernelContext& ctx) {
  if (!ctx.node().has_attr("axis")) return std::nullopt;
  return ctx.node().attr_int("axis", 0);
}

Status compress(KernelContext& ctx) {
  if (ctx.input(0).dtype() == DType::kString) return error("unsupported: Compress of strings");
  STITCH_ASSIGN_OR_RETURN(
      ctx.output(0),
      host::compress(host::view_of(ctx.input(0)), host::view_of(ctx.input(1)), axis_attr(ctx)));
  return Status::ok();
}

Tensor int64_vector(const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>(v, {static_cast<int64_t>(v.size())});
}

// Unique of a string tensor: the host op's grouping, with string comparisons and copies.
Expected<host::UniqueResult> unique_strings(const Tensor& in, std::optional<int64_t> axis,
                                            bool sorted) {
  int64_t a = 0;
  if (axis) {
    STITCH_ASSIGN_OR_RETURN(a, normalize_axis(*axis, in.rank()));
  }
  int64_t dim = axis ? in.dim(a) : in.numel();
  int64_t inner = axis ? shape_product(in.shape(), a + 1, in.shape().size()) : 1;
  int64_t outer = axis ? shape_product(in.shape(), 0, a) : 1;
  auto pos = [&](int64_t s, int64_t j) { return ((j / inner) * dim + s) * inner + j % inner; };
  const auto& str = in.strings();
  host::UniqueGroups g = host::group_slices(dim, sorted, [&](int64_t x, int64_t y) {
    for (int64_t j = 0; j < outer * inner; ++j) {
      int c = str[pos(x, j)].compare(str[pos(y, j)]);
      if (c != 0) return c < 0 ? -1 : 1;
    }
    return 0;
  });
  int64_t groups = static_cast<int64_t>(g.first.size());
  Shape dims = {groups};
  if (axis) {
    dims = in.shape();
    dims[a] = groups;
  }
  host::UniqueResult r;
  r.values = Tensor(DType::kString, dims);
  for (int64_t i = 0; i < r.values.numel(); ++i) {
    int64_t t = i % inner, k = (i / inner) % groups, o = i / (inner * groups);
    r.values.strings()[i] = str[(o * dim + g.first[k]) * inner + t];
  }
  r.indices = int64_vector(g.first);
  r.inverse = int64_vector(g.inverse);
  r.counts = int64_vector(g.counts);
  return r;
}

Status unique(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  bool sorted = ctx.node().attr_int("sorted", 1) != 0;
  host::UniqueResult r;
  if (in.dtype() == DType::kString) {
    STITCH_ASSIGN_OR_RETURN(r, unique_strings(in, axis_attr(ctx), sorted));
  } else {
    STITCH_ASSIGN_OR_RETURN(r, host::unique(host::view_of(in), axis_attr(ctx), sorted));
  }
  Tensor* parts[] = {&r.values, &r.indices, &r.inverse, &r.counts};
  for (int i = 0; i < ctx.num_outputs() && i < 4; ++i) ctx.output(i) = std::move(*parts[i]);
  return Status::ok();
}

}  // namespace

void register_tensor_select_kernels(KernelRegistry& r) {
  r.add("", "NonZero", non_zero);
  r.add("", "Compress", compress);
  r.add("", "Unique", unique);
}

}  // namespace stitch::reference
