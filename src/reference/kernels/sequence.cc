// Reference kernels of the sequence op family. Part of reference/kernels/.
#include "reference/kernel_registry.h"

namespace stitch::reference {

void register_sequence_kernels(KernelRegistry& r) { (void)r; }

}  // namespace stitch::reference
