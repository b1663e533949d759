// Which Concats the memory plan assembles in place (in_place_concat.h). Part of partition/.
#include "partition/in_place_concat.h"

#include <algorithm>

#include "graph/op_registry.h"

namespace stitch::partition {
namespace {

constexpr int64_t kSliceAlignment = 64;  // the arena aligns every planned buffer to this
constexpr int kMaxInjectiveDepth = 8;    // ops between an anchor and a slice (Relu, Add, ...)

bool is_concat(const graph::Node& n) { return n.domain().empty() && n.op_type() == "Concat"; }

int64_t bytes_of(const graph::Value& v) {
  return shape_numel(v.shape()) * static_cast<int64_t>(dtype_size(v.dtype()));
}

graph::OpClass class_of(const graph::Node& n) {
  const graph::OpSchema* schema = graph::OpRegistry::global().find(n.domain(), n.op_type());
  return schema ? schema->op_class : graph::OpClass::kOpaque;
}

// True when `v` is computed by an anchor (a complex or reduce op), directly or through at most
// `depth` injective ops: its kernel writes it to memory in any case. A value that injective ops
// compute from graph inputs alone is not: without the in-place Concat, the partitioner fuses
// those ops with the Concat and its consumers, and nothing is materialized at all.
bool anchored(const graph::Value& v, int depth) {
  const graph::Node* p = v.producer();
  if (!p) return false;
  switch (class_of(*p)) {
    case graph::OpClass::kComplex:
    case graph::OpClass::kReduce:
      return true;
    case graph::OpClass::kOpaque:
      return false;
    case graph::OpClass::kInjective:
      break;
  }
  if (depth == 0) return false;
  for (const graph::Value* in : p->inputs()) {
    if (in && !in->is_constant() && anchored(*in, depth - 1)) return true;
  }
  return false;
}

// An intermediate an anchor's kernel writes, that only `concat` among the Concats reads, once.
bool kernel_written_slice(const graph::Value& v, const graph::Node& concat) {
  if (v.is_constant() || v.is_graph_input() || v.is_graph_output() || v.is_outer_scope()) {
    return false;
  }
  const graph::Node* p = v.producer();
  if (!p || is_concat(*p) || class_of(*p) == graph::OpClass::kOpaque) return false;
  if (!anchored(v, kMaxInjectiveDepth)) return false;
  for (const graph::Node* user : v.users()) {
    if (is_concat(*user) && user != &concat) return false;
  }
  return std::count(concat.inputs().begin(), concat.inputs().end(), &v) == 1;
}

}  // namespace

std::optional<std::vector<int64_t>> in_place_concat_offsets(const graph::Node& n) {
  if (!is_concat(n) || n.num_outputs() != 1 || n.num_inputs() < 1) return std::nullopt;
  const graph::Value* out = n.output(0);
  if (!out || !out->type().is_static() || dtype_size(out->dtype()) == 0) return std::nullopt;
  if (out->is_graph_output() || out->is_outer_scope() || out->users().empty()) return std::nullopt;
  if (bytes_of(*out) < kMinInPlaceConcatBytes) return std::nullopt;
  const Shape& os = out->shape();
  auto axis = normalize_axis(n.attr_int("axis", 0), static_cast<int64_t>(os.size()));
  if (!axis.is_ok()) return std::nullopt;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis.value(); ++d) outer *= os[d];
  if (outer != 1) return std::nullopt;  // each input would be several strided pieces

  std::vector<int64_t> offsets;
  int64_t at = 0;
  for (const graph::Value* in : n.inputs()) {
    if (!in || !in->type().is_static() || in->dtype() != out->dtype()) return std::nullopt;
    if (!kernel_written_slice(*in, n)) return std::nullopt;
    const int64_t bytes = bytes_of(*in);
    if (bytes == 0 || at % kSliceAlignment != 0) return std::nullopt;
    offsets.push_back(at);
    at += bytes;
  }
  if (at != bytes_of(*out)) return std::nullopt;  // shapes that do not add up: leave it be
  return offsets;
}

}  // namespace stitch::partition
