// Resize's coordinate and weight formulas, shared by the reference kernel
// (reference/kernels/tensor_resize.cc) and the lowering template (lower/templates/resize.cc):
// one copy, so that both compute the same doubles operation for operation (nearest rounding is
// discontinuous; a last-bit difference picks another element). Part of graph/ops/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace stitch::graph::resize {

struct ResizeParams {
  std::string mode, ctm, nearest_mode;  // ctm: coordinate_transformation_mode
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation = 0;
};

// The node's attributes with the defaults of its opset (Resize-10 and Upsample: asymmetric
// coordinates, floor rounding).
ResizeParams resize_params(const Node& n);

// The input coordinate output coordinate x maps to, as ONNX's resize.py computes it (the
// "output width" there is scale * input width, not the rounded size).
double source_coordinate(const ResizeParams& p, double x, double scale, int64_t in, int64_t out,
                         double roi_start, double roi_end);

// The interpolation weights of the taps around a source point whose distance from the first
// of the two central taps is r in (0, 1]: 4 for cubic, 2 for linear and nearest (nearest
// puts weight 1 on the element its rounding mode picks).
std::vector<double> tap_weights(const ResizeParams& p, double r);

}  // namespace stitch::graph::resize
