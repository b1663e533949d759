// Templates of signal-processing ops (DFT, STFT, window functions, MelWeightMatrix). Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_signal_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
