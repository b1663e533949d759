// Affine folding. Part of passes/.
//
// Each fold turns `op(x, c)` with x = linear(...) into a re-emitted linear op, so a chain
// Conv → Mul → Add → Mul collapses one link per fold. The canonical MatMul + bias Add is the
// fixed point: an Add directly after a bias-less MatMul is left alone (folding it would only
// rebuild the same two nodes).
#include "passes/fold_affine.h"

#include "passes/affine_util.h"

namespace stitch::passes {
namespace {

using graph::Graph;
using graph::Node;
using graph::Value;

class FoldAffine : public Pass {
 public:
  std::string name() const override { return "fold_affine"; }
  Expected<bool> run(Graph& graph) override;
};

struct AffineNode {
  Value* x = nullptr;  // the non-constant operand
  const Tensor* c = nullptr;
  bool multiplies = false;  // Mul / Div
  bool inverts = false;     // Sub / Div: the constant is negated / inverted
};

// Mul/Add (either operand order) and Sub/Div (constant second) with one constant operand.
std::optional<AffineNode> match_affine_node(const Node& n) {
  const std::string& op = n.op_type();
  bool commutes = op == "Mul" || op == "Add";
  if (!n.domain().empty() || !(commutes || op == "Sub" || op == "Div") || n.num_inputs() != 2) {
    return std::nullopt;
  }
  Value* a = n.input(0);
  Value* b = n.input(1);
  if (!a || !b || !n.output(0) || a->is_constant() == b->is_constant()) return std::nullopt;
  if (a->is_constant() && !commutes) return std::nullopt;
  AffineNode m;
  m.x = a->is_constant() ? b : a;
  m.c = a->is_constant() ? a->constant() : b->constant();
  m.multiplies = op == "Mul" || op == "Div";
  m.inverts = op == "Sub" || op == "Div";
  if (n.output(0)->shape() != m.x->shape()) return std::nullopt;  // c must not broadcast x up
  return m;
}

std::optional<ChannelAffine> to_affine(const AffineNode& m, const std::vector<double>& c) {
  ChannelAffine a{std::vector<double>(c.size(), 1.0), std::vector<double>(c.size(), 0.0)};
  for (size_t i = 0; i < c.size(); ++i) {
    if (m.multiplies && m.inverts && c[i] == 0.0) return std::nullopt;
    double v = m.inverts ? (m.multiplies ? 1.0 / c[i] : -c[i]) : c[i];
    (m.multiplies ? a.scale : a.shift)[i] = v;
  }
  return a;
}

bool fold_one(Graph& g, Node* n, const PinnedNames& pinned) {
  std::optional<AffineNode> m = match_affine_node(*n);
  if (!m) return false;
  std::optional<LinearOp> lin = match_linear(m->x, pinned);
  if (!lin) return false;
  bool bare_matmul = lin->op->op_type() == "MatMul" && !lin->bias_add;
  if (bare_matmul && !m->multiplies) return false;
  auto rank = static_cast<int64_t>(m->x->shape().size());
  std::optional<std::vector<double>> c =
      channel_vector(*m->c, rank, lin->channel_axis, lin->channels);
  if (!c) return false;
  std::optional<ChannelAffine> a = to_affine(*m, *c);
  if (!a) return false;
  Value* out = n->output(0);
  g.remove_node(n);
  absorb_affine(g, *lin, *a, out, pinned);
  return true;
}

Expected<bool> FoldAffine::run(Graph& graph) {
  return rewrite_nodes_until_fixed_point(graph, fold_one);
}

}  // namespace

std::unique_ptr<Pass> make_fold_affine_pass() { return std::make_unique<FoldAffine>(); }

}  // namespace stitch::passes
