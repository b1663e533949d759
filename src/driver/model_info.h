// The summary `stitch info` prints: inputs and outputs, op histogram, parameters, FLOPs.
// Part of driver/.
#pragma once

#include <map>
#include <string>

#include "graph/graph.h"

namespace stitch::driver {

struct ModelInfo {
  std::map<std::string, int> op_histogram;
  int64_t parameters = 0;  // elements of all constant tensors
  int64_t parameter_bytes = 0;
  int64_t flops = 0;            // from the op registry, nodes with static shapes
  int nodes_without_flops = 0;  // nodes whose shapes were not static (symbolic inputs)
};

ModelInfo compute_model_info(const graph::Graph& graph);
std::string format_model_info(const graph::Graph& graph, const ModelInfo& info);

}  // namespace stitch::driver
