// Schemas of the sequence op family. Part of graph/ops/.
#include "graph/ops/all_ops.h"

namespace stitch::graph {

void register_sequence_ops(OpRegistry& r) { (void)r; }

}  // namespace stitch::graph
