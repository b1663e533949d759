// Schemas of the elementwise op family. Part of graph/ops/.
#include "graph/ops/all_ops.h"

namespace stitch::graph {

void register_elementwise_ops(OpRegistry& r) { (void)r; }

}  // namespace stitch::graph
