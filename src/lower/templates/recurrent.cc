// Templates of the recurrent ops RNN, GRU and LSTM. Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_recurrent_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
