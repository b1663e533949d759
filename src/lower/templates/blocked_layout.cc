// Templates of the blocked-channel (NCHWc) layout ops that layout assignment introduces. Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_blocked_layout_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
