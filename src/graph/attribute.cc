// Node attributes. Part of graph/.
#include "graph/attribute.h"

#include "graph/graph.h"

namespace stitch::graph {

Attribute::Attribute() = default;
Attribute::~Attribute() = default;
Attribute::Attribute(Attribute&&) noexcept = default;
Attribute& Attribute::operator=(Attribute&&) noexcept = default;

Attribute Attribute::of_float(float v) {
  Attribute a;
  a.kind = Kind::kFloat;
  a.f = v;
  return a;
}
Attribute Attribute::of_int(int64_t v) {
  Attribute a;
  a.kind = Kind::kInt;
  a.i = v;
  return a;
}
Attribute Attribute::of_string(std::string v) {
  Attribute a;
  a.kind = Kind::kString;
  a.s = std::move(v);
  return a;
}
Attribute Attribute::of_ints(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Kind::kInts;
  a.ints = std::move(v);
  return a;
}
Attribute Attribute::of_floats(std::vector<float> v) {
  Attribute a;
  a.kind = Kind::kFloats;
  a.floats = std::move(v);
  return a;
}
Attribute Attribute::of_tensor(Tensor v) {
  Attribute a;
  a.kind = Kind::kTensor;
  a.t = std::move(v);
  return a;
}

namespace {
template <typename T>
std::string list_to_string(const std::vector<T>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + str_cat(v[i]);
  return s + "]";
}
}  // namespace

std::string Attribute::to_string() const {
  switch (kind) {
    case Kind::kFloat:
      return str_cat(f);
    case Kind::kInt:
      return str_cat(i);
    case Kind::kString:
      return "'" + s + "'";
    case Kind::kTensor:
      return "<tensor " + t.type_string() + ">";
    case Kind::kGraph:
      return "<graph>";
    case Kind::kFloats:
      return list_to_string(floats);
    case Kind::kInts:
      return list_to_string(ints);
    case Kind::kStrings:
      return list_to_string(strings);
    case Kind::kTensors:
      return str_cat("<", tensors.size(), " tensors>");
  }
  return "?";
}

const char* attribute_kind_name(Attribute::Kind kind) {
  switch (kind) {
    case Attribute::Kind::kFloat:
      return "float";
    case Attribute::Kind::kInt:
      return "int";
    case Attribute::Kind::kString:
      return "string";
    case Attribute::Kind::kTensor:
      return "tensor";
    case Attribute::Kind::kGraph:
      return "graph";
    case Attribute::Kind::kFloats:
      return "floats";
    case Attribute::Kind::kInts:
      return "ints";
    case Attribute::Kind::kStrings:
      return "strings";
    case Attribute::Kind::kTensors:
      return "tensors";
  }
  return "?";
}

}  // namespace stitch::graph
