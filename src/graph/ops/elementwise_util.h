// Shared pieces of the elementwise op schemas: element-type classes and inference builders.
// Part of graph/ops/; private to the elementwise family (graph/ops/elementwise*.cc).
#pragma once

#include <string>

#include "graph/ops/all_ops.h"

namespace stitch::graph::elementwise {

// The element types an op accepts (the ONNX type constraints, coarsened).
enum class Types {
  kFloat,          // float16, bfloat16, float32, float64
  kSigned,         // floats and signed integers
  kInteger,        // signed and unsigned integers
  kUnsigned,       // unsigned integers
  kNumeric,        // floats and integers, not bool
  kBool,           // bool only
  kNumericOrBool,  // every numeric type including bool
  kAny,            // anything, strings included
};

// An error naming the input and the accepted types when `t` is not in `allowed`. An undefined
// dtype (not known yet) passes.
Status check_dtype(DType t, Types allowed, int input_index);

// The broadcast of the shapes of inputs [first, first + count) (omitted inputs skipped) into
// `out`; has_shape stays false when some input's rank is unknown.
Status broadcast_inputs(const InferContext& ctx, int first, int count, TensorType& out);

// Every present input in [first, first + count) must have the same element type.
Status check_same_dtype(const InferContext& ctx, int first, int count);

// Inference for unary ops whose output has the input's type.
InferFn infer_unary(Types allowed);
// Unary ops with a fixed output type (IsNaN, IsInf: bool).
InferFn infer_unary_to(Types allowed, DType out);
// N-ary ops over one element type with NumPy broadcasting; the output has the inputs' type, or
// bool when `to_bool`.
InferFn infer_broadcast(Types allowed, bool to_bool);

// A kInjective schema with elementwise FLOPs; arity defaults to one input, one output.
OpSchema injective_schema(const std::string& op_type, int min_opset, InferFn infer,
                          int min_inputs = 1, int max_inputs = 1);

void register_elementwise_binary_ops(OpRegistry& r);
void register_elementwise_unary_ops(OpRegistry& r);
void register_elementwise_misc_ops(OpRegistry& r);

}  // namespace stitch::graph::elementwise
