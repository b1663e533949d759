// Fills the global registry with every op family, in one place so a newcomer sees the list.
// Part of graph/ops/.
#include "graph/ops/all_ops.h"

namespace stitch::graph {

const OpRegistry& OpRegistry::global() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry();
    register_elementwise_ops(*r);
    register_tensor_ops(*r);
    register_nn_ops(*r);
    register_reduce_ops(*r);
    register_sequence_ops(*r);
    register_control_flow_ops(*r);
    register_layout_ops(*r);
    return r;
  }();
  return *registry;
}

}  // namespace stitch::graph
