// Schemas of the control_flow op family. Part of graph/ops/.
#include "graph/ops/all_ops.h"

namespace stitch::graph {

void register_control_flow_ops(OpRegistry& r) { (void)r; }

}  // namespace stitch::graph
