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
//
// A group-1 3x3 conv with stride 1 and dilation 1 and enough channels becomes a
// stitch.ConvWinogradNCHWc instead (Winograd's F(4x4, 3x3)): its weight is transformed here, once,
// to U = G g G^T in 16-channel GEMM panels ([36, ceil(M/16), C, 16]); see the schema in
// graph/ops/layout.cc and the template in lower/templates/winograd_conv.cc. The rule (the options
// below) is where it measured faster than the direct kernel.
#pragma once

#include <cstdint>
#include <memory>

#include "passes/pass.h"

namespace stitch::passes {

struct LayoutAssignmentOptions {
  // Channels per block: 8 fills an AVX2 vector of float32 (16 would fill AVX-512's).
  int64_t block = 8;
  // Winograd F(4x4, 3x3) for 3x3 stride-1 dilation-1 group-1 convs (8-channel blocks only), where
  // it measured faster than the direct kernel (AVX2, 1 and 2 threads):
  //   - at least winograd_min_channels input and output channels;
  //   - its GEMMs (36 per 4x4 tile, tiles padded to the GEMM's 6 rows) do at most
  //     1 / winograd_min_gain of the direct conv's multiply-adds: this keeps 7x7 outputs and
  //     drops 6x6 and smaller, where the transforms and the padding cost more than they save;
  //   - its transformed weight (4x the direct one) is at most winograd_max_weight_bytes: one
  //     image of a 512 -> 512 conv at 7x7 streams 38 MB of it from memory and ran no faster.
  // Off: every such conv stays a ConvNCHWc (the CLI reads STITCH_WINOGRAD=0 into this, to
  // compare speed and accuracy).
  bool winograd = true;
  int64_t winograd_min_channels = 16;
  double winograd_min_gain = 2.0;
  int64_t winograd_max_weight_bytes = int64_t{16} << 20;
};

std::unique_ptr<Pass> make_layout_assignment_pass(const LayoutAssignmentOptions& options = {});

}  // namespace stitch::passes
