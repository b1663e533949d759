// Reference kernels of the nn op family. Part of reference/kernels/.
#include "reference/kernel_registry.h"

namespace stitch::reference {

void register_nn_kernels(KernelRegistry& r) { (void)r; }

}  // namespace stitch::reference
