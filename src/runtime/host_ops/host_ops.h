// Host ops: native implementations of the ops whose output shape depends on the input *data*
// (NonZero, Unique, Compress, NonMaxSuppression). Part of runtime/ (support only, no compiler):
// the executor runs them as host steps of the plan and allocates their outputs at run time;
// the reference interpreter's kernels call the same functions, so both engines share one
// implementation of each algorithm.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/shape.h"
#include "support/status.h"
#include "support/tensor.h"

namespace stitch::runtime::host_ops {

// A read-only view of a dense row-major tensor that lives elsewhere (an arena, a constant, an
// input). Strings have no flat storage: a string view points at numel() std::strings instead.
struct TensorView {
  DType dtype = DType::kUndefined;
  Shape shape;
  const void* data = nullptr;
  const std::string* strings = nullptr;  // string tensors only
  int64_t numel() const { return shape_numel(shape); }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data);
  }
};
inline TensorView view_of(const Tensor& t) {
  if (t.dtype() == DType::kString) return {t.dtype(), t.shape(), nullptr, t.strings().data()};
  return {t.dtype(), t.shape(), t.raw_data(), nullptr};
}

// ---- The ops, with typed parameters (ONNX semantics; the reference kernels call these) ----

// [rank, count] int64: column j holds the coordinates of the j-th non-zero element.
Expected<Tensor> non_zero(const TensorView& x);

// The slices along `axis` (elements of the flattened input without one) whose condition entry
// is true; condition is bool and may be shorter than the dim, never longer with a true entry.
Expected<Tensor> compress(const TensorView& x, const TensorView& condition,
                          std::optional<int64_t> axis);

// Unique's four outputs: values (Y), indices of first occurrences, inverse indices, counts.
struct UniqueResult {
  Tensor values, indices, inverse, counts;
};
Expected<UniqueResult> unique(const TensorView& x, std::optional<int64_t> axis, bool sorted);

// How Unique groups n slices, given cmp(a, b) (<0, 0, >0) ordering slices a and b: groups in
// value order when `sorted`, else in order of first occurrence. Exposed for the reference
// kernel's string path, which has no TensorView.
struct UniqueGroups {
  std::vector<int64_t> first;    // per group: the first slice that has its value
  std::vector<int64_t> inverse;  // per slice: its group
  std::vector<int64_t> counts;   // per group: how many slices
};
UniqueGroups group_slices(int64_t n, bool sorted, const std::function<int(int64_t, int64_t)>& cmp);

// [selected, 3] int64 of (batch, class, box) triples. The optional scalar inputs may be null.
struct NmsParams {
  const TensorView* max_output_boxes_per_class = nullptr;  // default 0
  const TensorView* iou_threshold = nullptr;               // default 0
  const TensorView* score_threshold = nullptr;             // default: no threshold
  bool center_point_box = false;
};
Expected<Tensor> non_max_suppression(const TensorView& boxes, const TensorView& scores,
                                     const NmsParams& params);

// Cast to or from strings (`x` or `to` is a string type; string to string copies). Numbers are
// written the way NumPy's str() writes them (the ONNX tests are generated so): the shortest
// digits that read back to the same value, positional for 1e-4 <= |x| < 1e16 ("0.039187793",
// "3.0"), scientific otherwise ("1e-05"). Strings parse as decimal numbers, "NaN" and "INF" in
// any case; an integer target also takes a float, truncated. Bool on either side is refused.
Expected<Tensor> cast_string(const TensorView& x, DType to);

// ---- The registry the executor uses: ops by name, attributes as (name, int) pairs ----

struct HostAttribute {
  std::string name;
  int64_t value = 0;
};

struct HostOpCall {
  const std::vector<HostAttribute>& attributes;
  std::vector<const TensorView*> inputs;  // null for an absent optional input
  std::vector<Tensor>* outputs;           // sized to the node's outputs; the op fills each
};
using HostOpFn = Status (*)(const HostOpCall& call);

// The host op named `op` (an ONNX op type of the default domain, or "StringCast", which runs
// Cast and CastLike where strings are involved), or null.
HostOpFn find_host_op(std::string_view op);
// The attributes of `op` that its host implementation reads (all integers).
const std::vector<std::string>& host_op_attribute_names(std::string_view op);
// The range of inputs and outputs the host implementation takes.
struct HostOpArity {
  int min_inputs, max_inputs, min_outputs, max_outputs;
};
HostOpArity host_op_arity(std::string_view op);

}  // namespace stitch::runtime::host_ops
