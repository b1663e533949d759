// Tensor comparison with stated tolerances. Part of support/.
#include "support/compare.h"

#include <cmath>

namespace stitch {

CompareResult compare_allclose(const Tensor& actual, const Tensor& expected, double rtol,
                               double atol) {
  CompareResult r;
  if (actual.dtype() != expected.dtype()) {
    r.message = str_cat("dtype ", dtype_name(actual.dtype()), " != expected ",
                        dtype_name(expected.dtype()));
    return r;
  }
  if (actual.shape() != expected.shape()) {
    r.message = str_cat("shape ", shape_to_string(actual.shape()), " != expected ",
                        shape_to_string(expected.shape()));
    return r;
  }
  if (actual.dtype() == DType::kString) {
    for (int64_t i = 0; i < actual.numel(); ++i) {
      if (actual.strings()[i] != expected.strings()[i]) {
        r.message = str_cat("element ", i, ": '", actual.strings()[i], "' != '",
                            expected.strings()[i], "'");
        return r;
      }
    }
    r.ok = true;
    return r;
  }
  bool exact = !dtype_is_float(actual.dtype());
  double diff2 = 0, ref2 = 0;
  for (int64_t i = 0; i < actual.numel(); ++i) {
    double a = actual.as_double(i), b = expected.as_double(i);
    if (exact) {
      // Compare as integers so 64-bit values beyond 2^53 stay exact.
      if (actual.as_int64(i) != expected.as_int64(i) || a != b) {
        if (r.message.empty()) r.message = str_cat("element ", i, ": ", a, " != expected ", b);
      }
      continue;
    }
    if (std::isnan(a) || std::isnan(b)) {
      if (!(std::isnan(a) && std::isnan(b)) && r.message.empty()) {
        r.message = str_cat("element ", i, ": ", a, " != expected ", b);
      }
      continue;
    }
    if (std::isinf(a) || std::isinf(b)) {
      if (a != b && r.message.empty())
        r.message = str_cat("element ", i, ": ", a, " != expected ", b);
      continue;
    }
    double d = std::fabs(a - b);
    r.max_abs_error = std::max(r.max_abs_error, d);
    diff2 += d * d;
    ref2 += b * b;
    if (d > atol + rtol * std::fabs(b) && r.message.empty()) {
      r.message = str_cat("element ", i, ": ", a, " != expected ", b, " (|diff| ", d, ")");
    }
  }
  r.rel_l2_error = ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
  r.ok = r.message.empty();
  return r;
}

Expected<double> relative_l2_error(const Tensor& actual, const Tensor& expected) {
  if (actual.shape() != expected.shape()) {
    return error("shape ", shape_to_string(actual.shape()), " != expected ",
                 shape_to_string(expected.shape()));
  }
  if (actual.dtype() == DType::kString || expected.dtype() == DType::kString) {
    return error("relative error of string tensors is undefined");
  }
  double diff2 = 0, ref2 = 0;
  for (int64_t i = 0; i < actual.numel(); ++i) {
    double a = actual.as_double(i), b = expected.as_double(i);
    diff2 += (a - b) * (a - b);
    ref2 += b * b;
  }
  return ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
}

}  // namespace stitch
