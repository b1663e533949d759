// Templates of the remaining neural-network ops (LRN, InstanceNormalization, MeanVarianceNormalization, RoiAlign, MaxUnpool, ...). Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_nn_misc_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
