// Registration functions of every op family; each lives in graph/ops/<family>.cc.
// Part of graph/ops/.
#pragma once

#include "graph/op_registry.h"

namespace stitch::graph {

void register_elementwise_ops(OpRegistry& r);   // arithmetic, math, logic, activations, casts
void register_tensor_ops(OpRegistry& r);        // reshape, transpose, gather, slice, pad, resize…
void register_nn_ops(OpRegistry& r);            // conv, matmul, gemm, pooling, normalization, quant
void register_reduce_ops(OpRegistry& r);        // reductions, softmax, argmax, topk, losses…
void register_sequence_ops(OpRegistry& r);      // RNN/GRU/LSTM, DFT/STFT, windows
void register_control_flow_ops(OpRegistry& r);  // If, Loop, Scan
void register_layout_ops(OpRegistry& r);        // stitch-domain blocked-layout ops

}  // namespace stitch::graph
