// Schemas of the nn op family. Part of graph/ops/.
#include "graph/ops/all_ops.h"

namespace stitch::graph {

void register_nn_ops(OpRegistry& r) { (void)r; }

}  // namespace stitch::graph
