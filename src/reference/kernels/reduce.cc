// Reference kernels of the reduce op family. Part of reference/kernels/.
#include "reference/kernel_registry.h"

namespace stitch::reference {

void register_reduce_kernels(KernelRegistry& r) { (void)r; }

}  // namespace stitch::reference
