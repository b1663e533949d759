// Helpers shared by the nn op family: window geometry of conv/pool ops and the einsum parser.
// Part of graph/ops/; the nn reference kernels call the same functions, so inference and
// execution cannot disagree on output shapes or padding.
#pragma once

#include <string>
#include <vector>

#include "graph/op_registry.h"

namespace stitch::graph {

// The parts of register_nn_ops, one per file graph/ops/nn_<part>.cc.
void register_nn_conv_ops(OpRegistry& r);
void register_nn_matmul_ops(OpRegistry& r);
void register_nn_pool_ops(OpRegistry& r);
void register_nn_norm_ops(OpRegistry& r);
void register_nn_quant_ops(OpRegistry& r);

namespace nn {

// Sliding-window parameters over the spatial dims (all vectors have the spatial rank).
// Output dims are kUnknownDim where the input dim is unknown; pads are then 0 placeholders.
struct WindowGeometry {
  Shape kernel;
  Shape strides;
  Shape dilations;
  Shape pads_begin;
  Shape pads_end;
  Shape output;
};

// Conv and pooling: reads strides, dilations, pads and auto_pad from the node. `ceil_mode`
// rounds the output size up (pooling), dropping a last window that would start in the padding.
Expected<WindowGeometry> window_geometry(const Node& node, const Shape& input_spatial,
                                         const Shape& kernel, bool ceil_mode);

// ConvTranspose: output size from output_shape, auto_pad or pads (in that order of priority).
Expected<WindowGeometry> conv_transpose_geometry(const Node& node, const Shape& input_spatial,
                                                 const Shape& kernel);

// Spatial dims of an [N, C, spatial...] shape.
inline Shape spatial_dims(const Shape& shape) {
  return shape.size() <= 2 ? Shape{} : Shape(shape.begin() + 2, shape.end());
}

// A parsed einsum equation with the ellipsis expanded: one label per operand dim. Letters are
// labels 0..51 ('a'..'z', 'A'..'Z'); ellipsis dims are labels 52.. (right-aligned across
// operands, NumPy broadcasting).
struct EinsumSpec {
  std::vector<std::vector<int>> inputs;
  std::vector<int> output;
  int num_labels = 0;
};
inline constexpr int kEinsumFirstEllipsisLabel = 52;

Expected<EinsumSpec> parse_einsum(const std::string& equation, const std::vector<int64_t>& ranks);

// The size of every label (kUnknownDim where unknown; 1-sized dims broadcast); an error when two
// operands disagree.
Expected<std::vector<int64_t>> einsum_label_sizes(const EinsumSpec& spec,
                                                  const std::vector<Shape>& shapes);

}  // namespace nn
}  // namespace stitch::graph
