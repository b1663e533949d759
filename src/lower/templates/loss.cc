// Templates of the loss ops NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Part of lower/templates/.
#include "lower/templates/template_registry.h"

namespace stitch::lower {

void register_loss_templates(TemplateTable& t) { (void)t; }

}  // namespace stitch::lower
