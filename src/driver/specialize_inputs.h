// Specialization of a graph to the inputs it will be compiled for. Part of driver/, run by
// CompiledModel::compile before the pass pipeline.
//
// Compiled code is generated per shape. Input shapes are fixed from the example inputs; and
// where an output shape depends on an input's *value* (a Reshape whose target shape, a Resize
// whose scales, a TopK whose k arrives as a graph input), the graph is specialized on that
// value too: the input's uses read a constant, and the execution plan keeps a guard that
// refuses a later run whose value differs. Only small inputs that shape inference asked for,
// or that an op's kernel needs as a constant (a Resize's roi, a Dropout's ratio), are
// specialized; data inputs never are.
#pragma once

#include <cstddef>
#include <vector>

#include "graph/graph.h"
#include "runtime/execution_plan.h"
#include "support/tensor.h"

namespace stitch::driver {

// Gives graph inputs with unknown dims the shapes of the given tensors and re-infers types.
Status specialize_input_shapes(graph::Graph& graph, const std::vector<const Tensor*>& inputs);

// Replaces the uses of every shape-deciding input (see above) by a constant holding its
// example value; returns one guard per input so replaced. Inputs bigger than
// kMaxSpecializedElements are never specialized.
inline constexpr int64_t kMaxSpecializedElements = 4096;
Expected<std::vector<runtime::InputValueGuard>> specialize_shape_inputs(
    graph::Graph& graph, const std::vector<const Tensor*>& inputs);

}  // namespace stitch::driver
