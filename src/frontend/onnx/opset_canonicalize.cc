// Old-opset → canonical op forms. One small rewrite per changed op; each says which opset
// changed it. Part of frontend/onnx/.
#include "frontend/onnx/opset_canonicalize.h"

#include <string>

namespace stitch::frontend {
namespace {

using graph::Attribute;
using graph::Graph;
using graph::Node;
using graph::Value;

// Moves an int-list attribute to input `index` as an int64 constant (absent attribute: the
// input stays omitted).
void ints_attr_to_input(Graph& g, Node* n, const std::string& attr, int index) {
  const Attribute* a = n->attr(attr);
  if (!a) return;
  std::vector<int64_t> v = a->ints;
  Tensor t = Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
  Value* c = g.add_constant(g.unique_name(n->name() + "_" + attr), std::move(t));
  g.set_node_input(n, index, c);
  n->remove_attr(attr);
}

// A scalar constant of `dtype` (float attribute values of Clip/Pad).
Value* scalar_constant(Graph& g, const std::string& name, DType dtype, double value) {
  Tensor t(dtype, {});
  Status s = visit_numeric(dtype, [&](auto tag) {
    using T = decltype(tag);
    t.data<T>()[0] = static_cast<T>(static_cast<ComputeType<T>>(value));
    return Status::ok();
  });
  if (!s.is_ok()) {
    t = Tensor::scalar<float>(static_cast<float>(value));
  }
  return g.add_constant(g.unique_name(name), std::move(t));
}

DType input_dtype(Node* n, int i) {
  Value* v = n->input(i);
  return v && v->dtype() != DType::kUndefined ? v->dtype() : DType::kFloat32;
}

bool is_reduce(const std::string& op) { return op.rfind("Reduce", 0) == 0; }

void canonicalize_reduce(Graph& g, Node* n) {
  // ReduceSum took axes as an input from opset 13, the others from opset 18.
  int changed_at = n->op_type() == "ReduceSum" ? 13 : 18;
  if (n->opset() < changed_at) ints_attr_to_input(g, n, "axes", 1);
}

void canonicalize_pad(Graph& g, Node* n) {
  if (n->opset() >= 11) return;
  const char* pads_name = n->opset() < 2 ? "paddings" : "pads";
  const Attribute* a = n->attr(pads_name);
  if (a) {
    Tensor t = Tensor::from_vector(a->ints, {static_cast<int64_t>(a->ints.size())});
    g.set_node_input(n, 1, g.add_constant(g.unique_name(n->name() + "_pads"), std::move(t)));
    n->remove_attr(pads_name);
  }
  float value = n->attr_float("value", 0.0f);
  g.set_node_input(n, 2, scalar_constant(g, n->name() + "_value", input_dtype(n, 0), value));
  n->remove_attr("value");
}

void canonicalize_clip(Graph& g, Node* n) {
  if (n->opset() >= 11) return;
  DType t = input_dtype(n, 0);
  if (n->has_attr("min")) {
    g.set_node_input(n, 1, scalar_constant(g, n->name() + "_min", t, n->attr_float("min", 0)));
  }
  if (n->has_attr("max")) {
    g.set_node_input(n, 2, scalar_constant(g, n->name() + "_max", t, n->attr_float("max", 0)));
  }
  n->remove_attr("min");
  n->remove_attr("max");
}

void canonicalize_slice(Graph& g, Node* n) {
  if (n->opset() >= 10) return;
  ints_attr_to_input(g, n, "starts", 1);
  ints_attr_to_input(g, n, "ends", 2);
  ints_attr_to_input(g, n, "axes", 3);
}

void canonicalize_dropout(Graph& g, Node* n) {
  if (n->opset() >= 12) return;
  // Before opset 12 Dropout had a ratio attribute and is_test; inference semantics are identity.
  if (n->has_attr("ratio")) {
    float r = n->attr_float("ratio", 0.5f);
    g.set_node_input(n, 1, scalar_constant(g, n->name() + "_ratio", DType::kFloat32, r));
  }
  n->remove_attr("ratio");
  n->remove_attr("is_test");
}

void canonicalize_topk(Graph& g, Node* n) {
  if (n->opset() >= 10 || !n->has_attr("k")) return;
  Tensor t = Tensor::from_vector<int64_t>({n->attr_int("k", 1)}, {1});
  g.set_node_input(n, 1, g.add_constant(g.unique_name(n->name() + "_k"), std::move(t)));
  n->remove_attr("k");
}

// Upsample (opset 7–9) and Resize (opset 10) used the "asymmetric" coordinate transform with
// floor rounding; canonical Resize takes (X, roi, scales, sizes).
void canonicalize_resize_like(Graph& g, Node* n) {
  bool upsample = n->op_type() == "Upsample";
  if (!upsample && !(n->op_type() == "Resize" && n->opset() < 11)) return;
  Value* scales = n->input(1);
  if (upsample && n->has_attr("scales")) {
    std::vector<float> s = n->attr_floats("scales");
    scales = g.add_constant(g.unique_name(n->name() + "_scales"),
                            Tensor::from_vector(s, {static_cast<int64_t>(s.size())}));
    n->remove_attr("scales");
  }
  if (upsample) g.set_op_type(n, "Resize");
  std::string mode = n->attr_string("mode", "nearest");
  if (mode == "bilinear" || mode == "trilinear") mode = "linear";
  n->set_attr("mode", Attribute::of_string(mode));
  n->set_attr("coordinate_transformation_mode", Attribute::of_string("asymmetric"));
  if (mode == "nearest") n->set_attr("nearest_mode", Attribute::of_string("floor"));
  g.set_node_input(n, 1, nullptr);  // roi
  g.set_node_input(n, 2, scales);
}

}  // namespace

Status canonicalize_node(Graph& g, Node* n) {
  if (!n->domain().empty()) return Status::ok();
  const std::string& op = n->op_type();
  int v = n->opset();
  if (op == "Reshape" && v < 5) {
    ints_attr_to_input(g, n, "shape", 1);
  } else if ((op == "Squeeze" || op == "Unsqueeze") && v < 13) {
    ints_attr_to_input(g, n, "axes", 1);
  } else if (op == "Split" && v < 13) {
    ints_attr_to_input(g, n, "split", 1);
  } else if (is_reduce(op)) {
    canonicalize_reduce(g, n);
  } else if (op == "Pad") {
    canonicalize_pad(g, n);
  } else if (op == "Clip") {
    canonicalize_clip(g, n);
  } else if (op == "Slice") {
    canonicalize_slice(g, n);
  } else if (op == "Dropout") {
    canonicalize_dropout(g, n);
  } else if (op == "TopK") {
    canonicalize_topk(g, n);
  } else if (op == "Upsample" || op == "Resize") {
    canonicalize_resize_like(g, n);
  }
  return Status::ok();
}

}  // namespace stitch::frontend
