// Reference kernels of the control_flow op family. Part of reference/kernels/.
#include "reference/kernel_registry.h"

namespace stitch::reference {

void register_control_flow_kernels(KernelRegistry& r) { (void)r; }

}  // namespace stitch::reference
