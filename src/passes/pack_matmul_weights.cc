// MatMul(A, constant B) -> stitch.MatMulPacked(A, B packed in 16-column panels). Part of passes/.
#include "passes/pack_matmul_weights.h"

#include <algorithm>
#include <map>

namespace stitch::passes {
namespace {

using graph::Graph;
using graph::Node;
using graph::Value;

constexpr int64_t kPanel = 16;  // columns per panel: the gemm_f32_6x16 microkernel's width

// B [K, N] -> [ceil(N/16), K, 16] with B[k, n] at [n / 16, k, n % 16]; padding columns are 0.
Tensor pack_panels(const Tensor& b) {
  const int64_t k = b.dim(0), n = b.dim(1), panels = (n + kPanel - 1) / kPanel;
  Tensor packed(DType::kFloat32, {panels, k, kPanel});
  const float* src = b.data<float>();
  float* dst = packed.data<float>();
  std::fill(dst, dst + panels * k * kPanel, 0.0f);
  for (int64_t row = 0; row < k; ++row)
    for (int64_t col = 0; col < n; ++col) {
      dst[((col / kPanel) * k + row) * kPanel + col % kPanel] = src[row * n + col];
    }
  return packed;
}

class PackMatMulWeights : public Pass {
 public:
  std::string name() const override { return "pack_matmul_weights"; }

  Expected<bool> run(Graph& graph) override {
    std::map<Value*, Value*> packed;  // one packed copy per weight, however many MatMuls share it
    bool changed = false;
    for (Node* n : graph.nodes()) {
      if (n->op_type() != "MatMul" || !n->domain().empty() || !packable(*n)) continue;
      Value* a = n->input(0);
      Value* b = n->input(1);
      Value* y = n->output(0);
      Value*& bp = packed[b];
      if (!bp) {
        bp = graph.add_constant(graph.unique_name(b->name() + "_panels"),
                                pack_panels(*b->constant()));
      }
      const std::string name = n->name();
      const int64_t cols = b->shape()[1];
      graph.remove_node(n);
      Node* m = graph.add_node("MatMulPacked", graph.unique_name(name + "_packed"), {a, bp}, {y},
                               "stitch", 1);
      m->set_attr("N", graph::Attribute::of_int(cols));
      changed = true;
    }
    if (changed) STITCH_RETURN_IF_ERROR(graph.topo_sort());
    return changed;
  }

 private:
  static bool packable(const Node& n) {
    const Value* a = n.input(0);
    const Value* b = n.input(1);
    const Value* y = n.output(0);
    if (!a || !b || !y || !b->is_constant()) return false;
    if (a->dtype() != DType::kFloat32 || b->dtype() != DType::kFloat32) return false;
    if (!a->type().is_static() || a->shape().empty() || b->shape().size() != 2) return false;
    return b->shape()[0] == a->shape().back() && b->shape()[0] > 0 && b->shape()[1] > 0;
  }
};

}  // namespace

std::unique_ptr<Pass> make_pack_matmul_weights_pass() {
  return std::make_unique<PackMatMulWeights>();
}

}  // namespace stitch::passes
