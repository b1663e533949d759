// NonZero, Compress and Unique on the host: the selections whose output size is the count of
// what the data selects. Part of runtime/host_ops/ (see host_ops.h).
#include <algorithm>
#include <cstring>
#include <numeric>

#include "runtime/host_ops/host_ops.h"

namespace stitch::runtime::host_ops {
namespace {

Status check_numeric(const TensorView& x, const char* op) {
  if (dtype_size(x.dtype) == 0 || (x.numel() > 0 && !x.data)) {
    return error(op, ": unsupported input of type ", dtype_name(x.dtype));
  }
  return Status::ok();
}

// [outer, dim, inner] view of a tensor split at `axis`; the flattened tensor when there is none.
struct AxisSplit {
  int64_t outer = 1, dim = 0, inner = 1;
};

Expected<AxisSplit> split_at(const TensorView& x, std::optional<int64_t> axis) {
  if (!axis) return AxisSplit{1, x.numel(), 1};
  STITCH_ASSIGN_OR_RETURN(int64_t a, normalize_axis(*axis, x.rank()));
  AxisSplit s;
  s.dim = x.shape[a];
  for (int64_t i = 0; i < a; ++i) s.outer *= x.shape[i];
  for (int64_t i = a + 1; i < x.rank(); ++i) s.inner *= x.shape[i];
  return s;
}

// Copies the slices `picked` (indices along the split axis) of x into a new tensor.
Tensor gather_slices(const TensorView& x, std::optional<int64_t> axis, const AxisSplit& s,
                     const std::vector<int64_t>& picked) {
  const int64_t n = static_cast<int64_t>(picked.size());
  Shape dims = {n};
  if (axis) {
    dims = x.shape;
    dims[*axis < 0 ? *axis + x.rank() : *axis] = n;
  }
  Tensor out(x.dtype, dims);
  const size_t row = static_cast<size_t>(s.inner) * dtype_size(x.dtype);
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  const auto* src = static_cast<const uint8_t*>(x.data);
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t k = 0; k < n; ++k) {
      std::memcpy(dst + (o * n + k) * row, src + (o * s.dim + picked[k]) * row, row);
    }
  }
  return out;
}

Tensor int64_vector(const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>(v, {static_cast<int64_t>(v.size())});
}

// Lexicographic order of slices a and b of T values.
template <typename T>
int compare_slices(const TensorView& x, const AxisSplit& s, int64_t a, int64_t b) {
  using C = ComputeType<T>;
  const T* d = x.as<T>();
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t t = 0; t < s.inner; ++t) {
      C u = static_cast<C>(d[(o * s.dim + a) * s.inner + t]);
      C v = static_cast<C>(d[(o * s.dim + b) * s.inner + t]);
      if (u < v) return -1;
      if (v < u) return 1;
    }
  }
  return 0;
}

}  // namespace

Expected<Tensor> non_zero(const TensorView& x) {
  STITCH_RETURN_IF_ERROR(check_numeric(x, "NonZero"));
  std::vector<int64_t> hits;
  STITCH_RETURN_IF_ERROR(visit_numeric(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeType<T>;
    for (int64_t i = 0; i < x.numel(); ++i) {
      if (static_cast<C>(x.as<T>()[i]) != static_cast<C>(0)) hits.push_back(i);
    }
    return Status::ok();
  }));
  const int64_t count = static_cast<int64_t>(hits.size());
  Tensor out(DType::kInt64, {x.rank(), count});
  Shape strides = shape_strides(x.shape);
  for (int64_t j = 0; j < count; ++j) {
    for (int64_t a = 0; a < x.rank(); ++a) {
      out.data<int64_t>()[a * count + j] = (hits[j] / strides[a]) % x.shape[a];
    }
  }
  return out;
}

Expected<Tensor> compress(const TensorView& x, const TensorView& condition,
                          std::optional<int64_t> axis) {
  STITCH_RETURN_IF_ERROR(check_numeric(x, "Compress"));
  if (condition.dtype != DType::kBool || condition.rank() != 1) {
    return error("Compress: the condition must be a 1-D bool tensor, got ",
                 dtype_name(condition.dtype), shape_to_string(condition.shape));
  }
  STITCH_ASSIGN_OR_RETURN(AxisSplit s, split_at(x, axis));
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < condition.numel(); ++i) {
    if (!condition.as<bool>()[i]) continue;
    if (i >= s.dim)
      return error("Compress: the condition selects index ", i, " of a dim of ", s.dim);
    kept.push_back(i);
  }
  return gather_slices(x, axis, s, kept);
}

UniqueGroups group_slices(int64_t n, bool sorted, const std::function<int(int64_t, int64_t)>& cmp) {
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
  // Renumber the groups by first occurrence.
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

Expected<UniqueResult> unique(const TensorView& x, std::optional<int64_t> axis, bool sorted) {
  STITCH_RETURN_IF_ERROR(check_numeric(x, "Unique"));
  if (axis && x.rank() == 0) return error("Unique: cannot take unique slices of a scalar");
  STITCH_ASSIGN_OR_RETURN(AxisSplit s, split_at(x, axis));
  UniqueGroups g;
  STITCH_RETURN_IF_ERROR(visit_numeric(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    g = group_slices(s.dim, sorted,
                     [&](int64_t a, int64_t b) { return compare_slices<T>(x, s, a, b); });
    return Status::ok();
  }));
  UniqueResult r;
  r.values = gather_slices(x, axis, s, g.first);
  r.indices = int64_vector(g.first);
  r.inverse = int64_vector(g.inverse);
  r.counts = int64_vector(g.counts);
  return r;
}

}  // namespace stitch::runtime::host_ops
