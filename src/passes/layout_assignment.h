// Layout assignment for SIMD CPUs (DESIGN 3.3; oneDNN Graph Compiler's blocked layouts). Part
// of passes/, run after the simplification group.
//
// Every 2-D float32 Conv with group 1, a constant weight and an output channel count that is a
// multiple of the block becomes a stitch.ConvNCHWc on channel-blocked tensors
// ([N, C/b, H, W, b]), whose weight is pre-packed here, once, at compile time
// ([M/b, C/b, KH, KW, b, b]). An input channel count C that is not a multiple of the block (the
// RGB stem conv) is zero-padded up to one: its input reorder is a stitch.ReorderNCHWc that fills
// the extra channels with zeros, and the packed weight has zero rows there. A depthwise Conv
// (group = C = M, C a multiple of the block) becomes a
// stitch.DepthwiseConvNCHWc (weight [C/b, KH, KW, b]); MaxPool (without Indices), AveragePool
// and their Global forms on a blocked input become a stitch.PoolNCHWc. The blocked layout then
// propagates through elementwise ops whose operands are all blocked (the ReLU, the Clip and the
// residual Add between two convs) and through channel Concats of blocked inputs (SqueezeNet's
// fire modules), so a chain of convs reorders its activations only where a
// plain-layout consumer (a reshape, a concat, a graph output) reads them. The reorders are
// plain Reshape + Transpose: lowering inlines them into the reads of their consumers, so a
// reorder costs no pass over memory of its own. Padded channels never reach a plain consumer
// or an elementwise op: only the conv that asked for them reads them.
#pragma once

#include <cstdint>
#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

struct LayoutAssignmentOptions {
  // Channels per block: 8 fills an AVX2 vector of float32 (16 would fill AVX-512's).
  int64_t block = 8;
};

std::unique_ptr<Pass> make_layout_assignment_pass(const LayoutAssignmentOptions& options = {});

}  // namespace stitch::passes
