// The host-op registry: each op's adapter from (attributes, input views) to its typed
// function, and its arity. Part of runtime/host_ops/ (see host_ops.h).
#include <map>

#include "runtime/host_ops/host_ops.h"

namespace stitch::runtime::host_ops {
namespace {

std::optional<int64_t> find_attribute(const HostOpCall& call, const std::string& name) {
  for (const HostAttribute& a : call.attributes) {
    if (a.name == name) return a.value;
  }
  return std::nullopt;
}

const TensorView* input(const HostOpCall& call, size_t i) {
  return i < call.inputs.size() ? call.inputs[i] : nullptr;
}

Status required(const HostOpCall& call, size_t count, const char* op) {
  for (size_t i = 0; i < count; ++i) {
    if (!input(call, i)) return error(op, ": input ", i, " is missing");
  }
  if (call.outputs->empty()) return error(op, ": no output to write");
  return Status::ok();
}

Status run_non_zero(const HostOpCall& call) {
  STITCH_RETURN_IF_ERROR(required(call, 1, "NonZero"));
  STITCH_ASSIGN_OR_RETURN((*call.outputs)[0], non_zero(*call.inputs[0]));
  return Status::ok();
}

Status run_compress(const HostOpCall& call) {
  STITCH_RETURN_IF_ERROR(required(call, 2, "Compress"));
  STITCH_ASSIGN_OR_RETURN((*call.outputs)[0],
                          compress(*call.inputs[0], *call.inputs[1], find_attribute(call, "axis")));
  return Status::ok();
}

Status run_unique(const HostOpCall& call) {
  STITCH_RETURN_IF_ERROR(required(call, 1, "Unique"));
  bool sorted = find_attribute(call, "sorted").value_or(1) != 0;
  STITCH_ASSIGN_OR_RETURN(UniqueResult r,
                          unique(*call.inputs[0], find_attribute(call, "axis"), sorted));
  std::vector<Tensor>& out = *call.outputs;
  Tensor* parts[] = {&r.values, &r.indices, &r.inverse, &r.counts};
  for (size_t i = 0; i < out.size() && i < 4; ++i) out[i] = std::move(*parts[i]);
  return Status::ok();
}

Status run_non_max_suppression(const HostOpCall& call) {
  STITCH_RETURN_IF_ERROR(required(call, 2, "NonMaxSuppression"));
  NmsParams p;
  p.max_output_boxes_per_class = input(call, 2);
  p.iou_threshold = input(call, 3);
  p.score_threshold = input(call, 4);
  p.center_point_box = find_attribute(call, "center_point_box").value_or(0) != 0;
  STITCH_ASSIGN_OR_RETURN((*call.outputs)[0],
                          non_max_suppression(*call.inputs[0], *call.inputs[1], p));
  return Status::ok();
}

// Cast or CastLike with a string on either side; the plan gives the target dtype as "to".
Status run_string_cast(const HostOpCall& call) {
  STITCH_RETURN_IF_ERROR(required(call, 1, "StringCast"));
  const int64_t to = find_attribute(call, "to").value_or(0);
  if (!dtype_is_valid(static_cast<int>(to))) return error("StringCast: bad target type ", to);
  STITCH_ASSIGN_OR_RETURN((*call.outputs)[0], cast_string(*call.inputs[0], static_cast<DType>(to)));
  return Status::ok();
}

struct Entry {
  HostOpFn fn;
  HostOpArity arity;
  std::vector<std::string> attributes;
};

const std::map<std::string, Entry, std::less<>>& table() {
  static const std::map<std::string, Entry, std::less<>> t{
      {"NonZero", {run_non_zero, {1, 1, 1, 1}, {}}},
      {"Compress", {run_compress, {2, 2, 1, 1}, {"axis"}}},
      {"Unique", {run_unique, {1, 1, 1, 4}, {"axis", "sorted"}}},
      {"NonMaxSuppression", {run_non_max_suppression, {2, 5, 1, 1}, {"center_point_box"}}},
      {"StringCast", {run_string_cast, {1, 1, 1, 1}, {"to"}}},
  };
  return t;
}

}  // namespace

HostOpFn find_host_op(std::string_view op) {
  auto it = table().find(op);
  return it == table().end() ? nullptr : it->second.fn;
}

const std::vector<std::string>& host_op_attribute_names(std::string_view op) {
  static const std::vector<std::string> none;
  auto it = table().find(op);
  return it == table().end() ? none : it->second.attributes;
}

HostOpArity host_op_arity(std::string_view op) {
  auto it = table().find(op);
  return it == table().end() ? HostOpArity{0, 0, 0, 0} : it->second.arity;
}

}  // namespace stitch::runtime::host_ops
