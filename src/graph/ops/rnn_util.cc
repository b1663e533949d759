// RNN activation names and defaults. Part of graph/ops/.
#include "graph/ops/rnn_util.h"

#include <cctype>

namespace stitch::graph::rnn {

Expected<ActivationSpec> activation_spec(const std::string& raw) {
  ActivationSpec a;
  for (char ch : raw) a.name += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* plain : {"sigmoid", "tanh", "relu", "softsign", "softplus"}) {
    if (a.name == plain) return a;
  }
  a.uses_alpha = true;
  if (a.name == "leakyrelu") {
    a.alpha = 0.01;
  } else if (a.name == "thresholdedrelu" || a.name == "elu") {
    a.alpha = 1.0;
  } else if (a.name == "affine" || a.name == "scaledtanh") {
    a.alpha = 1.0;
    a.uses_beta = true;
  } else if (a.name == "hardsigmoid") {
    a.alpha = 0.2;
    a.beta = 0.5;
    a.uses_beta = true;
  } else {
    return error("unsupported: activation function '", raw, "'");
  }
  return a;
}

}  // namespace stitch::graph::rnn
