// Reference kernels of the nn op family (conv, matmul, pooling, normalization, quantization).
// Part of reference/kernels/; the kernels themselves live in nn_<part>.cc.
#include "reference/kernels/nn_util.h"

namespace stitch::reference {

void register_nn_kernels(KernelRegistry& r) {
  register_nn_conv_kernels(r);
  register_nn_matmul_kernels(r);
  register_nn_pool_kernels(r);
  register_nn_norm_kernels(r);
  register_nn_quant_kernels(r);
}

}  // namespace stitch::reference
