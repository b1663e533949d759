// Templates of quantization ops (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, ConvInteger, MatMulInteger, QLinearMatMul, QLinearConv). Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_quantize_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
