// Reference kernels of the tensor family whose output size depends on the data: NonZero,
// Compress, Unique. Part of reference/kernels/; each assigns its outputs itself.
#include <algorithm>
#include <numeric>

#include "reference/kernel_registry.h"
#include "reference/kernels/tensor_util.h"

namespace stitch::reference {
namespace {

// Whether each element is non-zero (any numeric dtype).
Expected<std::vector<bool>> non_zero_mask(const Tensor& t) {
  std::vector<bool> mask(static_cast<size_t>(t.numel()));
  Status s = visit_numeric(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* d = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      mask[i] = static_cast<ComputeType<T>>(d[i]) != static_cast<ComputeType<T>>(0);
    }
    return Status::ok();
  });
  if (!s.is_ok()) return s;
  return mask;
}

// Output [rank, count]: column j holds the coordinates of the j-th non-zero element.
Status non_zero(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(auto mask, non_zero_mask(in));
  std::vector<int64_t> hits;
  for (int64_t i = 0; i < in.numel(); ++i) {
    if (mask[i]) hits.push_back(i);
  }
  int64_t count = static_cast<int64_t>(hits.size());
  Tensor out(DType::kInt64, {in.rank(), count});
  Shape strides = shape_strides(in.shape());
  for (int64_t j = 0; j < count; ++j) {
    for (int64_t a = 0; a < in.rank(); ++a) {
      out.data<int64_t>()[a * count + j] = (hits[j] / strides[a]) % in.dim(a);
    }
  }
  ctx.output(0) = std::move(out);
  return Status::ok();
}

// Keeps the slices along the axis (elements, without one) whose condition entry is true.
Status compress(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const Tensor& cond = ctx.input(1);
  bool has_axis = ctx.node().has_attr("axis");
  int64_t axis = ctx.node().attr_int("axis", 0);
  if (axis < 0) axis += in.rank();
  int64_t dim = has_axis ? in.dim(axis) : in.numel();
  int64_t inner = has_axis ? shape_product(in.shape(), axis + 1, in.shape().size()) : 1;
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < cond.numel(); ++i) {
    if (!cond.data<bool>()[i]) continue;
    if (i >= dim) return error("condition selects index ", i, " of a dim of ", dim);
    kept.push_back(i);
  }
  int64_t n = static_cast<int64_t>(kept.size());
  Shape dims = {n};
  if (has_axis) {
    dims = in.shape();
    dims[axis] = n;
  }
  Tensor out(in.dtype(), dims);
  STITCH_RETURN_IF_ERROR(tensor_util::gather_by(in, out, [&](int64_t i) {
    int64_t t = i % inner, k = (i / inner) % n, o = i / (inner * n);
    return (o * dim + kept[k]) * inner + t;
  }));
  ctx.output(0) = std::move(out);
  return Status::ok();
}

struct UniqueGroups {
  std::vector<int64_t> first;    // per group: the first slice that has its value
  std::vector<int64_t> inverse;  // per slice: its group
  std::vector<int64_t> counts;   // per group: how many slices
};

// Groups n slices by value; cmp(a, b) orders slices (<0, 0, >0). Groups come in value order when
// `sorted`, else in order of first occurrence.
template <typename Cmp>
UniqueGroups group_slices(int64_t n, bool sorted, Cmp cmp) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cmp(a, b) < 0; });
  UniqueGroups g;
  g.inverse.resize(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || cmp(order[i - 1], order[i]) != 0) {
      g.first.push_back(order[i]);
      g.counts.push_back(0);
    }
    g.inverse[order[i]] = static_cast<int64_t>(g.first.size()) - 1;
    ++g.counts.back();
  }
  if (sorted) return g;
  std::vector<int64_t> by_first(g.first.size());
  std::iota(by_first.begin(), by_first.end(), 0);
  std::sort(by_first.begin(), by_first.end(),
            [&](int64_t a, int64_t b) { return g.first[a] < g.first[b]; });
  std::vector<int64_t> new_id(by_first.size());
  UniqueGroups r;
  for (size_t k = 0; k < by_first.size(); ++k) {
    new_id[by_first[k]] = static_cast<int64_t>(k);
    r.first.push_back(g.first[by_first[k]]);
    r.counts.push_back(g.counts[by_first[k]]);
  }
  for (int64_t v : g.inverse) r.inverse.push_back(new_id[v]);
  return r;
}

// Lexicographic comparison of slices a and b; element j of slice s is at pos(s, j).
template <typename Get, typename Pos>
int compare_slices(int64_t a, int64_t b, int64_t len, Get get, Pos pos) {
  for (int64_t j = 0; j < len; ++j) {
    auto x = get(pos(a, j)), y = get(pos(b, j));
    if (x < y) return -1;
    if (y < x) return 1;
  }
  return 0;
}

Tensor int64_vector(const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>(v, {static_cast<int64_t>(v.size())});
}

Status unique(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  bool has_axis = ctx.node().has_attr("axis");
  int64_t axis = ctx.node().attr_int("axis", 0);
  if (axis < 0) axis += in.rank();
  int64_t dim = has_axis ? in.dim(axis) : in.numel();
  int64_t inner = has_axis ? shape_product(in.shape(), axis + 1, in.shape().size()) : 1;
  int64_t outer = has_axis ? shape_product(in.shape(), 0, axis) : 1;
  auto pos = [&](int64_t s, int64_t j) { return ((j / inner) * dim + s) * inner + j % inner; };
  bool sorted = ctx.node().attr_int("sorted", 1) != 0;
  UniqueGroups g;
  if (in.dtype() == DType::kString) {
    auto get = [&](int64_t i) -> const std::string& { return in.strings()[i]; };
    g = group_slices(dim, sorted, [&](int64_t a, int64_t b) {
      return compare_slices(a, b, outer * inner, get, pos);
    });
  } else {
    STITCH_RETURN_IF_ERROR(visit_numeric(in.dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto get = [&](int64_t i) { return static_cast<ComputeType<T>>(in.data<T>()[i]); };
      g = group_slices(dim, sorted, [&](int64_t a, int64_t b) {
        return compare_slices(a, b, outer * inner, get, pos);
      });
      return Status::ok();
    }));
  }
  int64_t groups = static_cast<int64_t>(g.first.size());
  Shape dims = {groups};
  if (has_axis) {
    dims = in.shape();
    dims[axis] = groups;
  }
  Tensor y(in.dtype(), dims);
  STITCH_RETURN_IF_ERROR(tensor_util::gather_by(in, y, [&](int64_t i) {
    int64_t t = i % inner, k = (i / inner) % groups, o = i / (inner * groups);
    return (o * dim + g.first[k]) * inner + t;
  }));
  ctx.output(0) = std::move(y);
  if (ctx.num_outputs() > 1) ctx.output(1) = int64_vector(g.first);
  if (ctx.num_outputs() > 2) ctx.output(2) = int64_vector(g.inverse);
  if (ctx.num_outputs() > 3) ctx.output(3) = int64_vector(g.counts);
  return Status::ok();
}

}  // namespace

void register_tensor_select_kernels(KernelRegistry& r) {
  r.add("", "NonZero", non_zero);
  r.add("", "Compress", compress);
  r.add("", "Unique", unique);
}

}  // namespace stitch::reference
