// Schemas of the reduce op family. Part of graph/ops/.
#include "graph/ops/all_ops.h"

namespace stitch::graph {

void register_reduce_ops(OpRegistry& r) { (void)r; }

}  // namespace stitch::graph
