// Element-moving helpers shared by the tensor-family reference kernels (tensor*.cc): copies that
// only move elements work on raw words of the element's size, so one path serves every dtype.
// Part of reference/kernels/; private to the tensor family.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "support/tensor.h"

namespace stitch::reference::tensor_util {

// A strided view of a tensor's storage: element (c_0, ..., c_k) lies at offset + sum c_i * s_i.
struct StridedView {
  int64_t offset = 0;
  Shape strides;
};

// Walks every coordinate of `dims` in row-major order, keeping the linear positions of two
// strided views in step; calls step(src_index, dst_index) for each. Nothing happens when a dim
// is 0.
template <typename Step>
void walk_strided(const Shape& dims, const StridedView& src, const StridedView& dst, Step&& step) {
  for (int64_t d : dims) {
    if (d <= 0) return;
  }
  const size_t rank = dims.size();
  Shape coord(rank, 0);
  int64_t si = src.offset, di = dst.offset;
  while (true) {
    step(si, di);
    size_t k = rank;
    while (k > 0) {
      --k;
      if (++coord[k] < dims[k]) {
        si += src.strides[k];
        di += dst.strides[k];
        break;
      }
      si -= src.strides[k] * (dims[k] - 1);
      di -= dst.strides[k] * (dims[k] - 1);
      coord[k] = 0;
      if (k == 0) return;
    }
    if (rank == 0) return;
  }
}

// Runs f(Word{}) with an unsigned integer type as wide as one element of `t`; strings and
// undefined types report an error. Used to move elements without caring what they mean.
template <typename F>
Status visit_word(DType t, F&& f) {
  switch (dtype_size(t)) {
    case 1:
      return f(uint8_t{});
    case 2:
      return f(uint16_t{});
    case 4:
      return f(uint32_t{});
    case 8:
      return f(uint64_t{});
    default:
      return error("unsupported element type ", dtype_name(t));
  }
}

// dst[dst view] = src[src view] over `dims`, for any dtype including strings.
inline Status strided_copy(const Tensor& src, const StridedView& sv, Tensor& dst,
                           const StridedView& dv, const Shape& dims) {
  if (src.dtype() != dst.dtype()) return error("internal: copy between different dtypes");
  if (src.dtype() == DType::kString) {
    walk_strided(dims, sv, dv,
                 [&](int64_t si, int64_t di) { dst.strings()[di] = src.strings()[si]; });
    return Status::ok();
  }
  return visit_word(src.dtype(), [&](auto tag) {
    using Word = decltype(tag);
    const Word* s = static_cast<const Word*>(src.raw_data());
    Word* d = static_cast<Word*>(dst.raw_data());
    walk_strided(dims, sv, dv, [&](int64_t si, int64_t di) { d[di] = s[si]; });
    return Status::ok();
  });
}

// dst[i] = src[index(i)] for every i of dst, in order; a negative index leaves dst[i] as it is.
template <typename IndexFn>
Status gather_by(const Tensor& src, Tensor& dst, IndexFn&& index) {
  if (src.dtype() != dst.dtype()) return error("internal: copy between different dtypes");
  const int64_t n = dst.numel();
  if (src.dtype() == DType::kString) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t j = index(i);
      if (j >= 0) dst.strings()[i] = src.strings()[j];
    }
    return Status::ok();
  }
  return visit_word(src.dtype(), [&](auto tag) {
    using Word = decltype(tag);
    const Word* s = static_cast<const Word*>(src.raw_data());
    Word* d = static_cast<Word*>(dst.raw_data());
    for (int64_t i = 0; i < n; ++i) {
      int64_t j = index(i);
      if (j >= 0) d[i] = s[j];
    }
    return Status::ok();
  });
}

// Copies every element of src into dst, which has the same dtype and element count.
inline Status copy_all(const Tensor& src, Tensor& dst) {
  if (src.dtype() != dst.dtype() || src.numel() != dst.numel()) {
    return error("internal: output ", dst.type_string(), " does not fit input ", src.type_string());
  }
  if (src.dtype() == DType::kString) {
    dst.strings() = src.strings();
  } else if (src.nbytes() > 0) {
    std::memcpy(dst.raw_data(), src.raw_data(), src.nbytes());
  }
  return Status::ok();
}

// Sets every element of dst to src[at] (same dtype).
inline Status fill_with(Tensor& dst, const Tensor& src, int64_t at) {
  return gather_by(src, dst, [at](int64_t) { return at; });
}

// Reads an index tensor (int32 or int64) as int64, mapping negative entries by adding `dim`
// and rejecting those out of [0, dim).
inline Expected<std::vector<int64_t>> read_indices(const Tensor& t, int64_t dim) {
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    int64_t v = t.as_int64(i);
    if (v < -dim || v >= dim) return error("index ", v, " out of range for a dim of ", dim);
    out[i] = v < 0 ? v + dim : v;
  }
  return out;
}

}  // namespace stitch::reference::tensor_util
