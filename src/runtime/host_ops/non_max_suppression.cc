// NonMaxSuppression on the host: greedy selection per (batch, class). Part of
// runtime/host_ops/ (see host_ops.h).
#include <algorithm>
#include <array>

#include "runtime/host_ops/host_ops.h"

namespace stitch::runtime::host_ops {
namespace {

// A box as its corner coordinates, whatever order or format it came in.
struct Box {
  float x1, y1, x2, y2;
  float area() const { return (x2 - x1) * (y2 - y1); }
};

Box read_box(const float* p, bool center_point) {
  if (center_point) {  // [x_center, y_center, width, height]
    return {p[0] - p[2] / 2, p[1] - p[3] / 2, p[0] + p[2] / 2, p[1] + p[3] / 2};
  }
  // [y1, x1, y2, x2], any diagonal pair of corners.
  return {std::min(p[1], p[3]), std::min(p[0], p[2]), std::max(p[1], p[3]), std::max(p[0], p[2])};
}

float iou(const Box& a, const Box& b) {
  if (a.area() <= 0 || b.area() <= 0) return 0;
  float w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  float h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  float inter = w * h;
  return inter / (a.area() + b.area() - inter);
}

// The first element of an optional scalar input as double; `fallback` when absent or empty.
Expected<double> optional_scalar(const TensorView* t, double fallback) {
  if (!t || t->numel() == 0) return fallback;
  double v = fallback;
  STITCH_RETURN_IF_ERROR(visit_numeric(t->dtype, [&](auto tag) {
    using T = decltype(tag);
    v = static_cast<double>(static_cast<ComputeType<T>>(t->as<T>()[0]));
    return Status::ok();
  }));
  return v;
}

// The boxes of one (batch, class) that survive, in selection order: highest score first
// (lower index on ties), dropping every box whose IoU with a selected one exceeds the threshold.
std::vector<int64_t> select_boxes(const float* boxes, const float* s, int64_t num_boxes,
                                  int64_t max_out, float iou_threshold,
                                  std::optional<float> score_threshold, bool center) {
  std::vector<int64_t> order;
  for (int64_t i = 0; i < num_boxes; ++i) {
    if (!score_threshold || s[i] > *score_threshold) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [s](int64_t a, int64_t b) { return s[a] > s[b]; });
  std::vector<Box> kept;
  std::vector<int64_t> picked;
  for (int64_t i : order) {
    if (static_cast<int64_t>(kept.size()) >= max_out) break;
    Box box = read_box(boxes + i * 4, center);
    bool suppressed = false;
    for (const Box& k : kept) suppressed = suppressed || iou(box, k) > iou_threshold;
    if (suppressed) continue;
    kept.push_back(box);
    picked.push_back(i);
  }
  return picked;
}

}  // namespace

Expected<Tensor> non_max_suppression(const TensorView& boxes, const TensorView& scores,
                                     const NmsParams& params) {
  if (boxes.rank() != 3 || boxes.shape[2] != 4 || scores.rank() != 3 ||
      boxes.shape[0] != scores.shape[0] || boxes.shape[1] != scores.shape[2]) {
    return error("NonMaxSuppression: boxes ", shape_to_string(boxes.shape), " and scores ",
                 shape_to_string(scores.shape), " do not fit");
  }
  if (boxes.dtype != DType::kFloat32 || scores.dtype != DType::kFloat32) {
    return error("unsupported: NonMaxSuppression on ", dtype_name(boxes.dtype), " boxes and ",
                 dtype_name(scores.dtype), " scores (float32 only)");
  }
  STITCH_ASSIGN_OR_RETURN(double max_out, optional_scalar(params.max_output_boxes_per_class, 0));
  STITCH_ASSIGN_OR_RETURN(double iou_threshold, optional_scalar(params.iou_threshold, 0));
  std::optional<float> score_threshold;
  if (params.score_threshold && params.score_threshold->numel() > 0) {
    STITCH_ASSIGN_OR_RETURN(double t, optional_scalar(params.score_threshold, 0));
    score_threshold = static_cast<float>(t);
  }
  const int64_t batches = scores.shape[0], classes = scores.shape[1], num_boxes = boxes.shape[1];
  std::vector<std::array<int64_t, 3>> picked;
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t c = 0; c < classes; ++c) {
      const float* s = scores.as<float>() + (b * classes + c) * num_boxes;
      for (int64_t i : select_boxes(
               boxes.as<float>() + b * num_boxes * 4, s, num_boxes, static_cast<int64_t>(max_out),
               static_cast<float>(iou_threshold), score_threshold, params.center_point_box)) {
        picked.push_back({b, c, i});
      }
    }
  }
  Tensor out(DType::kInt64, {static_cast<int64_t>(picked.size()), 3});
  for (size_t i = 0; i < picked.size(); ++i) {
    for (int j = 0; j < 3; ++j) out.data<int64_t>()[i * 3 + j] = picked[i][j];
  }
  return out;
}

}  // namespace stitch::runtime::host_ops
