// Shapes, strides and broadcasting on plain int64 vectors. Part of support/.
// A dimension of -1 means "not known yet" (symbolic until inputs fix it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/status.h"

namespace stitch {

using Shape = std::vector<int64_t>;

inline constexpr int64_t kUnknownDim = -1;

// Largest element count a tensor may have (2^40); shapes beyond it are rejected as corrupt.
inline constexpr int64_t kMaxElements = int64_t{1} << 40;

// Product of the dims; 1 for a scalar; saturates at INT64_MAX. Precondition: dims known.
int64_t shape_numel(const Shape& shape);
// True when no dim is unknown.
bool shape_is_static(const Shape& shape);
// Row-major element strides.
Shape shape_strides(const Shape& shape);
// "[1, 3, 224, 224]" ("?" for unknown dims).
std::string shape_to_string(const Shape& shape);
// NumPy (multidirectional) broadcast of two shapes; unknown dims broadcast to unknown.
Expected<Shape> broadcast_shapes(const Shape& a, const Shape& b);
// Maps a possibly negative axis into [0, rank); an error if out of range.
Expected<int64_t> normalize_axis(int64_t axis, int64_t rank);
// The product of dims [begin, end); saturates at INT64_MAX.
int64_t shape_product(const Shape& shape, size_t begin, size_t end);

// Maps a linear index of an output shape to the linear index of an input that broadcasts to it.
// Used by the reference kernels for elementwise ops; simple rather than fast.
class BroadcastIndexer {
 public:
  BroadcastIndexer(const Shape& input, const Shape& output);
  int64_t operator()(int64_t output_index) const;

 private:
  Shape out_dims_;
  Shape in_strides_;  // 0 where the input broadcasts
};

}  // namespace stitch
