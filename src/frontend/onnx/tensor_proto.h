// TensorProto ↔ Tensor conversion, including external data. Part of frontend/onnx/; internal.
#pragma once

#include <string>

#include "onnx/onnx_pb.h"
#include "support/tensor.h"

namespace stitch::frontend {

// Converts a TensorProto. `base_dir` resolves external data (empty: external data refused).
// Every size in the proto is checked against the shape, so corrupt files give errors.
Expected<Tensor> tensor_from_proto(const onnx::TensorProto& proto, const std::string& base_dir);

// Reads a whole file into memory; an error naming the path when it cannot.
Expected<std::string> read_file_bytes(const std::string& path);

}  // namespace stitch::frontend
