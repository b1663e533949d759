// Numerical comparison of tensors: the tolerances every correctness check states.
// Part of support/; used by the conformance runner, `stitch check` and the tests.
#pragma once

#include <string>

#include "support/tensor.h"

namespace stitch {

struct CompareResult {
  bool ok = false;
  std::string message;  // why not, when !ok
  double max_abs_error = 0;
  double rel_l2_error = 0;  // ||a - b||_2 / ||b||_2 (0 when both are zero)
};

// Element-wise closeness: |a - b| <= atol + rtol * |b| for floats (NaN equals NaN, infinities
// must match), exact equality for integers, bools and strings. Dtypes and shapes must match.
CompareResult compare_allclose(const Tensor& actual, const Tensor& expected, double rtol,
                               double atol);

// Relative L2 error ||a - b|| / ||b|| (numeric tensors of the same shape; dtypes may differ).
Expected<double> relative_l2_error(const Tensor& actual, const Tensor& expected);

}  // namespace stitch
