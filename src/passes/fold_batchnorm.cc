// BatchNorm folding. Part of passes/.
//
// In inference mode BN(x)[c] = (x[c] - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c]
// = x[c] * s[c] + t[c] with s = gamma / sqrt(var + eps) and t = beta - mean * s, computed in
// double. The BN's output value survives (its name, users and graph-output status), and is
// written either by the re-emitted Conv/MatMul or by the Add of the Mul + Add decomposition.
#include "passes/fold_batchnorm.h"

#include <cmath>

#include "passes/affine_util.h"

namespace stitch::passes {
namespace {

using graph::Graph;
using graph::Node;
using graph::Value;

class FoldBatchNorm : public Pass {
 public:
  std::string name() const override { return "fold_batchnorm"; }
  Expected<bool> run(Graph& graph) override;
};

// The BN as a channel affine map, when it runs in inference mode on float32 with constant
// statistics and only its first output is read.
std::optional<ChannelAffine> batchnorm_affine(const Node& n, const PinnedNames& pinned) {
  const Value* x = n.input(0);
  if (n.attr_int("training_mode", 0) != 0 || !x || !n.output(0)) return std::nullopt;
  if (x->dtype() != DType::kFloat32 || !x->type().is_static() || x->shape().size() < 2) {
    return std::nullopt;
  }
  for (int i = 1; i < n.num_outputs(); ++i) {
    if (n.output(i) && !is_unused(*n.output(i), pinned)) return std::nullopt;
  }
  int64_t channels = x->shape()[1];
  std::vector<std::vector<double>> p;  // gamma, beta, mean, var
  for (int i = 1; i <= 4; ++i) {
    const Value* v = n.input(i);
    if (!v || !v->constant()) return std::nullopt;
    std::optional<std::vector<double>> values = channel_vector(*v->constant(), 1, 0, channels);
    if (!values || v->constant()->numel() != channels) return std::nullopt;
    p.push_back(std::move(*values));
  }
  double eps = n.attr_float("epsilon", 1e-5f);
  ChannelAffine a{std::vector<double>(channels), std::vector<double>(channels)};
  for (int64_t c = 0; c < channels; ++c) {
    a.scale[c] = p[0][c] / std::sqrt(p[3][c] + eps);
    a.shift[c] = p[1][c] - p[2][c] * a.scale[c];
  }
  return a;
}

// A [C, 1, ..., 1] float32 tensor that broadcasts along axis 1 of a rank-`rank` tensor.
Tensor per_channel_tensor(const std::vector<double>& v, size_t rank) {
  Shape shape(rank - 1, 1);
  shape[0] = static_cast<int64_t>(v.size());
  Tensor t(DType::kFloat32, shape);
  for (size_t c = 0; c < v.size(); ++c) t.data<float>()[c] = static_cast<float>(v[c]);
  return t;
}

// y = x * s + t as two nodes named after the BN (`name`), which the caller removed.
void emit_mul_add(Graph& g, const std::string& name, int opset, const ChannelAffine& a, Value* x,
                  Value* y) {
  size_t rank = x->shape().size();
  Value* s = add_constant_value(g, name + "_scale", per_channel_tensor(a.scale, rank));
  Value* t = add_constant_value(g, name + "_shift", per_channel_tensor(a.shift, rank));
  Value* scaled = add_temp_value(g, name + "_scaled", x->type());
  g.add_node("Mul", name + "_scale", {x, s}, {scaled}, "", opset);
  g.add_node("Add", name + "_shift", {scaled, t}, {y}, "", opset);
}

// Folds one BN; false when `n` is not a foldable BN.
bool fold_one(Graph& g, Node* n, const PinnedNames& pinned) {
  if (!n->domain().empty() || n->op_type() != "BatchNormalization") return false;
  std::optional<ChannelAffine> a = batchnorm_affine(*n, pinned);
  if (!a) return false;
  Value* x = n->input(0);
  Value* y = n->output(0);
  std::string name = n->name();
  int opset = n->opset();
  std::optional<LinearOp> lin = match_linear(x, pinned);
  g.remove_node(n);
  if (lin && lin->channel_axis == 1) {
    absorb_affine(g, *lin, *a, y, pinned);
  } else {
    emit_mul_add(g, name, opset, *a, x, y);
  }
  return true;
}

Expected<bool> FoldBatchNorm::run(Graph& graph) {
  return rewrite_nodes_until_fixed_point(graph, fold_one);
}

}  // namespace

std::unique_ptr<Pass> make_fold_batchnorm_pass() { return std::make_unique<FoldBatchNorm>(); }

}  // namespace stitch::passes
