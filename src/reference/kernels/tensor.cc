// Reference kernels of the tensor op family. Part of reference/kernels/.
#include "reference/kernel_registry.h"

namespace stitch::reference {

void register_tensor_kernels(KernelRegistry& r) { (void)r; }

}  // namespace stitch::reference
