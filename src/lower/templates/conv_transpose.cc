// Templates of ConvTranspose. Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_conv_transpose_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
