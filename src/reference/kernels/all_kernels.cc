// Fills the global kernel registry with every family. Part of reference/kernels/.
#include "reference/kernel_registry.h"

namespace stitch::reference {

const KernelRegistry& KernelRegistry::global() {
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    register_elementwise_kernels(*r);
    register_tensor_kernels(*r);
    register_nn_kernels(*r);
    register_reduce_kernels(*r);
    register_sequence_kernels(*r);
    register_control_flow_kernels(*r);
    register_layout_kernels(*r);
    return r;
  }();
  return *registry;
}

void KernelRegistry::add(const std::string& domain, const std::string& op_type, KernelFn fn) {
  kernels_[{domain, op_type}] = std::move(fn);
}

const KernelFn* KernelRegistry::find(const std::string& domain, const std::string& op_type) const {
  auto it = kernels_.find({domain, op_type});
  return it == kernels_.end() ? nullptr : &it->second;
}

}  // namespace stitch::reference
