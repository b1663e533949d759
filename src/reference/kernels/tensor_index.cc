// Reference kernels of the tensor family, gather/scatter part: Gather, GatherElements, GatherND,
// Scatter, ScatterElements, ScatterND, ReverseSequence. Part of reference/kernels/; registered
// by register_tensor_kernels (tensor.cc). NonZero, Compress, Unique are in tensor_select.cc.
#include <algorithm>

#include "reference/kernel_registry.h"
#include "reference/kernels/tensor_util.h"

namespace stitch::reference {

void register_tensor_select_kernels(KernelRegistry& r);

namespace {

int64_t axis_attr(const KernelContext& ctx, int64_t rank) {
  int64_t axis = ctx.node().attr_int("axis", 0);
  return axis < 0 ? axis + rank : axis;
}

// Output [outer, indices..., inner] reads data [outer, index, inner].
Status gather(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  int64_t axis = axis_attr(ctx, data.rank());
  int64_t dim = data.dim(axis);
  STITCH_ASSIGN_OR_RETURN(auto idx, tensor_util::read_indices(ctx.input(1), dim));
  int64_t inner = shape_product(data.shape(), axis + 1, data.shape().size());
  int64_t count = static_cast<int64_t>(idx.size());
  return tensor_util::gather_by(data, ctx.output(0), [&](int64_t i) {
    int64_t t = i % inner, j = (i / inner) % count, o = i / (inner * count);
    return (o * dim + idx[j]) * inner + t;
  });
}

// Linear positions in `data` of every element of a same-rank `indices` tensor, with the axis
// coordinate replaced by the index value (GatherElements and ScatterElements).
Expected<std::vector<int64_t>> element_positions(const Tensor& data, const Tensor& indices,
                                                 int64_t axis) {
  for (int64_t a = 0; a < data.rank(); ++a) {
    if (a != axis && indices.dim(a) > data.dim(a)) {
      return error("indices ", indices.type_string(), " exceed data ", data.type_string(),
                   " off the axis");
    }
  }
  STITCH_ASSIGN_OR_RETURN(auto idx, tensor_util::read_indices(indices, data.dim(axis)));
  Shape strides = shape_strides(data.shape());
  Shape coord(static_cast<size_t>(data.rank()), 0);
  std::vector<int64_t> pos(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) {
    int64_t p = 0;
    for (int64_t a = 0; a < data.rank(); ++a) p += (a == axis ? idx[i] : coord[a]) * strides[a];
    pos[i] = p;
    for (int64_t a = data.rank() - 1; a >= 0; --a) {
      if (++coord[a] < indices.dim(a)) break;
      coord[a] = 0;
    }
  }
  return pos;
}

Status gather_elements(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  STITCH_ASSIGN_OR_RETURN(auto pos,
                          element_positions(data, ctx.input(1), axis_attr(ctx, data.rank())));
  return tensor_util::gather_by(data, ctx.output(0), [&](int64_t i) { return pos[i]; });
}

// The start of the data slice each index tuple of ScatterND / GatherND names; `batch` leading
// dims of indices and data walk together (GatherND's batch_dims).
Expected<std::vector<int64_t>> tuple_offsets(const Tensor& data, const Tensor& indices,
                                             int64_t batch) {
  int64_t k = indices.dim(indices.rank() - 1);
  int64_t tuples = indices.numel() / std::max<int64_t>(k, 1);
  if (k == 0) tuples = shape_product(indices.shape(), 0, indices.shape().size() - 1);
  int64_t per_batch = tuples / std::max<int64_t>(shape_product(indices.shape(), 0, batch), 1);
  int64_t batch_stride = shape_product(data.shape(), batch, data.shape().size());
  Shape strides = shape_strides(data.shape());
  std::vector<int64_t> offsets(static_cast<size_t>(tuples));
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t off = per_batch == 0 ? 0 : (t / per_batch) * batch_stride;
    for (int64_t j = 0; j < k; ++j) {
      int64_t dim = data.dim(batch + j);
      int64_t v = indices.as_int64(t * k + j);
      if (v < -dim || v >= dim) return error("index ", v, " out of range for a dim of ", dim);
      off += (v < 0 ? v + dim : v) * strides[batch + j];
    }
    offsets[t] = off;
  }
  return offsets;
}

Status gather_nd(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  int64_t batch = ctx.node().attr_int("batch_dims", 0);
  int64_t k = indices.dim(indices.rank() - 1);
  STITCH_ASSIGN_OR_RETURN(auto offsets, tuple_offsets(data, indices, batch));
  int64_t slice = shape_product(data.shape(), batch + k, data.shape().size());
  return tensor_util::gather_by(data, ctx.output(0),
                                [&](int64_t i) { return offsets[i / slice] + i % slice; });
}

enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

Reduction reduction_attr(const KernelContext& ctx) {
  std::string r = ctx.node().attr_string("reduction", "none");
  if (r == "add") return Reduction::kAdd;
  if (r == "mul") return Reduction::kMul;
  if (r == "max") return Reduction::kMax;
  if (r == "min") return Reduction::kMin;
  return Reduction::kNone;
}

// out[pos[i]] = reduce(out[pos[i]], updates[i]) in order, so later duplicates win for "none".
Status scatter_into(Tensor& out, const Tensor& updates, const std::vector<int64_t>& pos,
                    Reduction red) {
  if (red == Reduction::kNone) {
    std::vector<int64_t> src(static_cast<size_t>(out.numel()), -1);
    for (size_t i = 0; i < pos.size(); ++i) src[pos[i]] = static_cast<int64_t>(i);
    return tensor_util::gather_by(updates, out, [&](int64_t i) { return src[i]; });
  }
  return visit_numeric(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeType<T>;
    T* o = out.data<T>();
    const T* u = updates.data<T>();
    for (size_t i = 0; i < pos.size(); ++i) {
      C a = o[pos[i]], b = u[i];
      C r = red == Reduction::kAdd   ? static_cast<C>(a + b)
            : red == Reduction::kMul ? static_cast<C>(a * b)
            : red == Reduction::kMax ? std::max(a, b)
                                     : std::min(a, b);
      o[pos[i]] = static_cast<T>(r);
    }
    return Status::ok();
  });
}

Status scatter_elements(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  Tensor& out = ctx.output(0);
  STITCH_RETURN_IF_ERROR(tensor_util::copy_all(data, out));
  STITCH_ASSIGN_OR_RETURN(auto pos,
                          element_positions(data, ctx.input(1), axis_attr(ctx, data.rank())));
  return scatter_into(out, ctx.input(2), pos, reduction_attr(ctx));
}

Status scatter_nd(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  Tensor& out = ctx.output(0);
  STITCH_RETURN_IF_ERROR(tensor_util::copy_all(data, out));
  int64_t k = indices.dim(indices.rank() - 1);
  STITCH_ASSIGN_OR_RETURN(auto offsets, tuple_offsets(data, indices, 0));
  int64_t slice = shape_product(data.shape(), k, data.shape().size());
  if (ctx.input(2).numel() != static_cast<int64_t>(offsets.size()) * slice) {
    return error("updates ", ctx.input(2).type_string(), " do not fit the indices");
  }
  std::vector<int64_t> pos;
  for (int64_t off : offsets) {
    for (int64_t t = 0; t < slice; ++t) pos.push_back(off + t);
  }
  return scatter_into(out, ctx.input(2), pos, reduction_attr(ctx));
}

// Reverses the first len[b] steps of every batch entry b; later steps are copied.
Status reverse_sequence(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  bool time_first = ctx.node().attr_int("time_axis", 0) == 0;
  int64_t steps = in.dim(time_first ? 0 : 1), batch = in.dim(time_first ? 1 : 0);
  std::vector<int64_t> lens = ctx.input(1).to_int64_vector();
  if (static_cast<int64_t>(lens.size()) != batch) return error("sequence_lens does not fit batch");
  for (int64_t len : lens) {
    if (len < 0 || len > steps) return error("sequence length ", len, " out of [0, ", steps, "]");
  }
  int64_t inner = shape_product(in.shape(), 2, in.shape().size());
  int64_t second = in.dim(1);
  return tensor_util::gather_by(in, ctx.output(0), [&](int64_t i) {
    int64_t r = i % inner, a1 = (i / inner) % second, a0 = i / (inner * second);
    int64_t t = time_first ? a0 : a1, b = time_first ? a1 : a0;
    int64_t src_t = t < lens[b] ? lens[b] - 1 - t : t;
    int64_t s0 = time_first ? src_t : b, s1 = time_first ? b : src_t;
    return (s0 * second + s1) * inner + r;
  });
}

}  // namespace

void register_tensor_index_kernels(KernelRegistry& r) {
  r.add("", "Gather", gather);
  r.add("", "GatherElements", gather_elements);
  r.add("", "GatherND", gather_nd);
  r.add("", "Scatter", scatter_elements);
  r.add("", "ScatterElements", scatter_elements);
  r.add("", "ScatterND", scatter_nd);
  r.add("", "ReverseSequence", reverse_sequence);
  register_tensor_select_kernels(r);
}

}  // namespace stitch::reference
