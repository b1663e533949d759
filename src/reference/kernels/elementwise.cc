// Reference kernels of the elementwise op family. Part of reference/kernels/.
#include "reference/kernel_registry.h"

namespace stitch::reference {

void register_elementwise_kernels(KernelRegistry& r) { (void)r; }

}  // namespace stitch::reference
