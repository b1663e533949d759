/* The calling convention between generated kernels and the runtime (C, stable).
 * Part of include/stitch/: the code generator emits functions of this shape, the runtime calls
 * them; neither needs the other's headers beyond this one. */
#ifndef STITCH_KERNEL_ABI_H_
#define STITCH_KERNEL_ABI_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a kernel asks for parallel work. parallel_for runs fn(closure, begin, end) over disjoint
 * ranges that cover [0, n) and returns when all are done. A kernel given NULL runs serially. */
typedef struct stitch_parallel_api {
  void* pool;
  void (*parallel_for)(void* pool, int64_t n, void (*fn)(void* closure, int64_t begin, int64_t end),
                       void* closure);
} stitch_parallel_api;

/* Every generated kernel is
 *   void stitch_kernel_<name>(void* const* buffers, const int64_t* scalars,
 *                             const stitch_parallel_api* parallel);
 * buffers: one pointer per buffer parameter of the kir::Kernel, in order (scratch buffers are
 * allocated inside the kernel); scalars: the kernel's scalar parameters, in order. */
typedef void (*stitch_kernel_fn)(void* const* buffers, const int64_t* scalars,
                                 const stitch_parallel_api* parallel);

#define STITCH_KERNEL_SYMBOL_PREFIX "stitch_kernel_"

#ifdef __cplusplus
}
#endif

#endif /* STITCH_KERNEL_ABI_H_ */
