// Node attributes of the graph IR (the ONNX attribute kinds, without protobuf).
// Part of graph/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/tensor.h"

namespace stitch::graph {

class Graph;

struct Attribute {
  enum class Kind { kFloat, kInt, kString, kTensor, kGraph, kFloats, kInts, kStrings, kTensors };
  Kind kind = Kind::kInt;
  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::unique_ptr<Graph> g;  // a subgraph body (If, Loop, Scan); owned by the attribute
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;

  Attribute();
  ~Attribute();
  Attribute(Attribute&&) noexcept;
  Attribute& operator=(Attribute&&) noexcept;

  static Attribute of_float(float v);
  static Attribute of_int(int64_t v);
  static Attribute of_string(std::string v);
  static Attribute of_ints(std::vector<int64_t> v);
  static Attribute of_floats(std::vector<float> v);
  static Attribute of_tensor(Tensor v);
  // A short rendering for dumps: "3", "[1, 1]", "'NOTSET'", "<tensor float32[3]>", "<graph>".
  std::string to_string() const;
};

const char* attribute_kind_name(Attribute::Kind kind);

}  // namespace stitch::graph
