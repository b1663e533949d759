// Shapes, strides and broadcasting. Part of support/.
#include "support/shape.h"

#include <algorithm>
#include <cstdint>

namespace stitch {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    // Saturate: shapes come from untrusted files, and callers compare against size limits.
    if (__builtin_mul_overflow(n, d, &n)) return INT64_MAX;
  }
  return n;
}

bool shape_is_static(const Shape& shape) {
  return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
}

Shape shape_strides(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * shape[i + 1];
  }
  return strides;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += shape[i] < 0 ? "?" : std::to_string(shape[i]);
  }
  return s + "]";
}

Expected<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else if (db == 1) {
      out[i] = da;
    } else if (da < 0 || db < 0) {
      out[i] = std::max(da, db);  // the known one wins; a mismatch shows at run time
    } else {
      return error("shapes ", shape_to_string(a), " and ", shape_to_string(b),
                   " cannot be broadcast together");
    }
  }
  return out;
}

Expected<int64_t> normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    if (!(rank == 0 && (axis == 0 || axis == -1))) {
      return error("axis ", axis, " is out of range for rank ", rank);
    }
  }
  return axis < 0 ? axis + rank : axis;
}

int64_t shape_product(const Shape& shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < shape.size(); ++i) {
    if (__builtin_mul_overflow(n, shape[i], &n)) return INT64_MAX;
  }
  return n;
}

BroadcastIndexer::BroadcastIndexer(const Shape& input, const Shape& output) : out_dims_(output) {
  Shape strides = shape_strides(input);
  size_t offset = output.size() - input.size();
  in_strides_.assign(output.size(), 0);
  for (size_t i = 0; i < input.size(); ++i) {
    in_strides_[offset + i] = input[i] == 1 ? 0 : strides[i];
  }
}

int64_t BroadcastIndexer::operator()(int64_t output_index) const {
  int64_t in = 0;
  for (int i = static_cast<int>(out_dims_.size()) - 1; i >= 0; --i) {
    int64_t d = out_dims_[i];
    int64_t coord = d > 0 ? output_index % d : 0;
    output_index = d > 0 ? output_index / d : 0;
    in += coord * in_strides_[i];
  }
  return in;
}

}  // namespace stitch
