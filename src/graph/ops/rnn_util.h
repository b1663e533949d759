// The activation functions of RNN, GRU and LSTM by name, with ONNX's default alpha and beta;
// shared by the reference kernels (reference/kernels/sequence.cc) and the lowering template
// (lower/templates/recurrent.cc), so both resolve a node's activations alike. Part of
// graph/ops/.
#pragma once

#include <string>

#include "support/status.h"

namespace stitch::graph::rnn {

struct ActivationSpec {
  std::string name;  // lower case: "sigmoid", "tanh", "leakyrelu", ...
  double alpha = 0, beta = 0;
  // Whether the node's activation_alpha / activation_beta lists hold a value for it.
  bool uses_alpha = false, uses_beta = false;
};

// "unsupported: activation function 'X'" for a name ONNX does not define.
Expected<ActivationSpec> activation_spec(const std::string& raw);

}  // namespace stitch::graph::rnn
