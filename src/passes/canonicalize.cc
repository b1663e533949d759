// Canonicalization. Part of passes/.
//
// Every rewrite keeps the value a removed node wrote (names, users, graph-output status): a
// no-op node is bypassed with bypass_node, and Gemm's replacement chain ends in Gemm's own
// output value. Gemm with beta = 0 drops C, as ONNX Runtime does (C's NaNs are not kept).
#include "passes/canonicalize.h"

#include <algorithm>
#include <cstring>
#include <tuple>
#include <utility>

#include "passes/pass_util.h"

namespace stitch::passes {
namespace {

using graph::Attribute;
using graph::Graph;
using graph::Node;
using graph::Value;

class Canonicalize : public Pass {
 public:
  std::string name() const override { return "canonicalize"; }
  Expected<bool> run(Graph& graph) override;
};

bool is_op(const Node& n, const char* op) { return n.domain().empty() && n.op_type() == op; }

// ---- Gemm → MatMul + Add -------------------------------------------------------------------

Tensor transpose_2d(const Tensor& t) {
  Tensor out(t.dtype(), {t.dim(1), t.dim(0)});
  size_t es = dtype_size(t.dtype());
  const auto* src = static_cast<const uint8_t*>(t.raw_data());
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  for (int64_t i = 0; i < t.dim(0); ++i) {
    for (int64_t j = 0; j < t.dim(1); ++j) {
      std::memcpy(dst + (j * t.dim(0) + i) * es, src + (i * t.dim(1) + j) * es, es);
    }
  }
  return out;
}

Tensor scale_tensor(const Tensor& t, double s) {
  Tensor out(DType::kFloat32, t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) {
    out.data<float>()[i] = static_cast<float>(t.data<float>()[i] * s);
  }
  return out;
}

// Emits `op(inputs)` into a fresh value (or `final` when given) after a removed Gemm.
struct GemmEmitter {
  Graph& g;
  std::string name;
  int opset;
  Value* emit(const std::string& op, const std::string& suffix, std::vector<Value*> inputs,
              Value* final = nullptr) {
    Value* out = final ? final : add_temp_value(g, name + suffix, {});
    Node* n = g.add_node(op, name + (op == "MatMul" ? "" : suffix), inputs, {out}, "", opset);
    if (op == "Transpose") n->set_attr("perm", Attribute::of_ints({1, 0}));
    return out;
  }
  Value* scalar(const std::string& suffix, double v) {
    return add_constant_value(g, name + suffix, Tensor::scalar<float>(static_cast<float>(v)));
  }
};

// Folds transposes, alpha and beta into the constant operands of Gemm `n` (which stays a
// Gemm, now with those attributes partly neutral). Returns the scales still to apply by nodes.
std::pair<double, double> fold_gemm_operands(Graph& g, Node* n, double alpha, double beta,
                                             const PinnedNames& pinned) {
  for (int i = 0; i < 2; ++i) {
    const char* attr = i == 0 ? "transA" : "transB";
    if (n->attr_int(attr, 0) != 0 && n->input(i)->is_constant()) {
      replace_constant_input(g, n, i, transpose_2d(*n->input(i)->constant()), pinned);
      n->set_attr(attr, Attribute::of_int(0));
    }
  }
  int scaled = n->input(1)->is_constant() ? 1 : n->input(0)->is_constant() ? 0 : -1;
  if (alpha != 1.0 && scaled >= 0) {
    replace_constant_input(g, n, scaled, scale_tensor(*n->input(scaled)->constant(), alpha),
                           pinned);
    alpha = 1.0;
  }
  if (n->has_input(2) && beta != 1.0 && n->input(2)->is_constant()) {
    replace_constant_input(g, n, 2, scale_tensor(*n->input(2)->constant(), beta), pinned);
    beta = 1.0;
  }
  return {alpha, beta};
}

// Gemm → [Transpose] MatMul [Mul alpha] [+ (C [Mul beta])]. Returns false (changing nothing)
// for non-float32 Gemms that need scaling.
bool rewrite_gemm(Graph& g, Node* n, const PinnedNames& pinned) {
  if (!is_op(*n, "Gemm") || !n->has_input(0) || !n->has_input(1) || !n->output(0)) return false;
  double alpha = n->attr_float("alpha", 1.0f), beta = n->attr_float("beta", 1.0f);
  bool has_c = n->has_input(2) && beta != 0.0;
  if ((alpha != 1.0 || (has_c && beta != 1.0)) && n->output(0)->dtype() != DType::kFloat32) {
    return false;
  }
  std::tie(alpha, beta) = fold_gemm_operands(g, n, alpha, has_c ? beta : 1.0, pinned);
  bool ta = n->attr_int("transA", 0) != 0, tb = n->attr_int("transB", 0) != 0;
  Value* a = n->input(0);
  Value* b = n->input(1);
  Value* c = has_c ? n->input(2) : nullptr;
  Value* y = n->output(0);
  GemmEmitter e{g, n->name(), n->opset()};
  g.remove_node(n);
  if (ta) a = e.emit("Transpose", "_a_t", {a});
  if (tb) b = e.emit("Transpose", "_b_t", {b});
  Value* mm = e.emit("MatMul", "_mm", {a, b}, alpha != 1.0 || c ? nullptr : y);
  if (alpha != 1.0) {
    mm = e.emit("Mul", "_alpha_mul", {mm, e.scalar("_alpha", alpha)}, c ? nullptr : y);
  }
  if (c && beta != 1.0) c = e.emit("Mul", "_beta_mul", {c, e.scalar("_beta", beta)});
  if (c) e.emit("Add", "_bias", {mm, c}, y);
  return true;
}

// ---- No-ops --------------------------------------------------------------------------------

bool same_static_type(const Value* a, const Value* b) {
  return a && b && a->type().is_static() && b->type().is_static() && a->dtype() == b->dtype() &&
         a->shape() == b->shape();
}

bool identity_perm(const Node& n) {
  const Value* x = n.input(0);
  if (!n.has_attr("perm")) return x && x->type().has_shape && x->shape().size() <= 1;
  std::vector<int64_t> perm = n.attr_ints("perm");
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// The input that output 0 of `n` always equals, or nullptr.
Value* noop_source(const Node& n) {
  if (!n.domain().empty() || !n.input(0) || !n.output(0)) return nullptr;
  const std::string& op = n.op_type();
  Value* x = n.input(0);
  if (op == "Identity") return x;
  if (op == "Dropout") return dropout_is_identity(n) ? x : nullptr;
  if (op == "Cast") return n.attr_int("to", 0) == static_cast<int64_t>(x->dtype()) ? x : nullptr;
  if (op == "Transpose") return identity_perm(n) ? x : nullptr;
  bool reshaping =
      op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" || op == "Expand";
  return reshaping && same_static_type(x, n.output(0)) ? x : nullptr;
}

// ---- Reshape chains ------------------------------------------------------------------------

// Reshape(view(x)) → Reshape(x, static output shape), for views that only reshape.
bool collapse_reshape(Graph& g, Node* n) {
  if (!is_op(*n, "Reshape") || !n->input(0) || !n->output(0)) return false;
  const Node* p = n->input(0)->producer();
  bool view = p && (is_op(*p, "Reshape") || is_op(*p, "Flatten") || is_op(*p, "Squeeze") ||
                    is_op(*p, "Unsqueeze"));
  const Shape& out = n->output(0)->shape();
  if (!view || !p->input(0) || !n->output(0)->type().is_static()) return false;
  if (std::find(out.begin(), out.end(), 0) != out.end()) return false;  // 0 means "copy" here
  Tensor shape = Tensor::from_vector(out, {static_cast<int64_t>(out.size())});
  g.set_node_input(n, 0, p->input(0));
  const Value* old = n->input(1);
  if (!old || !old->constant() || !tensors_equal(*old->constant(), shape)) {
    g.set_node_input(n, 1, add_constant_value(g, n->name() + "_shape", std::move(shape)));
  }
  return true;
}

bool rewrite_one(Graph& g, Node* n, const PinnedNames& pinned) {
  if (Value* src = noop_source(*n)) return bypass_node(g, n, n->output(0), src, pinned);
  return rewrite_gemm(g, n, pinned) || collapse_reshape(g, n);
}

Expected<bool> Canonicalize::run(Graph& graph) {
  PinnedNames pinned = names_read_by_subgraphs(graph);
  bool changed = false;
  // A rewrite may remove a node other than the one at hand (bypass re-emits the producer),
  // so rescan after every rewrite.
  for (bool again = true; again;) {
    again = false;
    for (Node* n : graph.nodes()) {
      if (rewrite_one(graph, n, pinned)) {
        again = changed = true;
        break;
      }
    }
  }
  if (changed) STITCH_RETURN_IF_ERROR(finish_edits(graph));
  return changed;
}

}  // namespace

std::unique_ptr<Pass> make_canonicalize_pass() { return std::make_unique<Canonicalize>(); }

}  // namespace stitch::passes
