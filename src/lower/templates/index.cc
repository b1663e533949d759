// Templates of gather/scatter-style index ops, one-hot, triangular masks, cumulative sums, arg-reductions and top-k. Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_index_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
