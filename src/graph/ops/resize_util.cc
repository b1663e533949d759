// Resize's shared formulas. Part of graph/ops/.
#include "graph/ops/resize_util.h"

namespace stitch::graph::resize {

ResizeParams resize_params(const Node& n) {
  const bool old = n.opset() < 11;
  ResizeParams p;
  p.mode = n.attr_string("mode", "nearest");
  p.ctm = n.attr_string("coordinate_transformation_mode", old ? "asymmetric" : "half_pixel");
  p.nearest_mode = n.attr_string("nearest_mode", old ? "floor" : "round_prefer_floor");
  p.cubic_a = n.attr_float("cubic_coeff_a", -0.75f);
  p.exclude_outside = n.attr_int("exclude_outside", 0) != 0;
  p.extrapolation = n.attr_float("extrapolation_value", 0.0f);
  return p;
}

double source_coordinate(const ResizeParams& p, double x, double scale, int64_t in, int64_t out,
                         double roi_start, double roi_end) {
  double width = scale * static_cast<double>(in);
  if (p.ctm == "align_corners") return width == 1 ? 0 : x * (in - 1) / (width - 1);
  if (p.ctm == "asymmetric") return x / scale;
  if (p.ctm == "tf_crop_and_resize") {
    double span = (roi_end - roi_start) * (in - 1);
    double v = width == 1 ? span / 2 : x * span / (width - 1);
    return v + roi_start * (in - 1);
  }
  if (p.ctm == "tf_half_pixel_for_nn") return (x + 0.5) / scale;  // opsets 11-12
  if (p.ctm == "pytorch_half_pixel") return out == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  if (p.ctm == "half_pixel_symmetric") {
    double adjustment = static_cast<double>(out) / width;
    double offset = in / 2.0 * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  return (x + 0.5) / scale - 0.5;  // half_pixel
}

std::vector<double> tap_weights(const ResizeParams& p, double r) {
  if (p.mode == "cubic") {
    const double a = p.cubic_a, s = 1 - r;
    return {((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1, ((a + 2) * s - (a + 3)) * s * s + 1,
            ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a};
  }
  if (p.mode == "linear") return {1 - r, r};
  const std::string& m = p.nearest_mode;
  const bool hi = r == 1 || (m == "round_prefer_floor" && r > 0.5) ||
                  (m == "round_prefer_ceil" && r >= 0.5) || m == "ceil";
  return {hi ? 0.0 : 1.0, hi ? 1.0 : 0.0};
}

}  // namespace stitch::graph::resize
