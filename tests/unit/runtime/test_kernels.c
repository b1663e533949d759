/* Hand-written kernels behind the kernel ABI, built as a shared object so that the artifact
 * tests load real kernels with dlopen without needing the compiler. Part of tests/unit/runtime. */
#include "stitch/kernel_abi.h"

/* t = x + c over 6 floats. */
void stitch_kernel_test_add(void* const* b, const int64_t* scalars,
                            const stitch_parallel_api* parallel) {
  const float* x = (const float*)b[0];
  const float* c = (const float*)b[1];
  float* t = (float*)b[2];
  (void)scalars;
  (void)parallel;
  for (int i = 0; i < 6; ++i) t[i] = x[i] + c[i];
}

/* z = 2 * t over 6 floats. */
void stitch_kernel_test_double(void* const* b, const int64_t* scalars,
                               const stitch_parallel_api* parallel) {
  (void)scalars;
  (void)parallel;
  for (int i = 0; i < 6; ++i) ((float*)b[1])[i] = 2 * ((const float*)b[0])[i];
}
