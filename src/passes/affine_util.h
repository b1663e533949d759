// Per-channel affine maps (y = x * scale[c] + shift[c]) and the linear ops that can absorb
// them into constant weights and biases: Conv, and MatMul with its optional bias Add.
// Part of passes/; shared by fold_batchnorm and fold_affine.
#pragma once

#include <optional>
#include <vector>

#include "graph/graph.h"
#include "passes/pass_util.h"

namespace stitch::passes {

struct ChannelAffine {
  std::vector<double> scale;  // one per channel
  std::vector<double> shift;
};

// A float32 Conv (weights [OC, IC/g, k...], channel axis 1) or MatMul (constant weights
// [..., K, N], channel axis last), possibly followed by an Add of a constant per-channel bias,
// whose result only one node reads.
struct LinearOp {
  graph::Node* op = nullptr;        // the Conv or MatMul
  graph::Node* bias_add = nullptr;  // MatMul's bias Add, when there is one
  int bias_input = -1;              // which input of bias_add is the bias
  graph::Value* output = nullptr;   // the value the affine map reads
  int64_t channel_axis = 0;
  int64_t channels = 0;
};

// The linear op computing `v`, when it can absorb an affine map on `v`.
std::optional<LinearOp> match_linear(graph::Value* v, const PinnedNames& pinned);

// The values of float32 constant `c` along `axis` of an output of rank `rank` with `channels`
// channels there, when `c` broadcasts per channel (or is a scalar) without growing the output.
std::optional<std::vector<double>> channel_vector(const Tensor& c, int64_t rank, int64_t axis,
                                                  int64_t channels);

// Rewrites `lin` to compute affine(lin.output) into `out`, whose producer the caller removed.
// lin.output is then dead. Weights read by nobody else are rewritten in place.
void absorb_affine(graph::Graph& g, const LinearOp& lin, const ChannelAffine& affine,
                   graph::Value* out, const PinnedNames& pinned);

}  // namespace stitch::passes
